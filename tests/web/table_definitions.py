"""Every index and constraint of some tables, as the database itself states them.

A bulk load or a registry rebuild drops indexes and keys and builds them again; comparing
these definitions before and after shows that nothing was lost or changed on the way.
"""

from django.db import connection


def table_definitions(tables: list[str]) -> set[tuple[str, str]]:
    """Return (table, definition) for every index and constraint of `tables`.

    PostgreSQL names each constraint with its definition from pg_constraint and each index
    with its CREATE INDEX from pg_indexes; SQLite keeps only its indexes' SQL (its keys are
    part of the table's own definition, which a load never changes).
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT conrelid::regclass::text, conname || ' ' || pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) UNION ALL "
                "SELECT tablename, indexdef FROM pg_indexes WHERE tablename = ANY(%s)",
                [tables, tables])
        else:
            cursor.execute(
                f"SELECT tbl_name, sql FROM sqlite_master WHERE type = 'index' "
                f"AND tbl_name IN ({', '.join(['%s'] * len(tables))})", tables)
        return set(cursor.fetchall())


def has_foreign_key(definitions: set[tuple[str, str]], table: str) -> bool:
    """Say whether `table` has a foreign key among `definitions` (a check that they are read)."""
    return any(name == table and "FOREIGN KEY" in text for name, text in definitions)
