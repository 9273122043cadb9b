"""Insert many rows at once: the one bulk inserter of the synthetic load.

bulk_create prepares every value of every row through the field machinery, which costs more
than the database itself at a million rows. Synthetic rows are valid by construction, so
they go in as plain tuples: COPY on PostgreSQL (psycopg's ``cursor.copy``; executemany
there runs one INSERT per row), executemany on SQLite. Values are handed to the driver as
they are, except four kinds, treated the same way on both databases:

- a date is stored as a date;
- a datetime must be aware and is stored as its instant in UTC; a naive one is refused (the
  clock it was read from is lost). An ``auto_now``/``auto_now_add`` column given None takes
  the time of the insert;
- a JSON column takes a Python value, serialised here with the field's encoder, or
  ``JsonText``, JSON already written (pandas writes a million rows far faster);
- None is SQL NULL in every column, JSON columns included.

The new primary keys come back in row order. PostgreSQL's are drawn from the table's
sequence before the COPY; SQLite's are the rowids of the statement, consecutive because
AUTOINCREMENT gives each new row the largest rowid plus one and the surrounding transaction
holds the database's only write lock.

Like bulk_create this skips save(), signals and django-simple-history: a synthetic load is
audited as one BULK_LOAD access record instead (synthetic.clinic).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence, Sized
from itertools import islice
from operator import attrgetter
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone
from rich.progress import Progress

BATCH = 5000


class JsonText(str):
    """JSON text already serialised: stored as it is in a JSON column."""


def insert_objects(model: type[models.Model], objects: list, *, progress: Progress | None = None,
                   label: str = "") -> list:
    """Insert unsaved ``model`` instances, give each its new primary key, and return them."""
    names = [field.attname for field in _columns(model)]
    values = attrgetter(*names)
    rows = [values(obj) for obj in objects] if len(names) > 1 else \
        [(values(obj),) for obj in objects]
    ids = insert_rows(model, names, rows, progress=progress, label=label)
    for obj, pk in zip(objects, ids, strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, connection.alias
    return objects


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence],
                *, progress: Progress | None = None, label: str = "",
                total: int | None = None) -> list[int]:
    """Insert rows of values for ``columns`` (field names) of ``model``; return the new ids.

    ``rows`` is read BATCH rows at a time, so it may be a generator: a million rows then
    never sit in memory at once (``total`` sizes the progress bar).
    """
    fields = [_concrete(model, name) for name in columns]
    adapters = [(i, adapt) for i, field in enumerate(fields) if (adapt := _adapter(field))]
    writer = _copier if connection.vendor == "postgresql" else _inserter
    if total is None and isinstance(rows, Sized):
        total = len(rows)
    task = progress.add_task(label, total=total) if progress else None
    ids: list[int] = []
    remaining = iter(rows)
    with transaction.atomic(), connection.cursor() as cursor:
        write = writer(cursor, model, [_column(field) for field in fields])
        while batch := [_adapted(row, adapters) for row in islice(remaining, BATCH)]:
            ids += write(batch)
            if progress is not None and task is not None:
                progress.advance(task, len(batch))
    return ids


def _concrete(model: type[models.Model], name: str) -> models.Field:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):  # a reverse relation has no column to write
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return field


def _column(field: models.Field | None) -> str:
    if field is None or field.column is None:
        raise TypeError(f"{field} has no database column")
    return field.column


def _columns(model: type[models.Model]) -> list[models.Field]:
    return [field for field in model._meta.concrete_fields
            if not field.primary_key and not getattr(field, "generated", False)]


def _copier(cursor: Any, model: type[models.Model],
            columns: list[str]) -> Callable[[list], list[int]]:
    """Return what COPYs a batch into PostgreSQL with ids drawn from the table's sequence."""
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), _column(model._meta.pk)
    cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk])
    sequence = cursor.fetchone()[0]
    sql = f"COPY {table} ({', '.join(quote(name) for name in [pk, *columns])}) FROM STDIN"

    def write(batch: list) -> list[int]:
        cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [sequence, len(batch)])
        ids = sorted(new_id for (new_id,) in cursor.fetchall())
        with cursor.cursor.copy(sql) as copy:
            for new_id, row in zip(ids, batch, strict=True):
                copy.write_row((new_id, *row))
        return ids

    return write


def _inserter(cursor: Any, model: type[models.Model],
              columns: list[str]) -> Callable[[list], list[int]]:
    """Return what inserts a batch into SQLite with executemany and says the rowids it got."""
    quote = connection.ops.quote_name
    sql = (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) "
           f"VALUES ({', '.join(['%s'] * len(columns))})")

    def write(batch: list) -> list[int]:
        cursor.executemany(sql, batch)
        cursor.execute("SELECT last_insert_rowid()")
        last = cursor.fetchone()[0]
        return list(range(last - len(batch) + 1, last + 1))

    return write


def _adapted(row: Sequence, adapters: list[tuple[int, Callable[[Any], Any]]]) -> Sequence:
    if not adapters:
        return row
    row = list(row)
    for i, adapt in adapters:
        row[i] = adapt(row[i])
    return row


def _adapter(field: models.Field) -> Callable[[Any], Any] | None:
    if isinstance(field, models.DateTimeField):
        return _datetime_adapter(field)
    if isinstance(field, models.DateField):
        # psycopg sends a date as it is; SQLite keeps the ISO text the ORM writes.
        return None if connection.vendor == "postgresql" else connection.ops.adapt_datefield_value
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        return lambda value: value if value is None or isinstance(value, JsonText) \
            else json.dumps(value, cls=encoder)
    return None


def _datetime_adapter(field: models.DateTimeField) -> Callable[[Any], Any]:
    now = timezone.now() if field.auto_now or field.auto_now_add else None
    # SQLite: the ORM's UTC text; PostgreSQL: the aware value (timestamptz keeps the instant).
    store = connection.ops.adapt_datetimefield_value

    def adapt(value: dt.datetime | None) -> Any:
        if value is None:
            return None if now is None else store(now)
        if value.utcoffset() is None:
            raise ValueError(f"{field.model.__name__}.{field.name} got the naive datetime "
                             f"{value}; pass an aware one")
        return store(value.astimezone(dt.UTC))

    return adapt
