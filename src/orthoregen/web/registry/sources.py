"""Read the clinical records the registry's fact tables are built from.

Follow-up (questionnaire responses, visits), safety (adverse events, joint replacement) and
the cell bank (administrations) own these records; this module is the only place of the
registry that knows their model names and fields.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from django.db import connection
from django.db.models import Model, QuerySet

from orthoregen.web.cellbank.models import Administration, Procedure, ProcedureJoint, ProductUnit
from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.followup.models import (
    FollowUpSchedule,
    QuestionnaireResponse,
    ScheduledVisit,
    ScheduleProtocolVersion,
)
from orthoregen.web.safety.models import AdverseEvent, OutcomeEvent

TREATMENT_COLUMNS = ["episode_id", "cell_source", "dose_cells", "protocol_version",
                     "first_treated_on", "arthroplasty_on", "followed_until"]
SOURCE_SCORE_COLUMNS = ["episode_id", "instrument", "subscale", "timepoint", "completed_on",
                        "value"]
SOURCE_VISIT_COLUMNS = ["episode_id", "timepoint", "window_closes", "completed"]
SOURCE_INJECTION_COLUMNS = ["episode_id", "administered_on", "cell_source", "dose_cells",
                            "source_ref"]
SOURCE_AE_COLUMNS = ["episode_id", "injection_ref", "term", "grade", "serious", "onset_on"]


def empty(columns: list[str]) -> pd.DataFrame:
    """Return an empty frame with these columns."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


@dataclass(frozen=True)
class SourceFrames:
    """Outcome records of some episodes, as tidy frames (columns: the *_COLUMNS above).

    `treatments` may leave any column empty (NaN): first_treated_on then comes from the
    earliest injection, followed_until from the latest score or completed visit.
    """

    treatments: pd.DataFrame = field(default_factory=lambda: empty(TREATMENT_COLUMNS))
    # None: the scores are copied from the follow-up tables in SQL (see copy_scores).
    scores: pd.DataFrame | None = field(default_factory=lambda: empty(SOURCE_SCORE_COLUMNS))
    visits: pd.DataFrame = field(default_factory=lambda: empty(SOURCE_VISIT_COLUMNS))
    injections: pd.DataFrame = field(default_factory=lambda: empty(SOURCE_INJECTION_COLUMNS))
    adverse_events: pd.DataFrame = field(default_factory=lambda: empty(SOURCE_AE_COLUMNS))
    # False when the pathway's records could not be read: a refresh then keeps the facts.
    available: bool = True
    # True: visit rows are copied from the follow-up tables in SQL (copy_visits); the
    # `visits` frame is then only read for each joint's last contact.
    visits_in_sql: bool = False
    # Frames given by a caller are written from Python; PathwayRecords are copied in SQL.
    in_sql: ClassVar[bool] = False


def _frame(queryset: QuerySet, fields: list[str], columns: list[str]) -> pd.DataFrame:
    rows = list(queryset.order_by().values_list(*fields))
    if not rows:
        return empty(columns)
    return pd.DataFrame.from_records(rows, columns=columns)


def _treatments(episodes: QuerySet) -> pd.DataFrame:
    # A schedule with no administration date waits for the injection (baseline only).
    treated = FollowUpSchedule.objects.filter(administered_on__isnull=False)
    first = _frame(treated.filter(episode__in=episodes.values("pk"))
                   .order_by("episode_id", "administered_on"),
                   ["episode_id", "administered_on", "protocol__version"],
                   ["episode_id", "first_treated_on", "protocol_version"])
    first = first.sort_values(["episode_id", "first_treated_on"]).drop_duplicates("episode_id")
    replaced = _frame(OutcomeEvent.objects.filter(episode__in=episodes.values("pk"),
                                             kind="arthroplasty"),
                      ["episode_id", "occurred_on"], ["episode_id", "arthroplasty_on"])
    out = first.merge(replaced, on="episode_id", how="outer")
    for column in TREATMENT_COLUMNS:
        if column not in out:
            out[column] = None
    return out[TREATMENT_COLUMNS]


