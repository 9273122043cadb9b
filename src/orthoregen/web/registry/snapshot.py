"""Run the dashboard's independent reads at the same time, all in one database snapshot.

The cohort dashboard reads five things (joints, one measure's scores, the OMERACT-OARSI
domains, visit counts, adverse events). One after another they take about a second at
100,000 patients, nearly all of it PostgreSQL working; on separate connections PostgreSQL
runs them on several cores at once. Separate connections would normally each see the
database as of their own start, so a nightly refresh committing halfway could mix two
versions of the registry in one (cached) dashboard. So the reads share one snapshot: this
connection exports it (`pg_export_snapshot`) and every worker connection imports it
(`SET TRANSACTION SNAPSHOT`), the mechanism `pg_dump --jobs` uses for the same reason.

Inside a transaction (the tests, or a caller's atomic block) other connections cannot see
its uncommitted rows, and on SQLite there is no gain, so there the reads run one after
another on this connection; the results are the same either way.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from typing import Any

from django.db import connection, connections, transaction

# Connections a single dashboard may open at once; PostgreSQL's default limit is 100.
MAX_WORKERS = 4

Reads = dict[str, Callable[[], Any]]

# True on a worker thread while its read runs inside the exported snapshot.
_in_shared_snapshot: ContextVar[bool] = ContextVar("orthoregen_in_shared_snapshot",
                                                   default=False)


def in_shared_snapshot() -> bool:
    """Whether this read runs in the shared repeatable-read snapshot (a worker of
    `read_together`): every statement it makes sees the same committed registry."""
    return _in_shared_snapshot.get()


def can_share_snapshot() -> bool:
    """Whether reads may run on other connections (PostgreSQL, outside a transaction)."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


@contextlib.contextmanager
def shared_snapshot() -> Iterator[Callable[[Reads], dict[str, Any]]]:
    """Open a repeatable-read snapshot and yield a function that runs reads in it.

    The function takes {name: callable} and returns {name: result}; each callable uses
    Django's ORM or `connection` as usual. Outside PostgreSQL, or inside a transaction, it
    runs them in order on this connection.
    """
    if not can_share_snapshot():
        yield _run_in_order
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        # The exporting transaction stays open until every worker has finished.
        yield lambda reads: _run_in_workers(reads, snapshot)


def read_together(reads: Reads) -> dict[str, Any]:
    """Run independent reads, in parallel when possible, and return {name: result}."""
    with shared_snapshot() as run:
        return run(reads)


def _run_in_order(reads: Reads) -> dict[str, Any]:
    return {name: read() for name, read in reads.items()}


def _run_in_workers(reads: Reads, snapshot: str) -> dict[str, Any]:
    with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(reads))) as pool:
        futures = {name: pool.submit(_in_snapshot, read, snapshot)
                   for name, read in reads.items()}
        return {name: future.result() for name, future in futures.items()}


def _in_snapshot(read: Callable[[], Any], snapshot: str) -> Any:
    """Run one read on this thread's own connection, inside the exported snapshot."""
    token = _in_shared_snapshot.set(True)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
            return read()
    finally:
        _in_shared_snapshot.reset(token)
        # Each worker thread opened its own connection; it must not outlive the request.
        connections.close_all()
