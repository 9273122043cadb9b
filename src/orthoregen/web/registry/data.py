"""Read the registry's fact tables as tidy pandas DataFrames, the shape the analytics read.

The one door between the database and `orthoregen.analytics`: every function takes an
already scoped queryset of EpisodeFact rows (see accounts.access.scope) and returns frames
with documented columns. Filtering happens in SQL; rows come back through one cursor
fetch per table (no model instances), so a 100,000-patient cohort stays vectorised.

Frames:
- episodes: episode_id, patient_id, site, joint, side, grade_scale, grade, sex,
  age_at_treatment, cell_source, dose_cells, dose_band, protocol_version, first_treated_on,
  arthroplasty_on, followed_until, injections
- scores (long, one row per episode-instrument-subscale-questionnaire): episode_id,
  instrument, subscale, timepoint, completed_on, value
- visits: episode_id, timepoint, window_closes, completed
- injections: episode_id, administered_on, cell_source, dose_cells, injection_id
- adverse_events: episode_id, injection_id, term, grade, serious, onset_on
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd
import psycopg
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum

from orthoregen.web.registry.models import (
    AdverseEventFact,
    EpisodeFact,
    InjectionFact,
    ScoreFact,
    VisitFact,
)
from orthoregen.web.registry.snapshot import in_shared_snapshot

EPISODE_COLUMNS = [
    "episode_id", "patient_id", "site", "joint", "side", "grade_scale", "grade", "sex",
    "age_at_treatment", "cell_source", "dose_cells", "dose_band", "protocol_version",
    "first_treated_on", "arthroplasty_on", "followed_until", "injections",
]
SCORE_COLUMNS = ["episode_id", "instrument", "subscale", "timepoint", "completed_on", "value"]
VISIT_COLUMNS = ["episode_id", "timepoint", "window_closes", "completed"]
INJECTION_COLUMNS = ["episode_id", "administered_on", "cell_source", "dose_cells",
                     "injection_id"]
AE_COLUMNS = ["episode_id", "injection_id", "term", "grade", "serious", "onset_on"]
DATE_COLUMNS = ("first_treated_on", "arthroplasty_on", "followed_until", "completed_on",
                "window_closes", "administered_on", "onset_on")


def frame_of(queryset: QuerySet, fields: list[str], columns: list[str]) -> pd.DataFrame:
    """Run a values() query through one cursor and return its rows as a DataFrame.

    Skips model and dict construction: Django compiles the SQL, the driver returns tuples.
    Date columns become datetime64 so that day arithmetic stays vectorised.
    """
    rows = []
    with contextlib.suppress(EmptyResultSet):  # a filter nothing can match (no sites): no rows
        sql, params = queryset.values_list(*fields).query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    frame = pd.DataFrame.from_records(rows, columns=columns, nrows=len(rows))
    if frame.empty:
        frame = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    for column in DATE_COLUMNS:
        if column in frame:
            frame[column] = pd.to_datetime(frame[column])
    return frame


DATE_NULL = -(2**31)  # days-since-1970 sentinel for NULL dates (NaT)


def column_arrays(queryset: QuerySet, fields: list[str], columns: list[str], *,
                  dates: tuple[str, ...] = (),
                  codes: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """Return a values() query as a DataFrame of numpy columns, packed by PostgreSQL.

    On PostgreSQL every row is packed into fixed-width big-endian binary (numbers as
    float8, dates as int4 days since 1970, coded texts as int4 positions, NULLs as NaN or
    a sentinel) and the rows are concatenated into one bytea value, so numpy reads the
    whole result as one structured array without building a Python object per value: the
    dashboard reads 400,000 scores in little more than the time PostgreSQL takes to find
    them. (Binary COPY would send one message per row, which costs a Python call each.)
    Columns in `codes` (a text column and its known values) become pandas Categoricals
    (an unknown value becomes NaN); other columns not in `dates` are numeric (float).
    Other databases fall back to `frame_of`.
    """
    codes = codes or {}
    if connection.vendor != "postgresql":
        frame = frame_of(queryset, fields, columns)
        for column, categories in codes.items():
            frame[column] = pd.Categorical(frame[column], categories=categories)
        return frame
    aliases = [f"c{i}" for i in range(len(columns))]
    parts, code_params, layout = [], [], []
    for alias, column in zip(aliases, columns, strict=True):
        if column in dates:
            parts.append(f"int4send(COALESCE(({alias} - DATE '1970-01-01')::int4, {DATE_NULL}))")
            layout.append((alias, ">i4"))
        elif column in codes:
            parts.append(f"int4send(COALESCE(array_position(%s::text[], {alias}::text), 0))")
            code_params.append(list(codes[column]))
            layout.append((alias, ">i4"))
        else:
            parts.append(f"float8send(COALESCE({alias}::float8, 'NaN'))")
            layout.append((alias, ">f8"))
    blob = b""
    with contextlib.suppress(EmptyResultSet):  # a filter nothing can match (no sites): no rows
        sql, params = queryset.values_list(*fields).query.sql_with_params()
        packed = (f"SELECT string_agg({' || '.join(parts)}, ''::bytea) "
                  f"FROM ({sql}) AS t({', '.join(aliases)})")
        connection.ensure_connection()
        # A binary result hands the bytea over as it is (text would hex-encode it); Django's
        # own cursor binds parameters on the client, which psycopg allows only with text.
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(packed, [*code_params, *params], binary=True)
            row = cursor.fetchone()
            assert row is not None, "an aggregate without GROUP BY returns one row"
            blob = row[0] or b""
    rows = np.frombuffer(blob, dtype=np.dtype(layout))
    arrays: dict[str, Any] = {}
    for alias, column in zip(aliases, columns, strict=True):
        values = rows[alias]
        if column in codes:
            positions = values.astype(np.int64) - 1  # array_position counts from 1; 0 → NaN
            # pandas-stubs wants a Sequence of codes and an Index of categories; pandas takes
            # the ndarray and the list as well.
            arrays[column] = pd.Categorical.from_codes(
                positions, categories=codes[column])  # type: ignore[arg-type]
        elif column in dates:
            days = values.astype(np.int64)
            missing = days == DATE_NULL
            out = np.where(missing, 0, days).astype("datetime64[D]").astype("datetime64[ns]")
            out[missing] = np.datetime64("NaT")
            arrays[column] = out
        else:
            arrays[column] = values.astype(np.float64)
    return pd.DataFrame(arrays, columns=columns)


def labelled_arrays(rows: QuerySet, labels: list[str],
                    codes: dict[str, list[str]]) -> pd.DataFrame:
    """Return episode_id, the `labels` (Categoricals of `codes`) and value of score rows,
    packed by PostgreSQL one group of labels at a time (PostgreSQL only).

    Like `column_arrays`, but the rows are grouped by their labels (subscale, time point)
    in SQL and each group sends only its episode ids and values: PostgreSQL no longer
    looks up and packs two label codes per row, which was half of a score read's time
    (462,000 OMERACT-OARSI scores: about 290 ms against 170 ms). The groups come in label
    order and the rows of each group in episode order: the order of the covering index
    (instrument, subscale, time point, episode), in which `column_arrays` received them from
    its scan, so the frame is the same row for row.
    """
    aliases = [f"l{i}" for i in range(len(labels))]
    groups: list[tuple[Any, ...]] = []
    with contextlib.suppress(EmptyResultSet):  # a filter nothing can match (no sites): no rows
        sql, params = rows.values_list("episode_id", *labels, "value").query.sql_with_params()
        names = ", ".join(aliases)
        packed = (f"SELECT {names}, string_agg(int8send(e) || float8send(COALESCE(v::float8, "
                  f"'NaN')), ''::bytea) FROM ({sql}) AS t(e, {names}, v) "
                  f"GROUP BY {names} ORDER BY {names}")
        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:  # binary: see column_arrays
            cursor.execute(packed, params, binary=True)
            groups = cursor.fetchall()
    layout = np.dtype([("episode_id", ">i8"), ("value", ">f8")])
    parts = [np.frombuffer(group[-1] or b"", dtype=layout) for group in groups]
    sizes = [len(part) for part in parts]
    packed_rows = np.concatenate(parts) if parts else np.empty(0, dtype=layout)
    episode = packed_rows["episode_id"].astype(np.int64)
    value = packed_rows["value"].astype(np.float64)
    group = np.repeat(np.arange(len(parts)), sizes)
    if np.any((np.diff(episode) < 0) & (np.diff(group) == 0)):
        # A plan other than the covering index's scan (a join, a sort) yielded a group's
        # rows out of episode order: put them in it, so that the statistics (sums of floats
        # in row order) never depend on the plan.
        order = np.lexsort((episode, group))
        episode, value = episode[order], value[order]
    arrays: dict[str, Any] = {"episode_id": episode}
    for position, label in enumerate(labels):
        index = {value: i for i, value in enumerate(codes[label])}
        label_codes = [index.get(group[position], -1) for group in groups]
        # pandas-stubs wants a Sequence of codes and an Index of categories (see column_arrays)
        repeated = np.repeat(np.array(label_codes, dtype=np.int64), sizes)
        arrays[label] = pd.Categorical.from_codes(
            repeated, categories=codes[label])  # type: ignore[arg-type]
    arrays["value"] = value
    return pd.DataFrame(arrays, columns=["episode_id", *labels, "value"])


# The ids of the sites that have rows in the registry, found by a loose scan of the
# (site, joint) index: one probe per site instead of reading every joint.
REGISTRY_SITES_SQL = """
WITH RECURSIVE present(site_id) AS (
    SELECT min(site_id) FROM registry_episodefact
    UNION ALL
    SELECT (SELECT min(site_id) FROM registry_episodefact WHERE site_id > present.site_id)
    FROM present WHERE present.site_id IS NOT NULL)
