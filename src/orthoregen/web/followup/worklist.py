"""The coordinator's worklist and the response-rate view, as queries over visible visits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.functional import cached_property

from orthoregen.scheduling.baseline import PROBLEM_TEXT, BaselineProblem, baseline_problem
from orthoregen.scheduling.protocol import (
    BASELINE_VISIT_ID,
    DEFAULT_PROTOCOL,
    BaselineSpec,
    protocol_from_json,
)
from orthoregen.web.followup.models import (
    FollowUpSchedule,
    QuestionnaireResponse,
    ReviewTask,
    ScheduledVisit,
    ScheduleProtocolVersion,
    TaskKind,
    TaskStatus,
    VisitKind,
    VisitState,
)

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User

MISSED_LOOKBACK_DAYS = 90  # older missed visits are attrition, seen on the rates page
ROWS = 50
VISIT_SECTIONS = ("due", "overdue", "missed")
# Look-back contacts first: a patient who received a recalled product is told before anything else.
TASK_SECTIONS = {"lookback": TaskKind.PRODUCT_LOOKBACK, "calls": TaskKind.CALL_PATIENT,
                 "reviews": TaskKind.COMPLICATION_REVIEW}
SECTIONS = (*VISIT_SECTIONS, *TASK_SECTIONS)
# Each order is served by an index (migration 0006) read in order, so a page stops after
# its rows instead of sorting the section.
VISIT_ORDER = {"due": ("target", "id"), "overdue": ("latest", "id"),
               "missed": ("-latest", "id")}


class Section(NamedTuple):
    """One worklist section: the rows of the page shown, the section's size, the page."""

    rows: list
    total: int
    page: Page


