"""The status a screen shows for a unit: its stored status, or "Expired" once a unit not yet
given is past its expiry (products.status.effective_status; ICCBBA ST-001 DS005).

The stored status changes only by a custody event (marking the unit expired), which may come
later than the expiry itself; every page that shows a unit's status asks here, so none says
"released" or "issued" for a unit that may no longer be used.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from django.db.models import Q
from django.utils import timezone

from orthoregen.products.status import (
    NOT_YET_IN_A_PATIENT,
    UnitState,
    UnitStatus,
    effective_status,
)
from orthoregen.web.cellbank.models import ProductUnit
from orthoregen.web.cellbank.vocabulary import UnitStatusChoices

LABELS = dict(UnitStatusChoices)


class StoredUnit(Protocol):
    """What the shown status is judged from: a ProductUnit, or a row read with these three
    of its columns (cellbank.lookback.LookbackRow)."""

    identifier: str
    status: str
    expires_at: datetime


def status_shown(unit: StoredUnit, *, at: datetime | None = None) -> UnitStatus:
    """Return the status to show for a stored unit at `at` (now by default)."""
    state = UnitState(unit_id=unit.identifier, status=UnitStatus(unit.status),
                       expires_at=unit.expires_at)
    return effective_status(state, at or timezone.now())


def label_of(status: str) -> str:
    """Return how a status is written on the page, e.g. "Conditionally released"."""
    return LABELS.get(status, status)


def expired_among(unit_ids: Iterable[int], *, at: datetime | None = None) -> set[int]:
    """Return which of the units are shown expired at `at` (for rows without an expiry)."""
    at = at or timezone.now()
    rows = ProductUnit.objects.filter(pk__in=list(unit_ids)).only("identifier", "status",
                                                                   "expires_at")
    return {u.pk for u in rows if status_shown(u, at=at) == UnitStatus.EXPIRED}


def shown_as(status: str, *, at: datetime | None = None) -> Q:
    """Return the filter of units shown with `status` at `at`: "expired" takes in units past
    their expiry not yet given, and the statuses they would otherwise show leave them out."""
    at = at or timezone.now()
    past = Q(status__in=NOT_YET_IN_A_PATIENT, expires_at__lte=at)
    if status == UnitStatus.EXPIRED:
        return Q(status=UnitStatus.EXPIRED) | past
    return Q(status=status) & ~past
