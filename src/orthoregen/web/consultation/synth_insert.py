"""Insert many unsaved model instances in batches of plain tuples.

bulk_create spends most of its time compiling each value of each row; the synthetic load
of 100k patients writes about a million consultation rows, so it adapts only the column
types that need it (dates, times, JSON) and hands plain tuples to the database driver:
executemany on SQLite, COPY on PostgreSQL (executemany there runs one INSERT per row).
Like bulk_create it skips save() and simple-history: the load is audited as one
BULK_LOAD access record by clinic.synth_load.
"""

from __future__ import annotations

from django.db import connection, models
from django.utils import timezone

BATCH = 5000


def rows_insert(model: type[models.Model], objects: list, progress=None, label: str = "") -> None:
    """Insert ``objects`` (unsaved ``model`` instances, primary keys left unset)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    adapters = [_adapter(f) for f in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"
    names = [f.attname for f in fields]
    task = progress.add_task(label, total=len(objects)) if progress else None
    with connection.cursor() as cursor:
        for start in range(0, len(objects), BATCH):
            batch = objects[start:start + BATCH]
            rows = [tuple(adapt(getattr(obj, name)) if adapt else getattr(obj, name)
                          for name, adapt in zip(names, adapters, strict=True))
                    for obj in batch]
            if connection.vendor == "postgresql":
                # COPY streams rows without a statement per row (psycopg 3's cursor.copy).
                copy_sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
                with cursor.cursor.copy(copy_sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(sql, rows)
            if progress:
                progress.advance(task, len(batch))


def _adapter(field: models.Field):
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        if field.auto_now or field.auto_now_add:
            now = ops.adapt_datetimefield_value(timezone.now())
            return lambda value: now if value is None else ops.adapt_datetimefield_value(value)
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.JSONField):
        return lambda value: field.get_db_prep_save(value, connection)
    return None
