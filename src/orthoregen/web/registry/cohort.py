"""Summarise a filtered cohort for the dashboard by calling the analytics core.

The SQL side only narrows rows (filters on the episode facts, one measure's scores); every
statistic comes from `orthoregen.analytics` and `orthoregen.evidence`, vectorised.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd
from django.db.models import QuerySet

from orthoregen.analytics import (
    OarsiDomain,
    adverse_event_rates,
    change_from_baseline,
    is_too_thin,
    kaplan_meier,
    loss_to_follow_up,
    median_follow_up,
    omeract_oarsi_by_timepoint,
)
from orthoregen.analytics.responders import change_and_responder_rates
from orthoregen.analytics.survival import KaplanMeier, numbers_at_risk
from orthoregen.evidence.comparison import EVIDENCE_NAMES, EvidenceComparison, compare_with_evidence
from orthoregen.evidence.library import Arm, Study
from orthoregen.evidence.pooling import Outcome
from orthoregen.evidence.published import load_published_pools
from orthoregen.instruments.registry import get_instrument
from orthoregen.web.evidence.added import library_with_added
from orthoregen.web.registry import data
from orthoregen.web.registry.measures import (
    BASELINE,
    DEFAULT_MEASURES,
    EVIDENCE_MONTHS,
    OARSI_DOMAINS,
    OARSI_TIMEPOINTS,
    TIMEPOINTS,
    Measure,
    measure,
)
from orthoregen.web.registry.models import EpisodeFact
from orthoregen.web.registry.snapshot import read_together

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User

Survival = tuple[KaplanMeier | None, pd.DataFrame, float | None]

KM_TIMES_MONTHS = (0, 6, 12, 24, 36)
DAYS_PER_MONTH = 30.4375


@dataclass(frozen=True)
class CohortFilter:
    """The dashboard's filters; None means "any". Sites are always the user's own."""

    site_ids: tuple[int, ...]
    joint: str | None = None
    grade: int | None = None
    cell_source: str | None = None
    dose_band: str | None = None
    treated_from: dt.date | None = None
    treated_to: dt.date | None = None
    protocol_version: str | None = None
    # Narrows the scores, not the joints: only scores collected in this mode of
    # administration count (followup.ResponseSource), so paired change needs both in it.
    mode: str | None = None

    def apply(self, episodes: QuerySet) -> QuerySet:
        """Return the scoped EpisodeFact rows that pass every filter but `mode`."""
        rows = episodes.filter(site_id__in=self.site_ids)
        exact = {"joint": self.joint, "grade": self.grade, "cell_source": self.cell_source,
                 "dose_band": self.dose_band, "protocol_version": self.protocol_version}
        rows = rows.filter(**{k: v for k, v in exact.items() if v not in (None, "")})
        if self.treated_from:
            rows = rows.filter(first_treated_on__gte=self.treated_from)
        if self.treated_to:
            rows = rows.filter(first_treated_on__lte=self.treated_to)
        return rows

    def whole_sites(self, visible: Iterable[int]) -> frozenset[int] | None:
        """Return the sites all of whose joints `apply` keeps (its sites among the user's
        `visible` ones), or None when a filter narrows the joints (data.fact_rows)."""
        narrowing = (self.joint, self.grade, self.cell_source, self.dose_band,
                     self.treated_from, self.treated_to, self.protocol_version)
        if any(value not in (None, "") for value in narrowing):
            return None
        return frozenset(self.site_ids) & frozenset(visible)


@dataclass(frozen=True)
class EvidenceRow:
    """The clinic's change at one time point beside the evidence for the same measure."""

    months: int
    measure: Measure
    scale: str
    clinic: pd.Series | None
    comparison: EvidenceComparison
    # Arms that report the outcome without an interval: shown, never pooled.
    single_arms: tuple[tuple[str, str, float], ...] = ()

    @property
    def saline_changes(self):
        """The published saline-arm changes from baseline at this row's time point."""
        return tuple(p for p in self.comparison.published_placebo_changes
                     if p.timepoint_months == self.months
                     and p.measure == "change from baseline")


