"""The ICHOM Hip & Knee Osteoarthritis Standard Set: its measures at its time points.

Rolfson O et al., Arthritis Care Res 2016;68:1631-9 (doi:10.1002/acr.22868) define the set:
joint pain, physical function, health-related quality of life, work status, satisfaction
with the result, and the registry outcomes mortality, reoperations and readmissions, with
outcome measurement every year. ICHOM's page of the set names the measures: the numeric
pain rating scale, KOOS-PS and HOOS-PS, and EQ-5D-3L or SF-12. Method, time points and what
is not covered: docs/ichom.md.

Completeness per measure and time point: n expected, n collected, the percentage with its
Wilson 95 % interval, and a flag where n expected is under MIN_N_TO_CONCLUDE. Read from the
registry's fact tables (refreshed nightly), scoped to the user's sites.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from orthoregen.analytics import MIN_N_TO_CONCLUDE
from orthoregen.analytics.intervals import wilson_interval
from orthoregen.web.registry.measures import BASELINE
from orthoregen.web.registry.models import EpisodeFact, ScoreFact, VisitFact

ROLFSON_2016 = ("Rolfson O, Wissig S, van Maasakkers L, et al. Arthritis Care Res "
                "2016;68(11):1631-9, doi:10.1002/acr.22868")
JOINTS = ("knee", "hip")
# Baseline, then the follow-up visits of the default protocol that carry the set's yearly
# measurement (12 months, 2 years) and the 6-month point (docs/ichom.md#time-points).
TIMEPOINTS = ((BASELINE, "Baseline"), ("month_6", "6 months"), ("month_12", "12 months"),
              ("month_24", "2 years"))


@dataclass(frozen=True)
class IchomMeasure:
    """One outcome of the set and the orthoregen instruments that collect it, per joint."""

    domain: str
    set_measure: str
    instruments: dict[str, tuple[str, ...]]
    note: str = ""
    at_baseline: bool = True

    def instruments_for(self, joint: str) -> tuple[str, ...]:
        return self.instruments.get(joint, ())


MEASURES = (
    IchomMeasure(domain="Joint pain", set_measure="Numeric pain rating scale (NRS)",
                 instruments={"knee": ("nrs_pain",), "hip": ("nrs_pain",)}),
    IchomMeasure(domain="Physical function", set_measure="KOOS-PS (knee), HOOS-PS (hip)",
                 instruments={"knee": ("koos_ps", "koos"), "hip": ("hoos_ps", "hoos")},
                 note="A full KOOS or HOOS counts: it holds every short-form item."),
    IchomMeasure(domain="Health-related quality of life", set_measure="EQ-5D or SF-12",
                 instruments={"knee": ("eq5d5l",), "hip": ("eq5d5l",)},
                 note="Collected as the EQ-5D-5L; the set names the EQ-5D-3L or the SF-12."),
    IchomMeasure(domain="Satisfaction with the result", set_measure="single question",
                 instruments={}, at_baseline=False,
                 note="No satisfaction question is defined in orthoregen: not collected."),
)
NOT_COVERED = ("work status", "mortality", "reoperations", "readmissions")


@dataclass(frozen=True)
class Completeness:
    """One measure at one time point: how many were due and how many answered."""

    measure: IchomMeasure
    timepoint: str
    label: str
    expected: int
    collected: int
    asked: bool  # False where the set does not ask this measure at this time point

    @property
    def percent(self) -> float | None:
        return 100 * self.collected / self.expected if self.asked and self.expected else None

    @property
    def interval(self) -> tuple[float, float] | None:
        if not self.asked or not self.expected:
            return None
        found = wilson_interval(self.collected, self.expected)
        return 100 * found.low, 100 * found.high

    @property
    def too_few(self) -> bool:
        return self.asked and self.expected < MIN_N_TO_CONCLUDE


def _due(episodes: QuerySet[EpisodeFact], timepoint: str, as_of: dt.date) -> set[int]:
    """Episodes whose visit at this time point has closed, or (baseline) that were treated."""
    due = set(VisitFact.objects.filter(episode__in=episodes.values("pk"), timepoint=timepoint,
                                       window_closes__lt=as_of)
              .values_list("episode_id", flat=True))
    if timepoint == BASELINE:
        # Baseline is due before the first injection, with or without a baseline visit row.
        due |= set(episodes.filter(first_treated_on__lte=as_of)
                   .values_list("pk", flat=True))
    return due


def _collected(episodes: QuerySet[EpisodeFact], measure: IchomMeasure,
               timepoint: str) -> set[int]:
    """Episodes with a counted score of one of the measure's instruments for their joint."""
    if not any(measure.instruments_for(joint) for joint in JOINTS):
        return set()
    by_joint = Q(pk__in=[])
    for joint in JOINTS:
        if measure.instruments_for(joint):
            by_joint |= Q(episode__joint=joint,
                          instrument__in=measure.instruments_for(joint))
    return set(ScoreFact.objects.filter(by_joint, episode__in=episodes.values("pk"),
                                        timepoint=timepoint, counts=True)
               .values_list("episode_id", flat=True))


def completeness(episodes: QuerySet[EpisodeFact], *, as_of: dt.date) -> list[Completeness]:
    """Return completeness per measure and time point for scoped hip and knee episodes.

    A joint counts as expected when its visit window has closed (baseline: once treated) or
    when the measure is already in, so an early answer is never "more than 100 %".
    """
    episodes = episodes.filter(joint__in=JOINTS)
    rows = []
    for timepoint, label in TIMEPOINTS:
        due = _due(episodes, timepoint, as_of)
        for measure in MEASURES:
            asked = measure.at_baseline or timepoint != BASELINE
            collected = _collected(episodes, measure, timepoint) if asked else set()
            rows.append(Completeness(measure=measure, timepoint=timepoint, label=label,
                                     expected=len(due | collected) if asked else 0,
                                     collected=len(collected), asked=asked))
    return rows


# A person opens this file (the report page's CSV button): its header row is in words, with
# units. The ICHOM set's own names are the values of the "ICHOM measure" column, unchanged.
CSV_COLUMNS = ["Domain", "ICHOM measure", "Instruments in orthoregen", "Time point",
               "Patients expected (n)", "Patients with the measure (n)", "Completeness (%)",
               "Wilson 95% interval, low (%)", "Wilson 95% interval, high (%)",
               "Too few patients to judge", "Note"]


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def completeness_csv(rows: list[Completeness]) -> str:
    """Return the report as CSV, one row per measure and time point."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        interval = row.interval
        instruments = sorted({i for joint in JOINTS for i in row.measure.instruments_for(joint)})
        writer.writerow([
            row.measure.domain, row.measure.set_measure, " ".join(instruments), row.timepoint,
            row.expected if row.asked else "", row.collected if row.asked else "",
            _number(row.percent), _number(interval[0] if interval else None),
            _number(interval[1] if interval else None),
            ("yes" if row.too_few else "no") if row.asked else "",
            row.measure.note if row.asked else "not asked at this time point"])
    return out.getvalue()