def _injections(episodes: QuerySet) -> pd.DataFrame:
    given = _frame(
        Administration.objects.filter(procedure_joint__episode__in=episodes.values("pk")),
        ["procedure_joint__episode_id", "procedure_joint__procedure__performed_on",
         "unit__product_class", "procedure_joint__cell_dose", "pk"],
        SOURCE_INJECTION_COLUMNS)
    given["source_ref"] = "administration:" + given["source_ref"].astype(str)
    # A follow-up schedule starts at an administration; schedules with no administration
    # record (synthetic or migrated follow-up) still count as an injection on that day.
    schedules = _frame(FollowUpSchedule.objects.filter(episode__in=episodes.values("pk"),
                                                       administered_on__isnull=False),
                       ["episode_id", "administered_on", "pk"],
                       ["episode_id", "administered_on", "source_ref"])
    schedules["source_ref"] = "schedule:" + schedules["source_ref"].astype(str)
    known = set(zip(given["episode_id"], given["administered_on"], strict=True))
    # A boolean array (not a list) so that no schedules selects no rows, not no columns.
    unrecorded = np.array([(e, d) not in known for e, d in zip(
        schedules["episode_id"], schedules["administered_on"], strict=True)], dtype=bool)
    extra = schedules.loc[unrecorded]
    extra = extra.assign(cell_source="", dose_cells=None)[SOURCE_INJECTION_COLUMNS]
    if given.empty or extra.empty:
        return extra if given.empty else given
    return pd.concat([given, extra], ignore_index=True)


def _adverse_events(episodes: QuerySet) -> pd.DataFrame:
    rows = _frame(AdverseEvent.objects.filter(patient__episodes__in=episodes.values("pk"))
                  .distinct(),
                  ["pk", "patient_id", "episode_id", "procedure_reference", "term", "term_other",
                   "ctcae_grade", "seriousness", "onset_on"],
                  ["pk", "patient_id", "episode_id", "injection_ref", "term", "term_other",
                   "grade", "seriousness", "onset_on"])
    if rows.empty:
        return empty(SOURCE_AE_COLUMNS)
    # An event recorded against the patient, not a joint (e.g. harvest-site pain), counts
    # against the patient's first episode so that it stays in the per-injection rate.
    firsts = pd.Series(dict(episodes.order_by("-pk").values_list("patient_id", "pk")))
    rows["episode_id"] = rows["episode_id"].fillna(rows["patient_id"].map(firsts))
    rows["term"] = rows["term"].where(rows["term"] != "other", "other: " + rows["term_other"])
    rows["serious"] = rows["seriousness"].map(bool)
    return rows.drop_duplicates("pk")[SOURCE_AE_COLUMNS]


class PathwayRecords:
    """The outcome records of some episodes, still in the pathway apps' tables.

    What `read_source` returns: a refresh copies them into the fact tables in SQL
    (`copy_injections`, `copy_adverse_events`, `copy_visits`, `copy_scores` and the
    `episode_records` a refresh derives its joint rows from), so they never pass through
    Python. Each frame of `SourceFrames` is read from the database when first asked for
    (the progress report reads one patient's), with the columns described there.
    """

    available = True
    in_sql = True
    visits_in_sql = True
    scores = None  # `read_scores` reads them when a frame is wanted

    def __init__(self, episodes: QuerySet) -> None:
        self.episodes = episodes

    @cached_property
    def treatments(self) -> pd.DataFrame:
        return _treatments(self.episodes)

    @cached_property
    def visits(self) -> pd.DataFrame:
        visits = _frame(ScheduledVisit.objects.filter(
            schedule__episode__in=self.episodes.values("pk"), kind="visit"),
            ["schedule__episode_id", "timepoint", "latest", "status", "completed_on"],
            [*SOURCE_VISIT_COLUMNS, "completed_on"])
        visits["completed"] = visits["completed"] == "completed"
        return visits

    @cached_property
    def injections(self) -> pd.DataFrame:
        return _injections(self.episodes)

    @cached_property
    def adverse_events(self) -> pd.DataFrame:
        return _adverse_events(self.episodes)


