"""How every app's system checks read stored rows, before and after `migrate`."""

from __future__ import annotations

from django.db import OperationalError, ProgrammingError, transaction
from django.db.models import QuerySet


def stored_rows(queryset: QuerySet, alias: str) -> list:
    """Return the rows of ``queryset`` on database ``alias``; none while its table is missing.

    ``migrate`` runs the checks before it creates the tables, and a half-migrated database
    may lack a column; both are migrate's to report. The savepoint keeps the failed read
    from breaking a surrounding transaction on PostgreSQL.
    """
    try:
        with transaction.atomic(using=alias):
            return list(queryset.using(alias))
    except (OperationalError, ProgrammingError):
        return []
