"""Row helpers shared by the synthetic cell lab and procedure stages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection


@dataclass
class Rows:
    qc: list = field(default_factory=list)
    custody: list = field(default_factory=list)


# The two largest tables go in as plain tuples: building ~8 model instances per treated
# joint was most of this stage's time at 100k patients.
QC_COLUMNS = ("unit_id", "test", "value", "outcome", "method", "at", "by_id")
CUSTODY_COLUMNS = ("unit_id", "from_status", "to_status", "by_id", "at", "location", "note")


def insert_tuples(model, columns: tuple[str, ...], rows: list[tuple], batch: int = 5000):
    """Insert rows given as tuples in `columns` order with executemany, in batches."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
    when = columns.index("at")
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            chunk = [(*r[:when], adapt(r[when]), *r[when + 1:]) for r in rows[start:start + batch]]
            cursor.executemany(sql, chunk)


def custody_rows(rows, unit, steps, by, start, note=""):
    previous = ""
    for i, (status, label) in enumerate(steps):
        rows.custody.append((unit.pk, previous, status, by.pk, start + dt.timedelta(minutes=i),
                             "Cell lab", label or note))
        previous = status
