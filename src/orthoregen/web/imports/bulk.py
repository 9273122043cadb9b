"""Write many validated rows at once: COPY on PostgreSQL, executemany on SQLite.

The import validates a whole file in bulk first (services.py); rows that reach this module
are final. On PostgreSQL they arrive as text already in COPY's text format (tab-separated,
``\\N`` for NULL, backslash escapes) and are streamed with psycopg's ``cursor.copy``, the
server's fastest way in; SQLite has no COPY, and executemany of one prepared INSERT is its
fastest path. Like ``bulk_create`` this skips save(), signals and django-simple-history: an
import is recorded as one ImportRun and one BULK_LOAD access record instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, models
from psycopg.copy import QueuedLibpqWriter

Advance = Callable[[int], None]


def columns_of(model: type[models.Model], names: Sequence[str]) -> list[str]:
    """Return the database columns of a model's fields, by field name."""
    fields = [model._meta.get_field(name) for name in names]
    return [str(field.column) for field in fields if isinstance(field, models.Field)]


def copy_escape(text: str) -> str:
    """Escape a value for COPY's text format (PostgreSQL docs, COPY, "Text Format")."""
    if not any(c in text for c in "\\\t\n\r"):
        return text
    return (text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))


def copy_text(model: type[models.Model], names: Sequence[str], chunks: Iterable[tuple[str, int]],
              *, advance: Advance | None = None) -> None:
    """COPY chunks of text-format lines (each with its row count) into ``model``'s table."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    sql = f"COPY {table} ({', '.join(map(quote, columns_of(model, names)))}) FROM STDIN"
    with connection.cursor() as cursor:
        # The psycopg cursor under Django's wrapper: Django has no COPY of its own. The
        # queued writer sends from its own thread, so the next chunk is prepared while the
        # server is still taking in the last one.
        raw = cursor.cursor
        with raw.copy(sql, writer=QueuedLibpqWriter(raw)) as copy:
            for text, rows in chunks:
                copy.write(text)
                if advance:
                    advance(rows)


def insert_many(model: type[models.Model], names: Sequence[str],
                batches: Iterable[Sequence[Sequence[Any]]], *,
                advance: Advance | None = None) -> None:
    """Insert batches of value tuples for the named fields with one prepared INSERT."""
    quote = connection.ops.quote_name
    sql = (f"INSERT INTO {quote(model._meta.db_table)} "
           f"({', '.join(map(quote, columns_of(model, names)))}) "
           f"VALUES ({', '.join(['%s'] * len(names))})")
    with connection.cursor() as cursor:
        for batch in batches:
            cursor.executemany(sql, batch)
            if advance:
                advance(len(batch))
