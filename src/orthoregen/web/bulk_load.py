"""Foreign keys and secondary indexes built after a bulk load, not row by row (PostgreSQL).

Django declares every foreign key DEFERRABLE INITIALLY DEFERRED, so each row a COPY writes
queues a check that runs at COMMIT: one index probe and one lock on the referenced row per
row, millions of them in a 100,000-patient load; and every secondary index is updated row by
row as well. pg_restore instead loads the rows, then builds each index with one sort and
checks each foreign key with one join. `built_after_load` does the same for each table the
load writes while it is still empty: the first write drops the table's foreign keys and
secondary indexes, and the end of the block re-creates them as they were.

All of it happens inside the load's transaction: a failed load rolls the dropped definitions
back with its rows, and a row that breaks a foreign key or a unique index makes the
re-creation fail, so the load still fails whole. The trade-off: dropping a foreign key locks
its table and the table it refers to until the load commits, so other sessions wait for the
load. A synthetic database has no clinic working in it, so its load drops every key; the
registry's rebuild (registry.services.facts_rebuild) drops only the keys between the fact
tables it has already truncated, and keeps those into the clinic's tables, which the clinic
goes on writing meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from django.db import connection, models

if TYPE_CHECKING:
    from django.db.backends.utils import CursorWrapper

# Secondary indexes: not a primary key, nor one a constraint owns or a foreign key of another
# table relies on (those stay, and the foreign-key checks rebuilt here use them).
_INDEXES = """
    SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), pg_get_indexdef(i.indexrelid)
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
      AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
    ORDER BY c.relname
"""
_FOREIGN_KEYS = """
    SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid),
           confrelid::regclass::text
    FROM pg_constraint WHERE contype = 'f' AND conrelid = %s::regclass ORDER BY conname
"""


class LoadChecks:
    """The foreign keys and indexes of the tables a load has written, dropped until rebuilt."""

    def __init__(self, *, keys_into: frozenset[str] | None = None) -> None:
        """`keys_into`: drop only the foreign keys that refer to these tables (None: all)."""
        self._written: set[str] = set()
        self._rebuild: list[str] = []
        self._keys_into = keys_into

    def before_write(self, model: type[models.Model]) -> None:
        """Drop the table's foreign keys and secondary indexes if this is the load's first
        write to it and it is empty (PostgreSQL); otherwise leave them."""
        table = model._meta.db_table
        if connection.vendor != "postgresql" or table in self._written:
            return
        self._written.add(table)
        with connection.cursor() as cursor:
            if _holds_rows(cursor, table):
                return
            # ALTER TABLE refuses a table with foreign-key checks still pending (rows this
            # transaction wrote before the load, e.g. a protocol version a decision refers
            # to): run those few checks now, then defer again as Django expects.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            self._rebuild += _dropped(cursor, table, self._keys_into)

    def rebuild(self) -> None:
        """Build the dropped indexes, then check and restore the dropped foreign keys."""
        statements, self._rebuild = sorted(self._rebuild, key=_foreign_key_last), []
        if not statements:
            return
        with connection.cursor() as cursor:
            # CREATE INDEX refuses a table with foreign-key checks still pending (the keys a
            # load kept, e.g. into tables other sessions write): run them now, not at COMMIT.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for statement in statements:
                cursor.execute(statement)


@contextmanager
def built_after_load(*, keys_into: frozenset[str] | None = None) -> Iterator[LoadChecks]:
    """Give the block a LoadChecks to call before each bulk write; rebuild at its end.

    On an exception nothing is rebuilt: the load's transaction rolls the drops back.
    """
    checks = LoadChecks(keys_into=keys_into)
    yield checks
    checks.rebuild()


def _foreign_key_last(statement: str) -> bool:
    return statement.startswith("ALTER TABLE")


def _holds_rows(cursor: CursorWrapper, table: str) -> bool:
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {connection.ops.quote_name(table)})")
    return bool(cursor.fetchone()[0])


def _dropped(cursor: CursorWrapper, table: str, keys_into: frozenset[str] | None) -> list[str]:
    """Drop a table's secondary indexes and foreign keys (those into `keys_into` only, if
    given); return what re-creates them."""
    cursor.execute(_INDEXES, [table])
    indexes = cursor.fetchall()
    cursor.execute(_FOREIGN_KEYS, [table])
    keys = [(owner, name, definition) for owner, name, definition, target in cursor.fetchall()
            if keys_into is None or target in keys_into]
    for name, _ in indexes:
        cursor.execute(f"DROP INDEX {name}")
    for owner, name, _ in keys:
        cursor.execute(f"ALTER TABLE {owner} DROP CONSTRAINT {name}")
    return [definition for _, definition in indexes] + [
        f"ALTER TABLE {owner} ADD CONSTRAINT {name} {definition}"
        for owner, name, definition in keys]