@dataclass(frozen=True)
class CohortSummary:
    """Everything the dashboard shows, computed once per request."""

    as_of: dt.date
    measure: Measure
    n_patients: int
    n_episodes: int
    n_treated: int
    n_injections: int
    change: pd.DataFrame
    responders: pd.DataFrame
    oarsi: pd.DataFrame | None
    oarsi_domains: str
    adverse_events: dict[str, pd.DataFrame]
    survival: KaplanMeier | None
    at_risk: pd.DataFrame
    median_follow_up_months: float | None
    follow_up: pd.DataFrame
    evidence: list[EvidenceRow] = field(default_factory=list)
    # What the caller's Drawers made of the change and survival results ({} without them).
    drawings: dict[str, Any] = field(default_factory=dict)

    @property
    def too_thin(self) -> bool:
        return is_too_thin(self.n_treated)


def default_measure(joint: str | None) -> tuple[str, str]:
    """Return the joint's first default measure (knee when no joint is chosen)."""
    return DEFAULT_MEASURES[joint or "knee"][0]


def _measure_scores(episodes: QuerySet, m: Measure, mode: str | None = None, *,
                    whole_sites: frozenset[int] | None = None) -> pd.DataFrame:
    return data.cohort_scores(episodes, m.instrument, [m.subscale], TIMEPOINTS, mode=mode,
                              whole_sites=whole_sites)


def _oarsi_scores(episodes: QuerySet, joint: str | None, mode: str | None = None, *,
                  whole_sites: frozenset[int] | None = None
                  ) -> tuple[OarsiDomain, OarsiDomain, pd.DataFrame] | None:
    """Return (pain, function, scores) of the joint's first OMERACT-OARSI domain pair with
    scores, or None."""
    for pain, function in OARSI_DOMAINS[joint or "knee"]:
        # Each pair comes from one instrument, so one narrow query reads both domains.
        scores = data.cohort_scores(episodes, pain.instrument,
                                    [pain.subscale, function.subscale], OARSI_TIMEPOINTS,
                                    mode=mode, whole_sites=whole_sites)
        if not scores.empty:
            return pain, function, scores
    return None


def _oarsi(found):
    if found is None:
        return None, ""
    pain, function, scores = found
    table = omeract_oarsi_by_timepoint(scores, pain=pain, function=function,
                                       timepoints=OARSI_TIMEPOINTS)
    return table, f"{_named(pain)} and {_named(function)}"


def _named(measure: OarsiDomain) -> str:
    """Name a measure as the page reads it: "WOMAC LK3.1 (Likert 0–4) pain (0–100)"."""
    instrument = get_instrument(measure.instrument)
    subscale = {s.id: s.name for s in instrument.subscales}.get(measure.subscale,
                                                                measure.subscale)
    return f"{instrument.name} {subscale.lower()}"


def _survival(episodes: pd.DataFrame, as_of: dt.date) -> Survival:
    treated = episodes[episodes["first_treated_on"].notna()]
    if treated.empty:
        return None, numbers_at_risk([], KM_TIMES_MONTHS), None
    start = treated["first_treated_on"]
    event = treated["arthroplasty_on"].notna()
    # Censored at the last contact (latest questionnaire or completed visit), not at today:
    # a patient lost after 3 months must not count as followed for years.
    # pandas-stubs types clip()'s bounds as numbers only; a Timestamp bounds datetimes.
    last_contact = treated["followed_until"].fillna(start).clip(  # type: ignore[call-overload]
        upper=pd.Timestamp(as_of))
    end = treated["arthroplasty_on"].where(event, last_contact)
    months = ((end - start).dt.days.clip(lower=0) / DAYS_PER_MONTH).to_numpy()
    curve = kaplan_meier(months, event.to_numpy())
    follow = median_follow_up(months, event.to_numpy())
    return curve, numbers_at_risk(months, KM_TIMES_MONTHS), follow.median