Source = SourceFrames | PathwayRecords


def read_source(episodes: QuerySet) -> PathwayRecords:
    """Return the outcome records of a JointEpisode queryset from the pathway apps.

    Nothing is read yet: a refresh copies the records in SQL, a report reads the frames.
    Scores are never read as a frame here (`scores` is None): see `read_scores`.
    """
    return PathwayRecords(episodes)


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def episode_ids_sql(episodes: QuerySet) -> tuple[str, tuple]:
    """Return the SELECT of these episodes' ids and its parameters, to write `IN (...)`."""
    sql, params = episodes.order_by().values("pk").query.sql_with_params()
    return sql, tuple(params)


def _execute(sql: str, params: tuple | list) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def copy_injections(episodes: QuerySet, target_table: str) -> int:
    """Copy every injection of these episodes: each administration, then each follow-up
    schedule started on a day with no administration record (synthetic or migrated
    follow-up), in that order, so that the row id breaks ties of one day in that order."""
    ids_sql, ids_params = episode_ids_sql(episodes)
    columns = f"INSERT INTO {target_table} (episode_id, administered_on, cell_source, " \
              "dose_cells, source_ref) "
    given = (f"FROM {_table(Administration)} a "
             f"JOIN {_table(ProcedureJoint)} j ON j.id = a.procedure_joint_id "
             f"JOIN {_table(Procedure)} p ON p.id = j.procedure_id ")
    written = _execute(
        f"{columns}SELECT j.episode_id, p.performed_on, u.product_class, j.cell_dose, "
        f"'administration:' || CAST(a.id AS TEXT) {given}"
        f"JOIN {_table(ProductUnit)} u ON u.id = a.unit_id "
        f"WHERE j.episode_id IN ({ids_sql}) ORDER BY a.id", ids_params)
    return written + _execute(
        f"{columns}SELECT s.episode_id, s.administered_on, '', NULL, "
        f"'schedule:' || CAST(s.id AS TEXT) FROM {_table(FollowUpSchedule)} s "
        f"WHERE s.administered_on IS NOT NULL AND s.episode_id IN ({ids_sql}) "
        f"AND NOT EXISTS (SELECT 1 {given}WHERE j.episode_id = s.episode_id "
        f"AND p.performed_on = s.administered_on) ORDER BY s.id", ids_params)


def copy_adverse_events(episodes: QuerySet, target_table: str) -> int:
    """Copy the adverse events of these episodes' patients, each against its joint.

    An event recorded against the patient, not a joint (e.g. harvest-site pain), counts
    against the patient's first episode so that it stays in the per-injection rate. A term
    'other' carries its text; an event is serious when any ICH E2A criterion is ticked.
    """
    ids_sql, ids_params = episode_ids_sql(episodes)
    if connection.vendor == "postgresql":
        serious = ("COALESCE(jsonb_typeof(a.seriousness) = 'array' "
                   "AND jsonb_array_length(a.seriousness) > 0, FALSE)")
    else:
        serious = ("COALESCE(json_type(a.seriousness) = 'array' "
                   "AND json_array_length(a.seriousness) > 0, 0)")
    joint = "COALESCE(a.episode_id, f.first_episode)"
    return _execute(
        f"INSERT INTO {target_table} (episode_id, injection_ref, term, grade, serious, "
        f"onset_on) SELECT {joint}, COALESCE(a.procedure_reference, ''), "
        f"CASE WHEN a.term = 'other' THEN 'other: ' || a.term_other ELSE a.term END, "
        f"a.ctcae_grade, {serious}, a.onset_on FROM {_table(AdverseEvent)} a "
        f"LEFT JOIN (SELECT patient_id, MIN(id) AS first_episode FROM {_table(JointEpisode)} "
        f"WHERE id IN ({ids_sql}) GROUP BY patient_id) f ON f.patient_id = a.patient_id "
        f"WHERE {joint} IN ({ids_sql}) ORDER BY a.id", ids_params + ids_params)


