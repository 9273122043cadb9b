"""Dump, load and fingerprint the database, with each engine's own tools.

PostgreSQL is dumped with `pg_dump --format=custom` and loaded with `pg_restore`, the
consistent-snapshot tools its documentation recommends (chapter "Backup and Restore");
SQLite is copied with its online backup API, which gives a consistent copy while the clinic
keeps writing (https://www.sqlite.org/backup.html). Both work on a database settings entry
(Django's DATABASES["default"]) rather than on Django's connection, so a restore can load
and check a database the running site does not point at.

A table's fingerprint is its row count and a SHA-256 over the sorted digests of its rows:
independent of row order, so a reloaded table compares equal however the engine scans it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

Settings = dict[str, Any]


class RestoreRefused(Exception):
    """The restore would overwrite data or load what this version cannot read."""


def vendor(database: Settings) -> str:
    engine = database["ENGINE"]
    if engine.endswith("postgresql"):
        return "postgresql"
    if engine.endswith("sqlite3"):
        return "sqlite"
    raise RestoreRefused(f"backups support PostgreSQL and SQLite, not {engine}")


def _pg_environment(database: Settings) -> dict[str, str]:
    env = dict(os.environ)
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"),
                      ("PASSWORD", "PGPASSWORD"), ("NAME", "PGDATABASE")):
        if database.get(key):
            env[name] = str(database[key])
    return env


@contextmanager
def connect(database: Settings) -> Iterator[Any]:
    """A plain DB-API connection to the database (autocommit), closed afterwards."""
    if vendor(database) == "sqlite":
        connection: Any = sqlite3.connect(str(database["NAME"]))
    else:
        try:
            connection = psycopg.connect(
                dbname=database["NAME"], host=database.get("HOST") or None,
                port=database.get("PORT") or None, user=database.get("USER") or None,
                password=database.get("PASSWORD") or None, autocommit=True)
        except psycopg.OperationalError as error:
            raise RestoreRefused(
                f"cannot connect to the database {database['NAME']!r} (create it first with "
                f"createdb): {str(error).strip()}") from error
    try:
        yield connection
    finally:
        connection.close()


def tables(connection: Any, kind: str) -> list[str]:
    if kind == "sqlite":
        rows = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name").fetchall()
    else:
        rows = connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "ORDER BY tablename").fetchall()
    return [row[0] for row in rows]


def _canonical(value: Any) -> Any:
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)  # dates, decimals, floats, JSON: same engine, same text


def fingerprint(connection: Any, table: str) -> dict[str, Any]:
    """Row count and order-independent SHA-256 of one table's contents."""
    cursor = connection.cursor()
    cursor.execute(f'SELECT * FROM "{table}"')  # names come from the catalogue, not users
    digests: list[bytes] = []
    while rows := cursor.fetchmany(5000):
        digests.extend(hashlib.sha256(json.dumps([_canonical(v) for v in row]).encode()).digest()
                       for row in rows)
    digests.sort()
    total = hashlib.sha256()
    for digest in digests:
        total.update(digest)
    return {"rows": len(digests), "sha256": total.hexdigest()}


def fingerprints(database: Settings) -> dict[str, dict[str, Any]]:
    with connect(database) as connection:
        kind = vendor(database)
        return {table: fingerprint(connection, table) for table in tables(connection, kind)}


def applied_migrations(database: Settings) -> list[list[str]]:
    with connect(database) as connection:
        if "django_migrations" not in tables(connection, vendor(database)):
            return []
        rows = connection.execute(
            "SELECT app, name FROM django_migrations ORDER BY app, name").fetchall()
    return [[app, name] for app, name in rows]


def dump(database: Settings, target: Path) -> tuple[dict[str, Any], list[list[str]]]:
    """Write a consistent copy of the database to target.

    Return the fingerprint of every table and the applied migrations as of the copy's own
    moment: on PostgreSQL pg_dump reads a snapshot exported by the transaction that also
    counts the rows (pg_export_snapshot), so rows written meanwhile are in neither.
    """
    if vendor(database) == "sqlite":
        with connect(database) as source, sqlite3.connect(str(target)) as copy:
            source.backup(copy)
        copy.close()
        copied = dict(database, NAME=str(target))
        return fingerprints(copied), applied_migrations(copied)
    with connect(database) as connection:
        connection.autocommit = False
        connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = connection.execute("SELECT pg_export_snapshot()").fetchone()[0]
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
              f"--snapshot={snapshot}", "--file", str(target)], database)
        present = tables(connection, "postgresql")
        tables_seen = {table: fingerprint(connection, table) for table in present}
        migrations = ([[app, name] for app, name in connection.execute(
            "SELECT app, name FROM django_migrations ORDER BY app, name").fetchall()]
            if "django_migrations" in present else [])
        connection.rollback()
    return tables_seen, migrations


def assert_empty(database: Settings) -> None:
    """Refuse to restore over a database that already holds tables."""
    if vendor(database) == "sqlite" and not Path(database["NAME"]).exists():
        return
    with connect(database) as connection:
        present = tables(connection, vendor(database))
    if present:
        raise RestoreRefused(
            f"the target database {database['NAME']} is not empty ({len(present)} tables); "
            "restore into a new empty database (PostgreSQL: createdb; SQLite: a new file)")


def load(database: Settings, source: Path) -> None:
    """Load a dump made by dump() into an empty database of the same engine."""
    assert_empty(database)
    if vendor(database) == "sqlite":
        Path(database["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(str(source)) as copy, connect(database) as target:
            copy.backup(target)
        copy.close()
        return
    _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
          "--single-transaction", "--dbname", str(database["NAME"]), str(source)], database)


def _run(command: list[str], database: Settings) -> None:
    try:
        subprocess.run(command, env=_pg_environment(database), check=True,
                       capture_output=True, text=True)
    except FileNotFoundError as error:
        raise RestoreRefused(f"{command[0]} is not installed (PostgreSQL client tools)") \
            from error
    except subprocess.CalledProcessError as error:
        raise RestoreRefused(f"{command[0]} failed: {error.stderr.strip()}") from error


@contextmanager
def scratch_database(database: Settings) -> Iterator[Settings]:
    """A new, empty PostgreSQL database beside the configured one, dropped afterwards."""
    name = f"orthoregen_scratch_{os.getpid()}_{int.from_bytes(os.urandom(4), 'big')}"
    admin = dict(database, NAME="postgres")
    with connect(admin) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield dict(database, NAME=name)
    finally:
        with connect(admin) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