SELECT site_id FROM present WHERE site_id IS NOT NULL
"""


def registry_sites() -> frozenset[int]:
    """Return the ids of the sites with joints in the registry's fact tables."""
    with connection.cursor() as cursor:
        cursor.execute(REGISTRY_SITES_SQL)
        return frozenset(row[0] for row in cursor.fetchall())


def fact_rows(model: type[Any], episodes: QuerySet, *,
              whole_sites: frozenset[int] | None = None) -> QuerySet:
    """Return the rows of a fact table (or EpisodeFact itself) that belong to `episodes`.

    `whole_sites`, when given, says that `episodes` is every joint of those sites (already
    within the user's sites, with no other filter). If the registry then holds no joint of
    any other site, every fact row belongs to the cohort (each points at an EpisodeFact by a
    foreign key), and the rows are read without joining each to its joint's site: the
    semi-join cost a third or more of each read. This is decided only inside the shared
    repeatable-read snapshot (snapshot.py), where the check and the read see the same
    committed registry, so a refresh that adds another site's rows meanwhile cannot slip in.
    """
    if whole_sites is not None and in_shared_snapshot() and registry_sites() <= whole_sites:
        return model.objects.all()
    if model is EpisodeFact:
        return episodes
    return model.objects.filter(episode__in=episodes.values("pk"))


