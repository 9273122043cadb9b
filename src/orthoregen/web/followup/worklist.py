"""The coordinator's worklist and the response-rate view, as queries over visible visits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar, cast

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.functional import cached_property

from orthoregen.scheduling.baseline import PROBLEM_TEXT, BaselineProblem, baseline_problem
from orthoregen.scheduling.protocol import (
    BASELINE_VISIT_ID,
    DEFAULT_PROTOCOL,
    ScheduleProtocol,
)
from orthoregen.web.accounts.access import site_ids
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
from orthoregen.web.followup.models.schedule import decoded_protocol

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User

MISSED_LOOKBACK_DAYS = 90  # older missed visits are attrition, seen on the rates page
ROWS = 50
VISIT_SECTIONS = ("due", "overdue", "missed")
# Look-back contacts first: a patient who received a recalled product is told before anything else.
TASK_SECTIONS = {"lookback": TaskKind.PRODUCT_LOOKBACK, "calls": TaskKind.CALL_PATIENT,
                 "reviews": TaskKind.COMPLICATION_REVIEW}
SECTIONS = (*VISIT_SECTIONS, *TASK_SECTIONS)
# Each order is served by an index (migrations 0006 and 0007) read in order, so a page
# stops after its rows instead of sorting the section.
VISIT_ORDER = {"due": ("target", "id"), "overdue": ("latest", "id"),
               "missed": ("-latest", "id")}
TASK_ORDER = ("created_at", "id")
# What a row shows, read as plain values: a page's 300 rows built as visits, tasks,
# schedules, episodes and patients were about 1,700 model instances, most of the page's
# time (bench/README.md, follow-up worklist). The tags in templatetags/worklist_rows.py
# write them with the models' own words.


class VisitRow(NamedTuple):
    """A visit of a section's page: its patient, joint, time point, kind and window."""

    id: int
    episode_id: int
    family_name: str
    given_name: str
    mrn: str
    joint: str
    side: str
    label: str
    kind: str
    earliest: dt.date
    target: dt.date
    latest: dt.date


class TaskRow(NamedTuple):
    """An open task of a section's page: its patient and phone, visit, joint and detail."""

    id: int
    episode_id: int
    family_name: str
    given_name: str
    mrn: str
    phone: str
    visit_label: str
    joint: str
    side: str
    detail: str
    created_at: dt.datetime


class BaselineRow(NamedTuple):
    """A recent treatment whose joint has no baseline that counts, and why."""

    schedule_id: int
    episode_id: int
    family_name: str
    given_name: str
    mrn: str
    joint: str
    side: str
    administered_on: dt.date
    problem: str


# Each row's columns in the row's order, by the path from the section's table.
_EPISODE = ("episode_id", "episode__patient__family_name", "episode__patient__given_name",
            "episode__patient__mrn")
VISIT_COLUMNS = ("id", *(f"schedule__{path}" for path in _EPISODE),
                 "schedule__episode__joint", "schedule__episode__side", "label", "kind",
                 "earliest", "target", "latest")
TASK_COLUMNS = ("id", *(f"visit__schedule__{path}" for path in _EPISODE),
                "visit__schedule__episode__patient__phone", "visit__label",
                "visit__schedule__episode__joint", "visit__schedule__episode__side", "detail",
                "created_at")
# What a row of treatments without a baseline shows and judges (up to 200 are read a page),
# then the judgement's two annotations.
BASELINE_COLUMNS = ("id", *_EPISODE, "episode__joint", "episode__side", "administered_on",
                    "protocol_id")


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
    return queryset.filter(site__in=site_ids(user))


def visible_visits(user: User) -> QuerySet[ScheduledVisit]:
    """Return the follow-up visits of the user's sites, with their patient."""
    return on_own_sites(ScheduledVisit.objects.select_related("schedule__episode__patient"),
                        user)


def stored_protocols() -> dict[int, ScheduleProtocol]:
    """Return every stored protocol version, read, by id: one query, each definition
    decoded once per process while it stays as stored (models.schedule.decoded_protocol).

    The page reads them once for both the widest window and the treatments without a
    baseline; joining each treatment to its protocol instead decoded the same definition
    for every one of up to 200 rows (bench/README.md, follow-up worklist).
    """
    return {pk: decoded_protocol(definition) for pk, definition
            in ScheduleProtocolVersion.objects.values_list("pk", "definition")}


def longest_window_days(protocols: Mapping[int, ScheduleProtocol] | None = None) -> int:
    """Return the widest visit window of any stored protocol version, in days.

    A baseline's window runs `days_before_injection` days before its injection is known
    (scheduling.baseline), so it counts too.
    """
    protocols = stored_protocols() if protocols is None else protocols
    widths = [visit.days_before + visit.days_after
              for protocol in protocols.values() for visit in protocol.visits]
    baselines = [protocol.baseline.days_before_injection for protocol in protocols.values()]
    return max([*widths, *baselines], default=0)


NO_BASELINE_DAYS = 90  # treated joints without a baseline, injected this recently
NO_BASELINE_ROWS = 50


