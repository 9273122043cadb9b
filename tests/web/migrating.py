"""Running migrations for real inside a test, for the tests of data migrations on real rows.

Such a test is transactional (a migration changes the schema, which needs real commits), goes
back to the state before the migration under test, writes rows with the models of that state,
runs the migration and checks what it did, then migrates to the latest state again whatever
happened, so the next test finds the schema it expects: ``with back_to_latest() as executor``.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@contextmanager
def back_to_latest() -> Iterator[MigrationExecutor]:
    """An executor on the test's connection; the schema is migrated to the latest state on
    the way out, whether the test passed, failed or raised."""
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        yield executor
    finally:
        migrate(executor, latest)


def migrate(executor: MigrationExecutor, targets: list[tuple[str, str]]) -> None:
    """Migrate to ``targets`` (forwards or back) on the executor's connection."""
    executor.loader.build_graph()  # the applied set changed since the last plan
    executor.migrate(targets)


def models_as_applied(executor: MigrationExecutor) -> Apps:
    """Return the models of every migration now applied (other apps stay at their latest)."""
    executor.loader.build_graph()
    return executor._create_project_state(with_applied_migrations=True).apps