def cohort_episodes(episodes: QuerySet, *,
                    whole_sites: frozenset[int] | None = None) -> pd.DataFrame:
    """Return the few episode columns the dashboard needs (episode_id, patient_id, dates,
    injections), fetched column-wise."""
    columns = ["episode_id", "patient_id", "first_treated_on", "arthroplasty_on",
               "followed_until", "injections"]
    rows = fact_rows(EpisodeFact, episodes, whole_sites=whole_sites)
    return column_arrays(rows.order_by(), columns, columns,
                         dates=("first_treated_on", "arthroplasty_on", "followed_until"))


def cohort_scores(episodes: QuerySet, instrument: str, subscales: list[str],
                  timepoints: tuple[str, ...], *, mode: str | None = None,
                  whole_sites: frozenset[int] | None = None) -> pd.DataFrame:
    """Return the counted scores (one per visit, see ScoreFact.counts) of one instrument's
    subscales at the given visits, for the cohort analyses: episode_id, instrument,
    subscale, timepoint (Categoricals) and value. `mode` keeps only the scores collected
    in that mode of administration (followup.ResponseSource).
    """
    rows = fact_rows(ScoreFact, episodes, whole_sites=whole_sites).filter(
        instrument=instrument, subscale__in=subscales, timepoint__in=timepoints,
        counts=True).order_by()
    if mode:
        rows = rows.filter(mode=mode)
    codes = {"timepoint": list(timepoints)}
    fields = ["episode_id", "timepoint", "value"]
    if len(subscales) > 1:  # one subscale needs no column: every row has it
        codes["subscale"] = list(subscales)
        fields.insert(1, "subscale")
    if connection.vendor == "postgresql":
        frame = labelled_arrays(rows, [f for f in fields if f in codes], codes)
    else:
        frame = column_arrays(rows, fields, fields, codes=codes)
    # pandas-stubs types from_codes() narrower than pandas (a Sequence of codes, an Index of
    # categories) and leaves a Categorical out of insert()'s values; pandas takes all three.
    if len(subscales) == 1:
        frame.insert(1, "subscale", pd.Categorical.from_codes(  # type: ignore[arg-type]
            np.zeros(len(frame), dtype=np.int8), categories=subscales))  # type: ignore[arg-type]
    frame.insert(1, "instrument", pd.Categorical.from_codes(  # type: ignore[arg-type]
        np.zeros(len(frame), dtype=np.int8), categories=[instrument]))  # type: ignore[arg-type]
    frame["value"] = frame["value"].astype(float)
    frame["episode_id"] = frame["episode_id"].astype(np.int64)
    return frame


