"""Find the clinic's earlier treated joints like a new patient's, widening step by step.

The earlier joints are matched on joint, radiographic grade (same scale), age band, BMI band
and, where there are enough, cell source (docs/statistics.md#patients-like-you). When fewer
than `target_n` match, the match widens one step at a time, each step keeping the ones
before it:

1. any cell source. Placebo-controlled trials have not shown one product to do better than
   another (Dai W et al., Arthroscopy 2021;37:340-58, doi:10.1016/j.arthro.2020.10.016: MSC
   no different from placebo; Yin F et al., Front Med 2025;12:1636181,
   doi:10.3389/fmed.2025.1636181: half or more of the improvement is contextual), and the
   source is the clinic's choice, not a trait of the patient;
2. the neighbouring BMI bands (WHO classes, 5 kg/m² wide). BMI shifts the risk of knee
   replacement modestly (lifetime risk 24 % at BMI 25, 32 % at 35: Burn E et al.,
   Osteoarthritis Cartilage 2019, doi:10.1016/j.joca.2019.06.004);
3. the neighbouring age bands (ten years). That age is widened after BMI is a judgement, not a
   finding: no source found ranks the two for injection outcomes;
4. the neighbouring grades on the same scale. Grade goes last because severity separates
   patients most: trials enrol KL 2-3, consensus expects less benefit at KL 4 (de Girolamo L
   et al., Knee Surg Sports Traumatol Arthrosc 2025, doi:10.1002/ksa.70001), and the
   candidacy rules ask for a reason at KL 4, where arthroplasty is the alternative
   (docs/candidacy.md).

The joint is never widened, and grades on different scales are never mixed (KL 3 is not
Tönnis 2): a patient unlike any earlier one gets fewer matches, not borrowed ones.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from orthoregen.analytics.thin import MIN_N_TO_CONCLUDE
from orthoregen.vocabulary import GRADE_RANGE, GradeScale, Joint, LabelledEnum

BMI_BAND_LOWER_EDGES_KG_M2 = (18.5, 25.0, 30.0, 35.0, 40.0)


class AgeBand(LabelledEnum):
    """Name a ten-year band of age at treatment, youngest first."""

    UNDER_40 = "under_40", "Under 40"
    FORTIES = "40_49", "40-49"
    FIFTIES = "50_59", "50-59"
    SIXTIES = "60_69", "60-69"
    SEVENTIES = "70_79", "70-79"
    EIGHTY_PLUS = "80_plus", "80 and over"


class BmiBand(LabelledEnum):
    """Name a BMI class of WHO Technical Report Series 894 (2000), lightest first."""

    UNDERWEIGHT = "under_18_5", "Under 18.5"
    NORMAL = "18_5_to_24_9", "18.5-24.9"
    PRE_OBESE = "25_to_29_9", "25-29.9"
    OBESE_I = "30_to_34_9", "30-34.9"
    OBESE_II = "35_to_39_9", "35-39.9"
    OBESE_III = "40_plus", "40 and over"


def age_band(age_years: float) -> AgeBand:
    """Return the ten-year band of an age at treatment, in years."""
    if not age_years >= 0:
        raise ValueError(f"age must be 0 or more years, got {age_years}")
    bands = list(AgeBand)
    return bands[min(max(int(age_years // 10) - 3, 0), len(bands) - 1)]


def bmi_band(bmi_kg_m2: float) -> BmiBand:
    """Return the WHO class of a BMI in kg/m² (each lower edge belongs to its class)."""
    if not bmi_kg_m2 > 0:
        raise ValueError(f"BMI must be positive, got {bmi_kg_m2}")
    return list(BmiBand)[bisect.bisect_right(BMI_BAND_LOWER_EDGES_KG_M2, bmi_kg_m2)]


@dataclass(frozen=True)
class Profile:
    """What the match compares: a treated joint's grade, the patient's bands, the cell source.

    `cell_source` is the product class (e.g. "bmac"); None when not yet chosen or unknown,
    in which case the match never asks for it.
    """

    joint: Joint
    grade_scale: GradeScale
    grade: int
    age_band: AgeBand
    bmi_band: BmiBand
    cell_source: str | None = None

    def __post_init__(self) -> None:
        # Text from a form or a database row becomes the member, and "elbow" fails here.
        enums: tuple[tuple[str, type[LabelledEnum]], ...] = (
            ("joint", Joint),
            ("grade_scale", GradeScale),
            ("age_band", AgeBand),
            ("bmi_band", BmiBand),
        )
        for name, enum in enums:
            object.__setattr__(self, name, enum(getattr(self, name)))
        if not GRADE_RANGE[self.grade_scale].includes(self.grade):
            raise ValueError(f"{self.grade_scale.label} has no grade {self.grade}")


@dataclass(frozen=True)
class FollowUp:
    """One follow-up visit of an earlier joint.

    `change` is follow-up minus baseline on the measure's own scale and sign, None (or NaN,
    read as None) when not scored; `window_closed` says whether the visit's window has closed,
    so that a missing change means lost to follow-up rather than not yet due.
    """

    change: float | None
    window_closed: bool

    def __post_init__(self) -> None:
        if self.change is not None and math.isnan(self.change):
            object.__setattr__(self, "change", None)

    @property
    def is_lost(self) -> bool:
        """Return True when the window closed without a score."""
        return self.change is None and self.window_closed


@dataclass(frozen=True)
class TreatedJoint:
    """One earlier treated joint of the clinic, on one measure (e.g. VAS pain)."""

    profile: Profile
    baseline: float | None
    month_6: FollowUp
    month_12: FollowUp
    months_to_replacement_or_censoring: float
    replaced: bool
    injections: int
    adverse_events: int

    def __post_init__(self) -> None:
        scored = self.month_6.change is not None or self.month_12.change is not None
        if scored and self.baseline is None:
            raise ValueError("a change from baseline needs a baseline")
        if not self.months_to_replacement_or_censoring >= 0:
            raise ValueError("time to replacement or censoring must be 0 or more months")
        if self.injections < 1 or self.adverse_events < 0:
            raise ValueError("a treated joint has at least one injection and no negative events")

    def follow_up(self, months: int) -> FollowUp:
        """Return the follow-up visit at 6 or 12 months."""
        return {6: self.month_6, 12: self.month_12}[months]


class Widening(Enum):
    """A step of the match, in the order applied; each keeps the widenings before it."""

    NONE = "joint, grade, age band, BMI band and cell source"
    ANY_CELL_SOURCE = "any cell source"
    NEIGHBOURING_BMI_BANDS = "BMI band and its neighbours"
    NEIGHBOURING_AGE_BANDS = "age band and its neighbours"
    NEIGHBOURING_GRADES = "grade and its neighbours on the same scale"


@dataclass(frozen=True)
class MatchStep:
    """One step of the match: what was widened, the criteria in words, how many matched."""

    widening: Widening
    criteria: str
    n: int


@dataclass(frozen=True)
class Match:
    """The earlier joints like this one and the steps that found them."""

    joints: tuple[TreatedJoint, ...]
    steps: tuple[MatchStep, ...]

    @property
    def n(self) -> int:
        """Return how many earlier joints matched at the last step."""
        return len(self.joints)


def match_cohort(
    profile: Profile, cohort: Iterable[TreatedJoint], *, target_n: int = MIN_N_TO_CONCLUDE
) -> Match:
    """Return the earlier joints like this one, widening step by step until `target_n` match.

    Order and reasons: see the module docstring. Without a cell source in the profile the
    first step is `ANY_CELL_SOURCE`. Stops at the first step reaching `target_n`, else after
    the last; the joint is never widened.
    """
    cohort = tuple(cohort)
    steps: list[MatchStep] = []
    joints: tuple[TreatedJoint, ...] = ()
    for widening in _ladder(profile):
        joints = tuple(j for j in cohort if _is_alike(profile, j.profile, widening))
        steps.append(MatchStep(widening, _criteria(profile, widening), len(joints)))
        if len(joints) >= target_n:
            break
    return Match(joints, tuple(steps))


def _ladder(profile: Profile) -> list[Widening]:
    ladder = list(Widening)
    return ladder if profile.cell_source is not None else ladder[1:]


def _reach(widening: Widening, step: Widening) -> int:
    # How many bands either side: 1 once `step` is among the widenings applied so far.
    order = list(Widening)
    return int(order.index(widening) >= order.index(step))


def _is_alike(profile: Profile, other: Profile, widening: Widening) -> bool:
    if (other.joint, other.grade_scale) != (profile.joint, profile.grade_scale):
        return False
    if widening is Widening.NONE and other.cell_source != profile.cell_source:
        return False
    return (
        abs(other.grade - profile.grade) <= _reach(widening, Widening.NEIGHBOURING_GRADES)
        and _band_distance(other.age_band, profile.age_band)
        <= _reach(widening, Widening.NEIGHBOURING_AGE_BANDS)
        and _band_distance(other.bmi_band, profile.bmi_band)
        <= _reach(widening, Widening.NEIGHBOURING_BMI_BANDS)
    )


def _band_distance(a: AgeBand | BmiBand, b: AgeBand | BmiBand) -> int:
    members = list(type(a))
    return abs(members.index(a) - members.index(b))


def _criteria(profile: Profile, widening: Widening) -> str:
    scale = GRADE_RANGE[profile.grade_scale]
    reach = _reach(widening, Widening.NEIGHBOURING_GRADES)
    low, high = max(profile.grade - reach, scale.lowest), min(profile.grade + reach, scale.highest)
    grade = str(low) if low == high else f"{low}-{high}"
    age = _band_words(profile.age_band, _reach(widening, Widening.NEIGHBOURING_AGE_BANDS))
    bmi = _band_words(profile.bmi_band, _reach(widening, Widening.NEIGHBOURING_BMI_BANDS))
    source = "any cell source"
    if widening is Widening.NONE:
        source = f"cell source {profile.cell_source}"
    where = f"{profile.joint.label}, {profile.grade_scale.label} {grade}"
    return f"{where}, age {age}, BMI {bmi}, {source}"


def _band_words(band: AgeBand | BmiBand, reach: int) -> str:
    members = list(type(band))
    i = members.index(band)
    low, high = members[max(i - reach, 0)], members[min(i + reach, len(members) - 1)]
    return band.label if low is high else f"{low.label} to {high.label}"
