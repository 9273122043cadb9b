"""Plain multi-row INSERTs for the synthetic load's largest tables.

Django's bulk_create prepares every value of every row through the field machinery, which
costs more than the database itself at a million rows; the synthetic rows are already
valid, so they go in as parameter tuples (JSON serialised once) in batches.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from django.db import connection, models

BATCH = 5000


def insert_rows(model, columns: Sequence[str], rows: list[tuple], progress=None,
                label: str = "") -> int:
    """Insert tuples of values for `columns` (field names) of `model`; return rows inserted.

    JSON fields take Python values, serialised here, or text taken as JSON already written;
    other values must be what the database adapter accepts (dates, numbers, text, None).
    """
    fields = [model._meta.get_field(name) for name in columns]
    is_json = [isinstance(f, models.JSONField) for f in fields]
    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    placeholders = ", ".join(f"%s{cast}" if j else "%s" for j in is_json)
    sql = (f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} "
           f"({', '.join(connection.ops.quote_name(f.column) for f in fields)}) "
           f"VALUES ({placeholders})")
    task = progress.add_task(label, total=len(rows)) if progress else None
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            batch = [tuple(_json(v) if j else v for v, j in zip(row, is_json, strict=True))
                     for row in rows[start:start + BATCH]]
            cursor.executemany(sql, batch)
            if progress:
                progress.advance(task, len(batch))
    return len(rows)


def _json(value) -> str:
    return value if isinstance(value, str) else json.dumps(value)