def visit_counts(episodes: QuerySet, as_of: dt.date, *,
                 whole_sites: frozenset[int] | None = None) -> pd.DataFrame:
    """Count scheduled visits per timepoint, due (window closed before as_of) and completed.

    The database does the counting: a 100,000-patient registry has over half a million
    visits, and loss to follow-up needs only how many fall in each of these cells. Due
    visits are counted beside all visits of each (timepoint, completed) group (a filtered
    count), not as a third grouping key: PostgreSQL hashes two keys per row instead of
    three and evaluates the date once (about 95 ms instead of 150 ms for 540,000 visits).
    Inside the dashboard's shared snapshot the count runs without parallel workers: on a
    machine of two cores they only took CPU from the other reads running at the same time
    (three processes of 90 ms each for the same 100 ms).
    """
    rows = (fact_rows(VisitFact, episodes, whole_sites=whole_sites).order_by()
            .values("timepoint", "completed")
            .annotate(n_due=Count("pk", filter=Q(window_closes__lt=as_of)), n_all=Count("pk")))
    if in_shared_snapshot() and connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # for the rest of this worker's transaction
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
    cells = [(timepoint, due, completed, n) for timepoint, completed, n_due, n_all in
             rows.values_list("timepoint", "completed", "n_due", "n_all")
             for due, n in ((True, n_due), (False, n_all - n_due)) if n]
    frame = pd.DataFrame(cells, columns=["timepoint", "due", "completed", "n"])
    return frame.astype({"due": bool, "completed": bool})


def episodes_frame(episodes: QuerySet) -> pd.DataFrame:
    """Return one row per treated joint of the scoped EpisodeFact queryset."""
    fields = ["episode_id", "patient_id", "site__code", *EPISODE_COLUMNS[3:]]
    return frame_of(episodes.order_by(), fields, EPISODE_COLUMNS)


def scores_frame(episodes: QuerySet, *, instruments: list[str] | None = None,
                 subscales: list[str] | None = None,
                 labelled_only: bool = False) -> pd.DataFrame:
    """Return the long score table of these episodes, optionally of some instruments only.

    labelled_only keeps the scores that fell in a visit window (the cohort analyses);
    the patient report and the exports keep every score.
    """
    rows = ScoreFact.objects.filter(episode__in=episodes.values("pk")).order_by()
    if instruments is not None:
        rows = rows.filter(instrument__in=instruments)
    if subscales is not None:
        rows = rows.filter(subscale__in=subscales)
    if labelled_only:
        rows = rows.exclude(timepoint="")
    frame = frame_of(rows, [*SCORE_COLUMNS, "mode"], [*SCORE_COLUMNS, "mode"])
    frame["timepoint"] = frame["timepoint"].replace("", None)
    frame["value"] = frame["value"].astype(float)
    return frame