def _follow_up(counts: pd.DataFrame) -> pd.DataFrame:
    """Loss to follow-up from the database's visit counts per (timepoint, due, completed)."""
    if counts.empty:
        return pd.DataFrame()
    return loss_to_follow_up(counts, timepoints=TIMEPOINTS)


def _adverse_events(events: pd.DataFrame, n_injections: int) -> dict[str, pd.DataFrame]:
    if n_injections == 0:
        return {}
    events = events.assign(serious=events["serious"].map({True: "serious", False: "not serious"}))
    return {
        "overall": adverse_event_rates(events, n_injections, by=()),
        "term": adverse_event_rates(events, n_injections, by=("term",)),
        "grade": adverse_event_rates(events, n_injections, by=("grade",)),
        "serious": adverse_event_rates(events, n_injections, by=("serious",)),
    }


def evidence_measure(m: Measure, joint: str | None) -> tuple[str, str] | None:
    """Return the measure to compare with trials: the chosen one if trials report it, else
    the joint's first default measure that they report."""
    if (m.instrument, m.subscale) in EVIDENCE_NAMES:
        return m.instrument, m.subscale
    return next((k for k in DEFAULT_MEASURES[joint or "knee"] if k in EVIDENCE_NAMES), None)


def _evidence_scores(episodes: QuerySet, joint: str | None,
                     chosen: Measure, mode: str | None = None, *,
                     whole_sites: frozenset[int] | None = None) -> pd.DataFrame | None:
    """Read the scores of the measure trials report, when it is not the chosen one."""
    key = evidence_measure(chosen, joint)
    if key is None or key == (chosen.instrument, chosen.subscale):
        return None
    return _measure_scores(episodes, measure(*key, joint), mode, whole_sites=whole_sites)


def _evidence(joint: str | None, chosen: Measure, chosen_change: pd.DataFrame,
              other_scores: pd.DataFrame | None) -> list[EvidenceRow]:
    key = evidence_measure(chosen, joint)
    if key is None:
        return []
    if other_scores is None:
        m, change = chosen, chosen_change
    else:
        m = measure(*key, joint)
        change = change_from_baseline(other_scores, timepoints=TIMEPOINTS)
    library, pools = library_with_added(), _published_pools()
    name, evidence_subscale, scale = EVIDENCE_NAMES[key]
    rows = []
    for timepoint, months in EVIDENCE_MONTHS.items():
        outcome = Outcome(joint or "knee", name, evidence_subscale, "change from baseline",
                          months, scale=scale)
        hit = change[change["timepoint"] == timepoint]
        rows.append(EvidenceRow(months=months, measure=m, scale=scale,
                                clinic=None if hit.empty else hit.iloc[0],
                                comparison=compare_with_evidence(library, pools, outcome),
                                single_arms=_single_arms(library, outcome)))
    return rows


@functools.cache
def _published_pools():
    """Return the published pools, parsed once per process (read-only)."""
    return load_published_pools()


def _single_arms(library: Iterable[Study], outcome: Outcome) -> tuple[tuple[str, str, float], ...]:
    return tuple(
        (study.id, result.arm.value, result.estimate)
        for study in library if outcome.joint in study.joints
        for result in study.results
        if result.arm in (Arm.MSC, Arm.PLACEBO) and not result.has_interval
        and outcome.scale in (None, result.scale)
        and (result.instrument, result.subscale, result.measure, result.timepoint_months)
        == (outcome.instrument, outcome.subscale, outcome.measure, outcome.timepoint_months))


@dataclass(frozen=True)
class Drawers:
    """Drawing steps a caller wants run on a read's thread as soon as its numbers exist.

    Drawing a chart is Python work that can go on while PostgreSQL still answers the slower
    reads; each callable draws its own figure, so no figure is shared between threads.
    """

    change: Callable[[pd.DataFrame, Measure], Any] | None = None
    survival: Callable[[KaplanMeier, pd.DataFrame], Any] | None = None


