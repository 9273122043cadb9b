"""The coordinator's worklist and the response-rate view, as queries over visible visits."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q

from orthoregen.scheduling.protocol import DEFAULT_PROTOCOL
from orthoregen.web.clinic.access import scope
from orthoregen.web.followup.models import (
    ReviewTask,
    ScheduledVisit,
    ScheduleProtocolVersion,
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


def longest_window_days() -> int:
    """Return the widest visit window of any stored protocol version, in days."""
    widths = [spec["days_before"] + spec["days_after"]
              for version in ScheduleProtocolVersion.objects.values_list("definition", flat=True)
              for spec in version.get("visits", [])]
    return max(widths, default=0)


def worklist_sections(user, today: dt.date) -> dict:
    """Return each worklist section as (rows shown, total count)."""
    # Every section's window opened at most (widest window + look-back) days ago: bounding
    # `earliest` lets the (status, earliest) index skip years of old and future visits.
    horizon = today - dt.timedelta(days=longest_window_days() + MISSED_LOOKBACK_DAYS + 1)
    pending = visible_visits(user).filter(status=VisitState.PENDING, earliest__gte=horizon,
                                          earliest__lte=today)
    conditions = {
        "due": Q(target__gte=today),
        "overdue": Q(target__lt=today, latest__gte=today),
        "missed": Q(latest__lt=today,
                    latest__gte=today - dt.timedelta(days=MISSED_LOOKBACK_DAYS)),
    }
    order = {"due": ("target", "id"), "overdue": ("latest", "id"), "missed": ("-latest", "id")}
    # One pass counts all three sections; each section then reads only the rows it shows.
    counts = pending.aggregate(**{name: Count("id", filter=q) for name, q in conditions.items()})
    result = {name: (list(pending.filter(q).order_by(*order[name])[:ROWS]), counts[name])
              for name, q in conditions.items()}
    tasks = scope(ReviewTask.objects.select_related("visit__schedule__episode__patient"), user) \
        .filter(status=TaskStatus.OPEN)
    for name, kind in (("calls", TaskKind.CALL_PATIENT), ("reviews", TaskKind.COMPLICATION_REVIEW)):
        rows = tasks.filter(kind=kind).order_by("created_at", "id")
        result[name] = (list(rows[:ROWS]), rows.count())
    return result


def response_rates(user, today: dt.date) -> list[dict]:
    """Return, per time point, questionnaires completed among visits whose window has closed.

    Only closed windows enter the rate: counting completions in windows still open would
    reward early responders and overstate follow-up while most of a time point is pending.
    Visits stopped by withdrawal or joint replacement leave the denominator.
    """
    visits = visible_visits(user).filter(kind=VisitKind.VISIT).exclude(status=VisitState.STOPPED)
    completed = Q(status=VisitState.COMPLETED)
    closed = Q(latest__lt=today)
    is_open = Q(earliest__lte=today, latest__gte=today)
    rows = visits.values("timepoint", "label").annotate(
        due=Count("id", filter=closed),
        completed=Count("id", filter=completed & closed),
        open_now=Count("id", filter=is_open),
        open_completed=Count("id", filter=is_open & completed),
    ).order_by()
    order = {spec.visit_id: i for i, spec in enumerate(DEFAULT_PROTOCOL.visits)}
    result = []
    for row in sorted(rows, key=lambda r: (order.get(r["timepoint"], 99), r["timepoint"])):
        rate = row["completed"] / row["due"] if row["due"] else None
        result.append({**row, "rate": rate, "missing": row["due"] - row["completed"]})
    return result