def visits_frame(episodes: QuerySet) -> pd.DataFrame:
    """Return the scheduled visits of these episodes (input of analytics.loss_to_follow_up)."""
    rows = VisitFact.objects.filter(episode__in=episodes.values("pk")).order_by()
    return frame_of(rows, VISIT_COLUMNS, VISIT_COLUMNS)


def injections_frame(episodes: QuerySet) -> pd.DataFrame:
    """Return the administrations into these episodes' joints."""
    rows = InjectionFact.objects.filter(episode__in=episodes.values("pk")).order_by()
    fields = ["episode_id", "administered_on", "cell_source", "dose_cells", "pk"]
    return frame_of(rows, fields, INJECTION_COLUMNS)


def adverse_events_frame(episodes: QuerySet, *,
                         whole_sites: frozenset[int] | None = None) -> pd.DataFrame:
    """Return the adverse events of these episodes (`whole_sites`: see fact_rows)."""
    rows = fact_rows(AdverseEventFact, episodes, whole_sites=whole_sites).order_by()
    fields = ["episode_id", "injection_ref", "term", "grade", "serious", "onset_on"]
    return frame_of(rows, fields, AE_COLUMNS)


def injection_count(episodes: QuerySet, *, whole_sites: frozenset[int] | None = None) -> int:
    """Return the injections given to these episodes (the adverse events' denominator),
    summed by the database over the same rows `cohort_episodes` reads."""
    rows = fact_rows(EpisodeFact, episodes, whole_sites=whole_sites).order_by()
    return int(rows.aggregate(n=Sum("injections"))["n"] or 0)


@dataclass(frozen=True)
class RegistryFrames:
    """Every table of a set of episodes, as the exports and the patient report use them."""

    episodes: pd.DataFrame
    scores: pd.DataFrame
    visits: pd.DataFrame
    injections: pd.DataFrame
    adverse_events: pd.DataFrame


def registry_frames(episodes: QuerySet) -> RegistryFrames:
    """Return all tables of the scoped episodes."""
    return RegistryFrames(
        episodes=episodes_frame(episodes),
        scores=scores_frame(episodes),
        visits=visits_frame(episodes),
        injections=injections_frame(episodes),
        adverse_events=adverse_events_frame(episodes),
    )


def with_dates(frames: RegistryFrames) -> RegistryFrames:
    """Return the frames with every date column as datetime64, as the database readers give."""
    def convert(frame: pd.DataFrame) -> pd.DataFrame:
        dates = {c: pd.to_datetime(frame[c]) for c in DATE_COLUMNS if c in frame}
        return frame.assign(**dates)

    return RegistryFrames(*(convert(getattr(frames, f.name)) for f in fields(RegistryFrames)))


def tidy_scores(frames: RegistryFrames) -> pd.DataFrame:
    """Return the long export table: one row per patient-joint-visit-instrument-subscale.

    Columns: patient_id, episode_id, site, joint, side, grade_scale, grade, sex,
    age_at_treatment, cell_source,
    dose_cells, dose_band, protocol_version, timepoint, days_from_treatment, instrument,
    subscale, value (days_from_treatment is negative for baseline scores before injection),
    mode (of administration; blank where the scores frame has none).
    """
    keep = ["episode_id", "patient_id", "site", "joint", "side", "grade_scale", "grade", "sex",
            "age_at_treatment", "cell_source", "dose_cells", "dose_band", "protocol_version",
            "first_treated_on"]
    merged = frames.scores.merge(frames.episodes[keep], on="episode_id", how="inner")
    days = (merged["completed_on"] - merged["first_treated_on"]).dt.days
    merged = merged.assign(days_from_treatment=days.astype("Int64"))
    if "mode" not in merged:
        merged = merged.assign(mode="")
    columns = ["patient_id", "episode_id", "site", "joint", "side", "grade_scale", "grade",
               "sex", "age_at_treatment", "cell_source", "dose_cells", "dose_band",
               "protocol_version", "timepoint", "days_from_treatment", "completed_on",
               "instrument", "subscale", "value", "mode"]
    return merged[columns].sort_values(["patient_id", "episode_id", "completed_on",
                                        "instrument", "subscale"], kind="stable")