class CountedPaginator(Paginator):
    """A paginator told its count, which the worklist computes for all sections at once."""

    def __init__(self, object_list: QuerySet[Any], per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self.known_count = count

    @cached_property
    def count(self) -> int:
        return self.known_count


M = TypeVar("M", FollowUpSchedule, ScheduledVisit, ReviewTask)


def on_own_sites(queryset: QuerySet[M], user: User) -> QuerySet[M]:
    """Return the schedules, visits or tasks of the user's sites, by the row's copy of its site.

    The same rows as scope(), which follows SITE_PATH through schedule, joint and patient
    (a test compares both on several sites), but read from one column that leads the
    worklist's indexes, so counts need not join three tables per row (bench/README.md,
    follow-up worklist). The user test is scope()'s, so that nobody signed out or made
    inactive sees a row.
    """
    if not (user and user.is_authenticated and user.is_active):
        return queryset.none()
    return queryset.filter(site__in=_own_site_ids(user))


def _own_site_ids(user: User) -> list[int]:
    """Return the user's site ids as values, read once per request (kept on request.user).

    "site IN (1)" lets PostgreSQL walk a site-first index in a section's order and stop after
    a page, where "site IN (SELECT ... user_sites)" made it read and sort every task of the
    site for each page (bench/README.md, follow-up worklist).
    """
    ids: list[int] | None = getattr(user, "_worklist_site_ids", None)
    if ids is None:
        ids = list(user.sites.values_list("pk", flat=True))
        user._worklist_site_ids = ids  # type: ignore[attr-defined]  # this request's user only
    return ids


def visible_visits(user: User) -> QuerySet[ScheduledVisit]:
    """Return the follow-up visits of the user's sites, with their patient."""
    return on_own_sites(ScheduledVisit.objects.select_related("schedule__episode__patient"),
                        user)


def longest_window_days() -> int:
    """Return the widest visit window of any stored protocol version, in days.

    A baseline's window runs `days_before_injection` days before its injection is known
    (scheduling.baseline), so it counts too.
    """
    definitions = list(ScheduleProtocolVersion.objects.values_list("definition", flat=True))
    widths = [spec["days_before"] + spec["days_after"]
              for version in definitions for spec in version.get("visits", [])]
    baselines = [protocol_from_json(version).baseline.days_before_injection
                 for version in definitions]
    return max([*widths, *baselines], default=0)


NO_BASELINE_DAYS = 90  # treated joints without a baseline, injected this recently
NO_BASELINE_ROWS = 50


def treated_without_baseline(user: User, today: dt.date) -> list[dict[str, Any]]:
    """Return recent treatments whose joint has no baseline that counts, newest first.

    A procedure without a baseline is allowed, but its change from baseline and responder
    status can never be computed; the coordinator sees why (scheduling.baseline). One query:
    each schedule carries its joint's latest baseline answer on or before the injection
    day, and whether one was answered after it.
    """
    baseline = QuestionnaireResponse.objects.filter(episode=OuterRef("episode"),
                                                    timepoint=BASELINE_VISIT_ID)
    schedules = on_own_sites(FollowUpSchedule.objects.all(), user).select_related(
        "episode__patient", "protocol").filter(
        administered_on__gte=today - dt.timedelta(days=NO_BASELINE_DAYS),
        administered_on__lte=today).annotate(
        answered_before=Subquery(baseline.filter(completed_on__lte=OuterRef("administered_on"))
                                 .order_by("-completed_on").values("completed_on")[:1]),
        answered_after=Exists(baseline.filter(completed_on__gt=OuterRef("administered_on"))),
    ).order_by("-administered_on", "-id")[:NO_BASELINE_ROWS * 4]
    rows = []
    specs: dict[int, BaselineSpec] = {}
    for schedule in schedules:
        assert schedule.administered_on is not None  # filtered above
        spec = specs.setdefault(schedule.protocol_id, schedule.protocol.as_protocol().baseline)
        problem = baseline_problem(spec, schedule.administered_on, schedule.answered_before)
        if problem is None:
            continue
        if problem is BaselineProblem.MISSING and schedule.answered_after:
            problem = BaselineProblem.AFTER_INJECTION
        rows.append({"schedule": schedule, "episode": schedule.episode,
                     "problem": PROBLEM_TEXT[problem]})
    return rows[:NO_BASELINE_ROWS]


def visit_conditions(today: dt.date, widest_days: int) -> dict[str, Q]:
    """Return each visit section's condition on a pending visit's window.

    The bounds written beside each condition follow from it, since no window is wider
    than `widest_days`: they give the database a closed range on the section's index.
    """
    reach = today + dt.timedelta(days=widest_days)  # an open window ends by then
    look_back = today - dt.timedelta(days=MISSED_LOOKBACK_DAYS)
    return {
        "due": Q(earliest__lte=today, target__gte=today, target__lte=reach),
        "overdue": Q(target__lt=today, latest__gte=today, latest__lte=reach),
        "missed": Q(latest__lt=today, latest__gte=look_back),
    }


def _pending_recent(queryset: QuerySet[ScheduledVisit], today: dt.date,
                    widest_days: int) -> QuerySet[ScheduledVisit]:
    # Every section's window opened at most (widest window + look-back) days ago: bounding
    # `earliest` keeps years of old missed visits out, whichever index the database picks.
    horizon = today - dt.timedelta(days=widest_days + MISSED_LOOKBACK_DAYS + 1)
    return queryset.filter(status=VisitState.PENDING, earliest__gte=horizon,
                           earliest__lte=today)


def visit_counts(user: User, today: dt.date, widest_days: int) -> dict[str, int]:
    """Count every visit section in one pass over the pending visits of recent windows."""
    conditions = visit_conditions(today, widest_days)
    # By the visit's own site: the count reads the site's window index alone.
    visible = on_own_sites(ScheduledVisit.objects.all(), user)
    any_section = Q(latest__gte=today - dt.timedelta(days=MISSED_LOOKBACK_DAYS))
    return _pending_recent(visible, today, widest_days).filter(any_section).aggregate(
        **{name: Count("id", filter=q) for name, q in conditions.items()})


def task_counts(user: User) -> dict[str, int]:
    """Count the open tasks of each task section in one pass."""
    open_tasks = on_own_sites(ReviewTask.objects.all(), user).filter(status=TaskStatus.OPEN)
    return open_tasks.aggregate(**{name: Count("id", filter=Q(kind=kind))
                                   for name, kind in TASK_SECTIONS.items()})


def section_querysets(user: User, today: dt.date, widest_days: int) -> dict[str, QuerySet[Any]]:
    """Return each section's rows as an ordered queryset, with what its template shows."""
    conditions = visit_conditions(today, widest_days)
    pending = _pending_recent(visible_visits(user), today, widest_days)
    querysets: dict[str, QuerySet[Any]] = {
        name: pending.filter(conditions[name]).order_by(*VISIT_ORDER[name])
        for name in VISIT_SECTIONS}
    tasks = on_own_sites(ReviewTask.objects.select_related("visit__schedule__episode__patient"),
                         user).filter(status=TaskStatus.OPEN)
    for name, kind in TASK_SECTIONS.items():
        querysets[name] = tasks.filter(kind=kind).order_by("created_at", "id")
    return querysets


def worklist_sections(user: User, today: dt.date,
                      pages: Mapping[str, str | None] | None = None) -> dict[str, Section]:
    """Return each worklist section as a Section holding the requested page of its rows.

    `pages` maps a section name to the page asked for (text from the query string); a
    missing or malformed number shows the first page, one out of range the last.
    """
    pages = pages or {}
    widest_days = longest_window_days()
    counts = visit_counts(user, today, widest_days) | task_counts(user)
    result = {}
    for name, queryset in section_querysets(user, today, widest_days).items():
        page = CountedPaginator(queryset, ROWS, count=counts[name]).get_page(pages.get(name))
        page.object_list = list(page.object_list) if counts[name] else []
        result[name] = Section(page.object_list, counts[name], page)
    return result


def response_rates(user: User, today: dt.date) -> list[dict[str, Any]]:
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