EPISODE_RECORD_COLUMNS = ["episode_id", "patient_id", "site_id", "joint", "side", "grade_scale",
                          "grade", "sex", "date_of_birth", "protocol_version", "scheduled_on",
                          "arthroplasty_on", "last_visit_on"]


def episode_records(episodes: QuerySet) -> tuple[str, tuple]:
    """Return a SELECT of one row per episode (EPISODE_RECORD_COLUMNS) and its parameters.

    `scheduled_on` and `protocol_version` come from the first follow-up schedule started
    by an injection (ties by record order), `last_visit_on` is the latest completion date
    of a follow-up visit (not an MRI slot): the registry's censoring date.
    """
    ids_sql, ids_params = episode_ids_sql(episodes)
    first_schedule = (
        f"SELECT episode_id, scheduled_on, protocol_version FROM (SELECT s.episode_id, "
        f"s.administered_on AS scheduled_on, v.version AS protocol_version, ROW_NUMBER() "
        f"OVER (PARTITION BY s.episode_id ORDER BY s.administered_on, s.id) AS nth "
        f"FROM {_table(FollowUpSchedule)} s "
        f"JOIN {_table(ScheduleProtocolVersion)} v ON v.id = s.protocol_id "
        f"WHERE s.administered_on IS NOT NULL AND s.episode_id IN ({ids_sql})) ranked "
        f"WHERE nth = 1")
    last_visit = (
        f"SELECT s.episode_id, MAX(v.completed_on) AS last_visit_on "
        f"FROM {_table(ScheduledVisit)} v JOIN {_table(FollowUpSchedule)} s "
        f"ON s.id = v.schedule_id WHERE v.kind = 'visit' AND s.episode_id IN ({ids_sql}) "
        f"GROUP BY s.episode_id")
    sql = (
        f"SELECT e.id AS episode_id, e.patient_id, p.site_id, e.joint, e.side, e.grade_scale, "
        f"e.grade, p.sex, p.date_of_birth, f.protocol_version, f.scheduled_on, "
        f"o.occurred_on AS arthroplasty_on, c.last_visit_on "
        f"FROM {_table(JointEpisode)} e JOIN {_table(Patient)} p ON p.id = e.patient_id "
        f"LEFT JOIN ({first_schedule}) f ON f.episode_id = e.id "
        # One replacement per joint at most (a unique constraint of OutcomeEvent).
        f"LEFT JOIN {_table(OutcomeEvent)} o ON o.episode_id = e.id AND o.kind = 'arthroplasty' "
        f"LEFT JOIN ({last_visit}) c ON c.episode_id = e.id "
        f"WHERE e.id IN ({ids_sql})")
    return sql, ids_params * 3


