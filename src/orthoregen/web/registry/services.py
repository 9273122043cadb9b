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
from dataclasses import replace
from typing import TypeVar

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.db.models import QuerySet

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
    SourceFrames,
    copy_scores,
    copy_visits,
    read_scores,
    read_source,
)

BATCH = 5000
FACT_MODELS = (EpisodeFact, ScoreFact, VisitFact, InjectionFact, AdverseEventFact)

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


def episode_facts(dims: pd.DataFrame, source: SourceFrames, as_of: dt.date) -> pd.DataFrame:
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
def facts_replace(episodes: QuerySet, source: SourceFrames, *, as_of: dt.date) -> int:
    """Replace the fact rows of a JointEpisode queryset with the given outcome records.

    Returns the number of score rows written. Rows of `source` for other episodes are ignored.
    """
    dims = _episode_dimensions(episodes)
    ids = set(dims["episode_id"])
    facts = EpisodeFact.objects.filter(episode__in=episodes.values("pk"))
    for model in (ScoreFact, VisitFact, InjectionFact, AdverseEventFact):
        model.objects.filter(episode__in=facts.values("pk")).delete()
    facts.delete()
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
    ep = episode_facts(_episode_dimensions(episodes), replace(source, scores=scores), as_of)
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
