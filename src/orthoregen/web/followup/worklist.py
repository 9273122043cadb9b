"""The coordinator's worklist and the response-rate view, as queries over visible visits."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q

from orthoregen.scheduling.protocol import DEFAULT_PROTOCOL
from orthoregen.web.clinic.access import scope
from orthoregen.web.followup.models import (
    ReviewTask,
    ScheduledVisit,
    TaskKind,
    TaskStatus,
    VisitKind,
    VisitState,
)

MISSED_LOOKBACK_DAYS = 90  # older missed visits are attrition, seen on the rates page
ROWS = 50


def visible_visits(user):
    """Return the follow-up visits of the user's sites, with their patient."""
    return scope(ScheduledVisit.objects.select_related("schedule__episode__patient"), user)


def worklist_sections(user, today: dt.date) -> dict:
    """Return each worklist section as (rows shown, total count)."""
    pending = visible_visits(user).filter(status=VisitState.PENDING)
    sections = {
        "due": pending.filter(earliest__lte=today, target__gte=today).order_by("target", "id"),
        "overdue": pending.filter(target__lt=today, latest__gte=today).order_by("latest", "id"),
        "missed": pending.filter(latest__lt=today,
                                 latest__gte=today - dt.timedelta(days=MISSED_LOOKBACK_DAYS))
                         .order_by("-latest", "id"),
    }
    tasks = scope(ReviewTask.objects.select_related("visit__schedule__episode__patient"), user) \
        .filter(status=TaskStatus.OPEN)
    sections["calls"] = tasks.filter(kind=TaskKind.CALL_PATIENT).order_by("created_at", "id")
    sections["reviews"] = tasks.filter(kind=TaskKind.COMPLICATION_REVIEW) \
        .order_by("created_at", "id")
    return {name: (list(rows[:ROWS]), rows.count()) for name, rows in sections.items()}


def response_rates(user, today: dt.date) -> list[dict]:
    """Return, per time point, questionnaires completed over those due (window closed or done).

    Visits stopped by withdrawal or joint replacement leave the denominator; a visit whose
    window is still open is counted apart, as it may yet be completed.
    """
    visits = visible_visits(user).filter(kind=VisitKind.VISIT).exclude(status=VisitState.STOPPED)
    completed = Q(status=VisitState.COMPLETED)
    closed = Q(latest__lt=today)
    rows = visits.values("timepoint", "label").annotate(
        due=Count("id", filter=completed | closed),
        completed=Count("id", filter=completed),
        open_now=Count("id", filter=Q(status=VisitState.PENDING, earliest__lte=today,
                                      latest__gte=today)),
    ).order_by()
    order = {spec.visit_id: i for i, spec in enumerate(DEFAULT_PROTOCOL.visits)}
    result = []
    for row in sorted(rows, key=lambda r: (order.get(r["timepoint"], 99), r["timepoint"])):
        rate = row["completed"] / row["due"] if row["due"] else None
        result.append({**row, "rate": rate, "missing": row["due"] - row["completed"]})
    return result