def treated_without_baseline(user: User, today: dt.date,
                             protocols: Mapping[int, ScheduleProtocol] | None = None,
                             ) -> list[BaselineRow]:
    """Return recent treatments whose joint has no baseline that counts, newest first.

    A procedure without a baseline is allowed, but its change from baseline and responder
    status can never be computed; the coordinator sees why (scheduling.baseline). One query:
    each schedule carries its joint's latest baseline answer on or before the injection
    day, and whether one was answered after it.
    """
    baseline = QuestionnaireResponse.objects.filter(episode=OuterRef("episode"),
                                                    timepoint=BASELINE_VISIT_ID)
    protocols = stored_protocols() if protocols is None else protocols
    schedules = on_own_sites(FollowUpSchedule.objects.all(), user).filter(
        administered_on__gte=today - dt.timedelta(days=NO_BASELINE_DAYS),
        administered_on__lte=today).annotate(
        answered_before=Subquery(baseline.filter(completed_on__lte=OuterRef("administered_on"))
                                 .order_by("-completed_on").values("completed_on")[:1]),
        answered_after=Exists(baseline.filter(completed_on__gt=OuterRef("administered_on"))),
    ).order_by("-administered_on", "-id").values_list(
        *BASELINE_COLUMNS, "answered_before", "answered_after")[:NO_BASELINE_ROWS * 4]
    rows = []
    for *shown, protocol_id, answered_before, answered_after in schedules:
        administered_on = shown[-1]
        problem = baseline_problem(protocols[protocol_id].baseline, administered_on,
                                   answered_before)
        if problem is None:
            continue
        if problem is BaselineProblem.MISSING and answered_after:
            problem = BaselineProblem.AFTER_INJECTION
        rows.append(BaselineRow._make((*shown, PROBLEM_TEXT[problem])))
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
    """Count every visit section in one statement of three counts.

    Each count reads its own section's index (migration 0007) over the section's range
    alone, without testing each row against the other sections' conditions: half the
    time of one pass over the pending visits of recent windows with a filter per section
    (bench/README.md, follow-up worklist). One round trip, as before.
    """
    conditions = visit_conditions(today, widest_days)
    # By the visit's own site: each count reads the site's index alone.
    pending = _pending_recent(on_own_sites(ScheduledVisit.objects.all(), user), today,
                              widest_days)
    counts: list[str] = []
    params: list[Any] = []
    try:
        for name, condition in conditions.items():
            sql, section_params = pending.filter(condition).order_by().values("pk") \
                .query.sql_with_params()
            counts.append(f"(SELECT COUNT(*) FROM ({sql}) AS {name})")
            params.extend(section_params)
    except EmptyResultSet:  # nobody signed in, or a user of no site
        return dict.fromkeys(conditions, 0)
    with connections[pending.db].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(counts), params)
        row = cursor.fetchone()
    return dict(zip(conditions, row, strict=True))


def task_counts(user: User) -> dict[str, int]:
    """Count the open tasks of each task section in one pass."""
    open_tasks = on_own_sites(ReviewTask.objects.all(), user).filter(status=TaskStatus.OPEN)
    return open_tasks.aggregate(**{name: Count("id", filter=Q(kind=kind))
                                   for name, kind in TASK_SECTIONS.items()})


def section_querysets(user: User, today: dt.date, widest_days: int) -> dict[str, QuerySet[Any]]:
    """Return each section's visits or tasks as an ordered queryset of the table alone.

    No joins: each section's covering index (migration 0007) holds every column its
    condition and order read, so a page's ids come from the index alone, in order, and the
    scan stops after the page (section_rows fetches what the template shows).
    """
    conditions = visit_conditions(today, widest_days)
    pending = _pending_recent(on_own_sites(ScheduledVisit.objects.all(), user), today,
                              widest_days)
    querysets: dict[str, QuerySet[Any]] = {
        name: pending.filter(conditions[name]).order_by(*VISIT_ORDER[name])
        for name in VISIT_SECTIONS}
    tasks = on_own_sites(ReviewTask.objects.all(), user).filter(status=TaskStatus.OPEN)
    for name, kind in TASK_SECTIONS.items():
        querysets[name] = tasks.filter(kind=kind).order_by(*TASK_ORDER)
    return querysets


def section_rows(name: str, page_ids: QuerySet[Any]) -> list[VisitRow] | list[TaskRow]:
    """Return the rows of a page's ids, in the section's order, with what the template
    shows (patient, joint): one query of those columns, joining for the page's rows only.

    The ids stay a subquery (ORDER BY ... LIMIT 50 OFFSET n): the database finds them first,
    then looks up the page's rows by key, where joining before the limit made PostgreSQL
    join every row of the section (160 ms for the due section at 100,000 patients).
    """
    if name in TASK_SECTIONS:
        tasks = ReviewTask.objects.filter(pk__in=page_ids).order_by(*TASK_ORDER)
        return [TaskRow._make(row) for row in tasks.values_list(*TASK_COLUMNS)]
    visits = ScheduledVisit.objects.filter(pk__in=page_ids).order_by(*VISIT_ORDER[name])
    return [VisitRow._make(row) for row in visits.values_list(*VISIT_COLUMNS)]


def worklist_sections(user: User, today: dt.date,
                      pages: Mapping[str, str | None] | None = None,
                      protocols: Mapping[int, ScheduleProtocol] | None = None,
                      ) -> dict[str, Section]:
    """Return each worklist section as a Section holding the requested page of its rows.

    `pages` maps a section name to the page asked for (text from the query string); a
    missing or malformed number shows the first page, one out of range the last.
    `protocols` are the stored protocol versions if the caller has read them already.
    """
    pages = pages or {}
    widest_days = longest_window_days(protocols)
    counts = visit_counts(user, today, widest_days) | task_counts(user)
    result = {}
    for name, queryset in section_querysets(user, today, widest_days).items():
        ids = queryset.values("pk")
        page = CountedPaginator(ids, ROWS, count=counts[name]).get_page(pages.get(name))
        page_ids = cast(QuerySet[Any], page.object_list)  # the slice of `ids` shown
        page.object_list = section_rows(name, page_ids) if counts[name] else []
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