def cohort_summary(episodes: QuerySet, *, measure_key: tuple[str, str] | None,
                   joint: str | None, as_of: dt.date,
                   drawers: Drawers = Drawers(), mode: str | None = None,
                   whole_sites: frozenset[int] | None = None) -> CohortSummary:
    """Compute the dashboard for scoped, filtered EpisodeFact rows.

    `mode` keeps only the scores collected in that mode of administration. `whole_sites`
    (CohortFilter.whole_sites) says that `episodes` holds every joint of those sites, which
    lets the reads skip the per-row site check when no other site is in the registry
    (data.fact_rows).

    The reads are independent, so they run together in one snapshot (snapshot.py), each
    followed on its own thread by the vectorised analytics of what it read: while
    PostgreSQL still works on the slower reads, Python already summarises the faster ones.
    """
    instrument, subscale = measure_key or default_measure(joint)
    m = measure(instrument, subscale, joint)
    whole = {"whole_sites": whole_sites}
    read = read_together({
        # Slowest first: the pool has fewer threads than reads.
        "oarsi": lambda: _oarsi(_oarsi_scores(episodes, joint, mode, **whole)),
        "scores": lambda: _change_and_responders(_measure_scores(episodes, m, mode, **whole),
                                                 m, drawers),
        "visits": lambda: _follow_up(data.visit_counts(episodes, as_of, **whole)),
        "episodes": lambda: _episodes_and_survival(data.cohort_episodes(episodes, **whole),
                                                   as_of, drawers),
        # The event rates are worked out on the read's own thread, with their denominator
        # read there too, so they do not wait for the slower reads to finish.
        "events": lambda: _adverse_events(data.adverse_events_frame(episodes, **whole),
                                          data.injection_count(episodes, **whole)),
        "evidence": lambda: _evidence_scores(episodes, joint, m, mode, **whole),
    })
    frame, (curve, at_risk, follow_median), survival_drawing = read["episodes"]
    change, responders, change_drawing = read["scores"]
    drawings = {name: drawing for name, drawing in
                (("change", change_drawing), ("survival", survival_drawing)) if drawing}
    oarsi, domains = read["oarsi"]
    n_injections = int(frame["injections"].sum()) if not frame.empty else 0
    return CohortSummary(
        as_of=as_of, measure=m,
        n_patients=int(frame["patient_id"].nunique()) if not frame.empty else 0,
        n_episodes=len(frame), n_treated=int(frame["first_treated_on"].notna().sum()),
        n_injections=n_injections, change=change, responders=responders, oarsi=oarsi,
        oarsi_domains=domains, adverse_events=read["events"],
        survival=curve, at_risk=at_risk, median_follow_up_months=follow_median,
        follow_up=read["visits"],
        evidence=_evidence(joint, m, change, read["evidence"]),
        drawings=drawings,
    )


def _change_and_responders(scores: pd.DataFrame, m: Measure, drawers: Drawers
                           ) -> tuple[pd.DataFrame, pd.DataFrame, Any]:
    if m.improvement is not None or m.acceptable is not None:
        change, responders = change_and_responder_rates(
            scores, {(m.instrument, m.subscale): m.thresholds}, baseline=BASELINE,
            timepoints=TIMEPOINTS)
    else:
        change = change_from_baseline(scores, baseline=BASELINE, timepoints=TIMEPOINTS)
        responders = pd.DataFrame()
    drawing = drawers.change(change, m) if drawers.change and not change.empty else None
    return change, responders, drawing


def _episodes_and_survival(frame: pd.DataFrame, as_of: dt.date, drawers: Drawers
                           ) -> tuple[pd.DataFrame, Survival, Any]:
    curve, at_risk, follow_median = _survival(frame, as_of)
    drawing = drawers.survival(curve, at_risk) \
        if drawers.survival and curve is not None and not curve.too_thin else None
    return frame, (curve, at_risk, follow_median), drawing


def scoped_episodes(user: User) -> QuerySet[EpisodeFact]:
    """Return the EpisodeFact rows of the user's sites (accounts.access.scope)."""
    from orthoregen.web.accounts.access import scope

    return scope(EpisodeFact.objects.all(), user)