def copy_visits(episodes: QuerySet, target_table: str, episode_table: str) -> int:
    """Copy the scheduled follow-up visits (not MRI slots) of these episodes in one statement.

    A 100,000-patient registry has over half a million visits; building a model instance
    for each would take minutes, the database does it in seconds.
    """
    ids_sql, ids_params = episode_ids_sql(episodes)
    sql = (
        f"INSERT INTO {target_table} (episode_id, timepoint, window_closes, completed) "
        f"SELECT s.episode_id, v.timepoint, v.latest, v.status = %s "
        f"FROM {ScheduledVisit._meta.db_table} v JOIN {FollowUpSchedule._meta.db_table} s "
        f"ON s.id = v.schedule_id WHERE v.kind = %s AND s.episode_id IN ({ids_sql}) "
        f"AND s.episode_id IN (SELECT episode_id FROM {episode_table})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, ["completed", "visit", *ids_params])
        return cursor.rowcount


def copy_scores(episodes: QuerySet, target_table: str, episode_table: str) -> int:
    """Copy every numeric subscale score of these episodes' questionnaires in one statement.

    The scores JSON (subscale id → value or null) is unnested by the database itself
    (PostgreSQL jsonb_each, SQLite json_each), so a million questionnaires never pass
    through Python. Only episodes that already have a fact row are copied.
    """
    source = QuestionnaireResponse._meta.db_table
    ids_sql, ids_params = episode_ids_sql(episodes)
    if connection.vendor == "postgresql":
        unnest = "jsonb_each(r.scores) AS kv(key, value)"
        value = "(kv.value #>> '{}')::double precision"
        numeric = "jsonb_typeof(kv.value) = 'number'"
    else:
        unnest = "json_each(r.scores) AS kv"
        value = "kv.value"
        numeric = "kv.type IN ('integer', 'real')"
    # Which score counts for a visit is decided here, once: the first completed in the
    # window (ties by record order), so the dashboard reads counted scores and never sorts.
    # The partition starts with the insert's order below, so one sort serves both.
    # Byte order (C) for the texts: the same groups, compared without the locale's rules.
    c = ' COLLATE "C"' if connection.vendor == "postgresql" else ""
    counts = (f"(r.timepoint <> '' AND ROW_NUMBER() OVER (PARTITION BY r.instrument_id{c}, "
              f"kv.key{c}, r.episode_id, r.timepoint{c} ORDER BY r.completed_on, r.id) = 1)")
    sql = (
        f"INSERT INTO {target_table} (episode_id, instrument, subscale, timepoint, completed_on, "
        f"value, counts, mode) SELECT r.episode_id, r.instrument_id, kv.key, r.timepoint, "
        f"r.completed_on, {value}, {counts}, r.source FROM {source} r CROSS JOIN {unnest} "
        f"WHERE {numeric} AND r.episode_id IN ({ids_sql}) "
        f"AND r.episode_id IN (SELECT episode_id FROM {episode_table}) "
        # Rows go in grouped by measure, so the dashboard's read of one measure touches
        # contiguous pages instead of one page per row.
        f"ORDER BY r.instrument_id{c}, kv.key{c}, r.episode_id"
    )
    with connection.cursor() as cursor, _sort_memory(cursor):
        cursor.execute(sql, ids_params)
        return cursor.rowcount


# Memory for the score copy's one sort (PostgreSQL's work_mem, this statement only): at the
# default 4 MB the 454,486 scores of 10,000 patients sorted through temporary files on disk
# in two passes, more than a third of the statement's time.
SORT_MEMORY = "256MB"


@contextmanager
def _sort_memory(cursor: Any) -> Iterator[None]:
    if connection.vendor != "postgresql":
        yield
        return
    cursor.execute("SELECT current_setting('work_mem')")
    (before,) = cursor.fetchone()
    cursor.execute("SELECT set_config('work_mem', %s, true)", [SORT_MEMORY])
    try:
        yield
    finally:
        cursor.execute("SELECT set_config('work_mem', %s, true)", [before])


def read_scores(episodes: QuerySet) -> pd.DataFrame:
    """Return every numeric subscale score of these episodes' questionnaires, unnested here.

    For one patient's few questionnaires (the progress report); `copy_scores` does the same
    in SQL for whole sites. Rows come in record order, the tie-break a refresh uses.
    """
    responses = (QuestionnaireResponse.objects.filter(episode__in=episodes.values("pk"))
                 .order_by("pk")
                 .values_list("episode_id", "instrument_id", "timepoint", "completed_on",
                              "scores"))
    rows = [(episode, instrument, subscale, timepoint, on, float(value))
            for episode, instrument, timepoint, on, scores in responses
            for subscale, value in scores.items()
            # JSON true/false are not scores (PostgreSQL's jsonb_typeof says 'boolean').
            if isinstance(value, (int, float)) and not isinstance(value, bool)]
    if not rows:
        return empty(SOURCE_SCORE_COLUMNS)
    return pd.DataFrame(rows, columns=SOURCE_SCORE_COLUMNS)
