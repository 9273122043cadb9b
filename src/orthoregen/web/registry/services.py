"""Build the registry's fact tables from the clinical records, in one transaction per refresh.

A refresh replaces every fact row of the given episodes (delete, then bulk insert), so the
tables never mix two versions of a joint; a rebuild of the whole registry empties the
tables with TRUNCATE first, so repeated rebuilds do not grow them. Derived columns (dose
band, age at treatment, number of injections) are computed here, vectorised, once, so the
dashboard never does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TypeVar

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from orthoregen.web.bulk_load import built_after_load
from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.registry import data
from orthoregen.web.registry.models import (
    AdverseEventFact,
    EpisodeFact,
    InjectionFact,
    ScoreFact,
    VisitFact,
)
from orthoregen.web.registry.sources import (
    Source,
    SourceFrames,
    copy_adverse_events,
    copy_injections,
    copy_scores,
    copy_visits,
    episode_ids_sql,
    episode_records,
    read_scores,
    read_source,
)

BATCH = 5000
FACT_MODELS = (EpisodeFact, ScoreFact, VisitFact, InjectionFact, AdverseEventFact)
FACT_TABLES = frozenset(model._meta.db_table for model in FACT_MODELS)

# Dose bands in millions of cells in the first injection. A display grouping for the filter,
# not a clinical category: published doses run from 1 to 100+ million
# (docs/evidence.md#seed-library).
DOSE_BAND_EDGES = [0, 10e6, 50e6, 100e6, np.inf]
DOSE_BANDS = ["under 10 million", "10 to 49 million", "50 to 99 million", "100 million or more"]


def dose_band(cells: pd.Series) -> pd.Series:
    """Return the dose band label of each cell count (blank when unknown)."""
    bands = pd.cut(pd.to_numeric(cells, errors="coerce"), DOSE_BAND_EDGES, labels=DOSE_BANDS,
                   right=False)
    return bands.astype(object).where(bands.notna(), "")


def _episode_dimensions(episodes: QuerySet) -> pd.DataFrame:
    rows = episodes.order_by().values_list(
        "pk", "patient_id", "patient__site_id", "joint", "side", "grade_scale", "grade",
        "patient__sex", "patient__date_of_birth")
    return pd.DataFrame.from_records(list(rows), columns=[
        "episode_id", "patient_id", "site_id", "joint", "side", "grade_scale", "grade", "sex",
        "date_of_birth"])


def _dates(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, errors="coerce")


def _age_on(born: pd.Series, day: pd.Series) -> pd.Series:
    born, day = _dates(born), _dates(day)
    before_birthday = (day.dt.month * 100 + day.dt.day) < (born.dt.month * 100 + born.dt.day)
    return (day.dt.year - born.dt.year - before_birthday.astype(int)).astype("Int64")


def episode_facts(dims: pd.DataFrame, source: Source, as_of: dt.date) -> pd.DataFrame:
    """Return one fact row per episode: clinic dimensions joined with treatment facts."""
    t = source.treatments.drop_duplicates("episode_id")
    out = dims.merge(t, on="episode_id", how="left")
    inj = source.injections.assign(administered_on=_dates(source.injections["administered_on"]))
    first = inj.sort_values("administered_on").groupby("episode_id").agg(
        first_injection=("administered_on", "first"), first_source=("cell_source", "first"),
        first_dose=("dose_cells", "first"), injections=("administered_on", "size"))
    out = out.join(first, on="episode_id")
    out["first_treated_on"] = _dates(out["first_treated_on"]).fillna(out["first_injection"])
    out["cell_source"] = out["cell_source"].where(out["cell_source"].notna(), out["first_source"])
    out["dose_cells"] = pd.to_numeric(out["dose_cells"], errors="coerce").fillna(
        pd.to_numeric(out["first_dose"], errors="coerce"))
    out["dose_band"] = dose_band(out["dose_cells"])
    # Last contact: the latest scored questionnaire or completed visit (censoring date).
    contacts = [source.visits.assign(on=_dates(source.visits.get(
        "completed_on", source.visits["window_closes"].where(source.visits["completed"]))))]
    if source.scores is not None:
        contacts.append(source.scores.assign(on=_dates(source.scores["completed_on"])))
    contact = pd.concat([c[["episode_id", "on"]] for c in contacts], ignore_index=True)
    last = contact.dropna().groupby("episode_id")["on"].max()
    out["followed_until"] = _dates(out["followed_until"]).fillna(out["episode_id"].map(last))
    age_day = out["first_treated_on"].fillna(pd.Timestamp(as_of))
    out["age_at_treatment"] = _age_on(out["date_of_birth"], age_day)
    out["injections"] = out["injections"].fillna(0).astype(int)
    for column in ("cell_source", "protocol_version"):
        out[column] = out[column].fillna("").astype(str)
    return out


def _none(value):
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


def _records(frame: pd.DataFrame, columns: list[str]) -> Iterator[list[object]]:
    for row in frame[columns].itertuples(index=False, name=None):
        yield [_none(v) for v in row]


Fact = TypeVar("Fact", EpisodeFact, ScoreFact, VisitFact, InjectionFact, AdverseEventFact)


def _insert(model: type[Fact], frame: pd.DataFrame, columns: list[str]) -> int:
    objects = [model(**dict(zip(columns, row, strict=True))) for row in _records(frame, columns)]
    for start in range(0, len(objects), BATCH):
        model.objects.bulk_create(objects[start:start + BATCH])
    return len(objects)


def counted(scores: pd.DataFrame) -> pd.DataFrame:
    """Add `counts`: True for the score each visit counts, the first completed in its window
    (ties in the given order), as sources.copy_scores decides it in SQL."""
    ordered = scores.assign(_on=_dates(scores["completed_on"])).sort_values("_on",
                                                                          kind="stable")
    first = ~ordered.duplicated(["episode_id", "instrument", "subscale", "timepoint"])
    return scores.assign(counts=first.reindex(scores.index) & scores["timepoint"].ne(""))


def _known(frame: pd.DataFrame, episode_ids: set) -> pd.DataFrame:
    return frame[frame["episode_id"].isin(episode_ids)]


@transaction.atomic
def facts_replace(episodes: QuerySet, source: Source, *, as_of: dt.date) -> int:
    """Replace the fact rows of a JointEpisode queryset with the given outcome records.

    Returns the number of score rows written. Rows of `source` for other episodes are ignored.
    The pathway's records (`read_source`) are copied in SQL; frames are written from here.
    """
    facts = EpisodeFact.objects.filter(episode__in=episodes.values("pk"))
    for model in (ScoreFact, VisitFact, InjectionFact, AdverseEventFact):
        model.objects.filter(episode__in=facts.values("pk")).delete()
    facts.delete()
    if source.in_sql:
        return _copy_facts(episodes, as_of=as_of)
    dims = _episode_dimensions(episodes)
    ids = set(dims["episode_id"])
    ep = episode_facts(dims, source, as_of)
    _insert(EpisodeFact, ep.rename(columns={"episode_id": "episode_id"}), [
        "episode_id", "patient_id", "site_id", "joint", "side", "grade_scale", "grade", "sex",
        "age_at_treatment", "cell_source", "dose_cells", "dose_band", "protocol_version",
        "first_treated_on", "arthroplasty_on", "followed_until", "injections"])
    if source.scores is None:
        n = copy_scores(episodes, ScoreFact._meta.db_table, EpisodeFact._meta.db_table)
    else:
        scores = counted(_known(source.scores, ids).assign(
            timepoint=lambda f: f["timepoint"].fillna("")))
        # Frames built without a mode column (older callers) leave the mode blank.
        scores = scores.assign(mode=scores["mode"].fillna("") if "mode" in scores else "")
        n = _insert(ScoreFact, scores, ["episode_id", "instrument", "subscale", "timepoint",
                                        "completed_on", "value", "counts", "mode"])
    if source.visits_in_sql:
        copy_visits(episodes, VisitFact._meta.db_table, EpisodeFact._meta.db_table)
    else:
        _insert(VisitFact, _known(source.visits, ids),
                ["episode_id", "timepoint", "window_closes", "completed"])
    injections = _known(source.injections, ids).assign(
        source_ref=lambda f: f["source_ref"].fillna("").astype(str),
        cell_source=lambda f: f["cell_source"].fillna("").astype(str))
    _insert(InjectionFact, injections,
            ["episode_id", "administered_on", "cell_source", "dose_cells", "source_ref"])
    events = _known(source.adverse_events, ids).assign(
        injection_ref=lambda f: f["injection_ref"].fillna("").astype(str))
    _insert(AdverseEventFact, events,
            ["episode_id", "injection_ref", "term", "grade", "serious", "onset_on"])
    return n


EPISODE_FACT_COLUMNS = ["episode_id", "patient_id", "site_id", "joint", "side", "grade_scale",
                        "grade", "sex", "age_at_treatment", "cell_source", "dose_cells",
                        "dose_band", "protocol_version", "first_treated_on", "arthroplasty_on",
                        "followed_until", "injections", "refreshed_at"]


def _age_sql(born: str, day: str) -> str:
    """Return SQL of the age in whole years on `day` of someone born on `born` (_age_on)."""
    if connection.vendor == "postgresql":
        def part(unit: str, of: str) -> str:
            return f"EXTRACT({unit} FROM {of})"

        before_birthday = (f"{part('MONTH', day)} * 100 + {part('DAY', day)} < "
                           f"{part('MONTH', born)} * 100 + {part('DAY', born)}")
        return (f"CAST({part('YEAR', day)} - {part('YEAR', born)} - "
                f"CASE WHEN {before_birthday} THEN 1 ELSE 0 END AS INTEGER)")
    return (f"(CAST(strftime('%%Y', {day}) AS INTEGER) - CAST(strftime('%%Y', {born}) AS INTEGER)"
            f" - (strftime('%%m%%d', {day}) < strftime('%%m%%d', {born})))")


def _dose_band_sql(cells: str) -> tuple[str, list[float | str]]:
    """Return SQL of dose_band() and its parameters: each band includes its lower edge."""
    cases: list[str] = []
    params: list[float | str] = []
    for low, high, label in zip(DOSE_BAND_EDGES, DOSE_BAND_EDGES[1:], DOSE_BANDS, strict=False):
        cases.append(f"WHEN {cells} >= %s AND {cells} < %s THEN %s")
        params += [float(low), float(high), label]
    return f"CASE {' '.join(cases)} ELSE '' END", params


def _injection_summary_sql(ids_sql: str) -> str:
    """Return a SELECT of each episode's injection count, first day, and the cell source and
    dose of its first injection (the first with a known dose), from the injection facts."""
    known = "dose_cells IS NOT NULL"
    if connection.vendor == "postgresql":
        known += " AND dose_cells <> 'NaN'"  # pandas skipped NaN as missing
    ranked = (
        f"SELECT episode_id, administered_on, cell_source, dose_cells, {known} AS has_dose, "
        f"ROW_NUMBER() OVER (PARTITION BY episode_id ORDER BY administered_on, id) AS nth, "
        f"ROW_NUMBER() OVER (PARTITION BY episode_id ORDER BY CASE WHEN {known} THEN 0 "
        f"ELSE 1 END, administered_on, id) AS nth_dosed "
        f"FROM {InjectionFact._meta.db_table} WHERE episode_id IN ({ids_sql})")
    return (f"SELECT episode_id, COUNT(*) AS injections, MIN(administered_on) AS first_on, "
            f"MAX(CASE WHEN nth = 1 THEN cell_source END) AS cell_source, "
            f"MAX(CASE WHEN nth_dosed = 1 AND has_dose THEN dose_cells END) AS dose_cells "
            f"FROM ({ranked}) ranked GROUP BY episode_id")


def _copy_episode_facts(episodes: QuerySet, *, as_of: dt.date) -> int:
    """Write one fact row per episode from its records and its injection facts, in SQL.

    The same facts as episode_facts(): the first treatment is the first follow-up schedule
    or else the first injection, age is taken on that day (or as_of when untreated).
    """
    records, record_params = episode_records(episodes)
    ids_sql, ids_params = episode_ids_sql(episodes)
    as_of_sql = "CAST(%s AS date)" if connection.vendor == "postgresql" else "%s"
    joined = (
        f"SELECT r.*, COALESCE(r.scheduled_on, i.first_on) AS first_treated_on, "
        f"COALESCE(r.scheduled_on, i.first_on, {as_of_sql}) AS age_day, i.injections, "
        f"i.cell_source, i.dose_cells FROM ({records}) r "
        f"LEFT JOIN ({_injection_summary_sql(ids_sql)}) i ON i.episode_id = r.episode_id")
    band, band_params = _dose_band_sql("f.dose_cells")
    values = [
        "f.episode_id", "f.patient_id", "f.site_id", "f.joint", "f.side", "f.grade_scale",
        "f.grade", "f.sex", _age_sql("f.date_of_birth", "f.age_day"),
        "COALESCE(f.cell_source, '')", "f.dose_cells", band,
        "COALESCE(f.protocol_version, '')", "f.first_treated_on", "f.arthroplasty_on",
        "f.last_visit_on", "COALESCE(f.injections, 0)", "%s"]
    refreshed_at = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {EpisodeFact._meta.db_table} ({', '.join(EPISODE_FACT_COLUMNS)}) "
            f"SELECT {', '.join(values)} FROM ({joined}) f",
            [*band_params, refreshed_at, connection.ops.adapt_datefield_value(as_of),
             *record_params, *ids_params])
        return cursor.rowcount


def _copy_facts(episodes: QuerySet, *, as_of: dt.date) -> int:
    """Copy the pathway's records of these episodes into the (emptied) fact tables in SQL.

    Injections first: the joint's row counts them and takes its first dose from them (the
    foreign key to the joint's row is checked at commit). Returns the score rows written.
    """
    copy_injections(episodes, InjectionFact._meta.db_table)
    _copy_episode_facts(episodes, as_of=as_of)
    n = copy_scores(episodes, ScoreFact._meta.db_table, EpisodeFact._meta.db_table)
    copy_visits(episodes, VisitFact._meta.db_table, EpisodeFact._meta.db_table)
    copy_adverse_events(episodes, AdverseEventFact._meta.db_table)
    return n


def _empty_fact_tables() -> None:
    """Empty every fact table, leaving no dead rows behind (inside the caller's transaction).

    PostgreSQL's TRUNCATE gives each table fresh files at commit, so a rebuild's size never
    includes the previous rebuild's rows; DELETE would leave them as dead rows until VACUUM,
    and the second refresh in a row wrote into new pages (the score table doubled). TRUNCATE
    locks the tables until the rebuild commits: dashboards wait for it rather than read a
    half-built registry. SQLite has no TRUNCATE; its DELETE without WHERE frees the pages
    for the rows that follow.
    """
    tables = [connection.ops.quote_name(m._meta.db_table) for m in FACT_MODELS]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Foreign-key checks of rows inserted earlier in this transaction wait for the
            # commit (Django declares them deferred), and TRUNCATE refuses to run while any
            # are pending: check them now, then defer again as Django expects.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {', '.join(tables)}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            for table in reversed(tables):  # rows that point at an episode fact go first
                cursor.execute(f"DELETE FROM {table}")


@transaction.atomic
def facts_rebuild(*, as_of: dt.date) -> int:
    """Rebuild the whole registry from the pathway apps' records, in one transaction.

    What `registry-refresh` runs without --site: repeated rebuilds keep the tables' size.
    Returns the number of score rows written (0, and nothing emptied, without records).
    """
    episodes = JointEpisode.objects.all()
    source = read_source(episodes)
    if not source.available:
        return 0
    _empty_fact_tables()
    # The emptied tables are filled without their secondary indexes and the keys between
    # them, then each index is built with one sort and each key checked with one join
    # (web/bulk_load.py), where row by row the score index alone cost millions of inserts.
    # The keys into the clinic's tables stay: dropping one would lock a clinic table.
    with built_after_load(keys_into=FACT_TABLES) as checks:
        for model in FACT_MODELS:
            checks.before_write(model)
        return facts_replace(episodes, source, as_of=as_of)


def facts_refresh(episodes: QuerySet, *, as_of: dt.date) -> int:
    """Rebuild the fact rows of a JointEpisode queryset from the pathway apps' records."""
    source = read_source(episodes)
    if not source.available:
        return 0
    return facts_replace(episodes, source, as_of=as_of)


def patient_frames(patient: Patient, facts: QuerySet, *, as_of: dt.date) -> data.RegistryFrames:
    """Return one patient's registry frames as of today, built in memory from the records.

    The progress report must show today's records, and a page view must not write: the
    frames are built the way a refresh builds the fact rows (episode_facts), but nothing is
    stored. While the follow-up app has no outcome records, the stored facts (the scoped
    EpisodeFact queryset `facts`) are shown instead.
    """
    episodes = JointEpisode.objects.filter(patient=patient)
    source = read_source(episodes)
    if not source.available:
        return data.registry_frames(facts)
    scores = read_scores(episodes)
    records = SourceFrames(treatments=source.treatments, scores=scores, visits=source.visits,
                           injections=source.injections, adverse_events=source.adverse_events)
    ep = episode_facts(_episode_dimensions(episodes), records, as_of)
    ep["site"] = patient.site.code
    injections = source.injections.rename(columns={"source_ref": "injection_id"})
    events = source.adverse_events.rename(columns={"injection_ref": "injection_id"})
    frames = data.RegistryFrames(
        episodes=ep[data.EPISODE_COLUMNS],
        scores=scores.assign(timepoint=scores["timepoint"].replace("", None)),
        visits=source.visits[data.VISIT_COLUMNS],
        injections=injections[data.INJECTION_COLUMNS],
        adverse_events=events[data.AE_COLUMNS])
    return data.with_dates(frames)



def vacuum_facts() -> bool:
    """Mark the fact tables' pages all-visible and refresh their statistics (PostgreSQL).

    The dashboard reads scores through a covering index, and PostgreSQL answers from the
    index alone only on pages VACUUM has marked all-visible; after a bulk refresh it would
    otherwise visit the table for every row until autovacuum comes by. VACUUM cannot run
    inside a transaction, so this does nothing there (and on SQLite); returns whether it ran.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    with connection.cursor() as cursor:
        for model in FACT_MODELS:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")
    return True
