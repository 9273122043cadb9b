"""The donor's infectious-disease test panel, and the eligibility finding made from its results.

Sources, named beside each test in `PANEL` and explained in docs/donor-eligibility.md:
21 CFR 1271.80 (general testing requirements, specimen timing in 1271.80(b)), 1271.85 (tests by
kind of cells: (a) every donor, (b) viable leukocyte-rich cells), 1271.90 (autologous exception
and its labelling), 1271.65(b) (labelling of an ineligible donor's cells); FDA guidance
"Eligibility Determination for Donors of Human Cells, Tissues, and Cellular and Tissue-Based
Products (HCT/Ps)" (August 2007), and FDA's nucleic acid test guidances for HBV (2016) and for
West Nile virus in living donors (2016); Commission Directive 2006/17/EC Annex II.

The finding is computed, never chosen: a determination of "eligible" is accepted only when this
module finds every required test present, in its specimen window and non-reactive.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from orthoregen.products.product_class import Origin

# Bump when a test, a window or a rule changes, so a stored finding says which panel it used.
PANEL_VERSION = "us-21cfr1271-2026.1"


class Marker(StrEnum):
    ANTIBODY = "antibody"
    ANTIGEN = "antigen"
    NAT = "nat"


class RequiredWhen(StrEnum):
    EVERY_DONOR = "every_donor"
    LEUKOCYTE_RICH = "leukocyte_rich"
    WNV_SEASON = "wnv_season"


class Reactivity(StrEnum):
    """The interpretation of one test of one specimen, as the laboratory reports it."""

    NON_REACTIVE = "non_reactive"
    REACTIVE = "reactive"
    INDETERMINATE = "indeterminate"


@dataclass(frozen=True, kw_only=True)
class PanelTest:
    """One donor test: what it detects, when it is required, and the rule that requires it."""

    id: str
    name: str
    marker: Marker
    required_when: RequiredWhen
    source: str
    # 1271.85(b): a reactive CMV result does not make the donor ineligible; an SOP governs
    # release. Every other test on the panel does.
    reactive_is_ineligible: bool = True


_EVERY, _LEUKOCYTE, _WNV = (
    RequiredWhen.EVERY_DONOR,
    RequiredWhen.LEUKOCYTE_RICH,
    RequiredWhen.WNV_SEASON,
)
_FDA_2007 = "FDA guidance Eligibility Determination for Donors of HCT/Ps (Aug 2007)"
_EU_ANNEX_II = "Directive 2006/17/EC Annex II 1.1"

# Ids are those of the cell lab's recorded analytes, so stored results map one to one.
PANEL: tuple[PanelTest, ...] = (
    PanelTest(
        id="anti_hiv_1_2",
        name="anti-HIV-1/2",
        marker=Marker.ANTIBODY,
        required_when=_EVERY,
        source=f"21 CFR 1271.85(a)(1)-(2); {_EU_ANNEX_II}",
    ),
    PanelTest(
        id="hiv1_nat",
        name="HIV-1 NAT",
        marker=Marker.NAT,
        required_when=_EVERY,
        source=f"21 CFR 1271.85(a)(1); {_FDA_2007}",
    ),
    PanelTest(
        id="hbsag",
        name="HBsAg",
        marker=Marker.ANTIGEN,
        required_when=_EVERY,
        source=f"21 CFR 1271.85(a)(3); {_EU_ANNEX_II}",
    ),
    # Anti-HBc reactive with HBsAg non-reactive is ineligible here, as under FDA (1271.80(d),
    # 2007 guidance); the EU's risk-assessment route (2006/17/EC Annex II 1.3) is not offered.
    PanelTest(
        id="anti_hbc",
        name="anti-HBc (total)",
        marker=Marker.ANTIBODY,
        required_when=_EVERY,
        source=f"21 CFR 1271.85(a)(3); {_FDA_2007}; {_EU_ANNEX_II}",
    ),
    PanelTest(
        id="hbv_nat",
        name="HBV NAT",
        marker=Marker.NAT,
        required_when=_EVERY,
        source=(
            "21 CFR 1271.85(a)(3); FDA guidance Use of Nucleic Acid Tests to Reduce the Risk of "
            "Transmission of Hepatitis B Virus from Donors of HCT/Ps (2016)"
        ),
    ),
    PanelTest(
        id="anti_hcv",
        name="anti-HCV",
        marker=Marker.ANTIBODY,
        required_when=_EVERY,
        source=f"21 CFR 1271.85(a)(4); {_EU_ANNEX_II}",
    ),
    PanelTest(
        id="hcv_nat",
        name="HCV NAT",
        marker=Marker.NAT,
        required_when=_EVERY,
        source=f"21 CFR 1271.85(a)(4); {_FDA_2007}",
    ),
    PanelTest(
        id="syphilis",
        name="Treponema pallidum (syphilis)",
        marker=Marker.ANTIBODY,
        required_when=_EVERY,
        source=f"21 CFR 1271.85(a)(5); {_EU_ANNEX_II} and 1.4",
    ),
    PanelTest(
        id="htlv_1_2",
        name="HTLV-I/II",
        marker=Marker.ANTIBODY,
        required_when=_LEUKOCYTE,
        source="21 CFR 1271.85(b) (viable, leukocyte-rich cells)",
    ),
    PanelTest(
        id="cmv",
        name="CMV",
        marker=Marker.ANTIBODY,
        required_when=_LEUKOCYTE,
        source=(
            "21 CFR 1271.85(b) (viable, leukocyte-rich cells; release of a reactive donor's cells "
            "under an SOP)"
        ),
        reactive_is_ineligible=False,
    ),
    PanelTest(
        id="wnv_nat",
        name="WNV NAT",
        marker=Marker.NAT,
        required_when=_WNV,
        source=(
            "FDA guidance Use of Nucleic Acid Tests to Reduce the Risk of Transmission of West "
            "Nile Virus from Living Donors of HCT/Ps (2016)"
        ),
    ),
)
PANEL_BY_ID = {test.id: test for test in PANEL}


@dataclass(frozen=True)
class SpecimenWindow:
    """Days before and after recovery in which a donor specimen counts (21 CFR 1271.80(b))."""

    days_before: int
    days_after: int

    def includes(self, specimen_date: date, recovered_on: date) -> bool:
        earliest = recovered_on - timedelta(days=self.days_before)
        return earliest <= specimen_date <= recovered_on + timedelta(days=self.days_after)


# 1271.80(b): at recovery, or up to 7 days before or after it.
AT_RECOVERY = SpecimenWindow(days_before=7, days_after=7)
# 1271.80(b)(1): for bone marrow and peripheral blood stem cells, up to 30 days before recovery.
MARROW = SpecimenWindow(days_before=30, days_after=7)


@dataclass(frozen=True)
class Season:
    """A yearly range of days, first and last included, as (month, day); it may wrap the year."""

    first: tuple[int, int]
    last: tuple[int, int]

    def __post_init__(self) -> None:
        for month, day in (self.first, self.last):
            date(2000, month, day)  # a leap year, so 29 February is a valid bound

    def includes(self, day: date) -> bool:
        month_day = (day.month, day.day)
        if self.first <= self.last:
            return self.first <= month_day <= self.last
        return month_day >= self.first or month_day <= self.last


# FDA's 2016 WNV guidance for living HCT/P donors: test specimens recovered from 1 June to
# 31 October each year. A clinic in another climate, or testing all year, passes its own Season.
WNV_SEASON = Season(first=(6, 1), last=(10, 31))
YEAR_ROUND = Season(first=(1, 1), last=(12, 31))


@dataclass(frozen=True, kw_only=True)
class Donation:
    """What decides the panel: whose cells, which cells, when they were recovered."""

    origin: Origin
    recovered_on: date
    is_leukocyte_rich: bool
    specimen_window: SpecimenWindow = AT_RECOVERY
    wnv_season: Season = WNV_SEASON

    def __post_init__(self) -> None:
        object.__setattr__(self, "origin", Origin(self.origin))


@dataclass(frozen=True, kw_only=True)
class RecordedResult:
    """One recorded test result of one donor specimen."""

    test_id: str
    specimen_date: date
    reactivity: Reactivity

    def __post_init__(self) -> None:
        if self.test_id not in PANEL_BY_ID:
            raise ValueError(
                f"unknown donor test {self.test_id!r}; known: {', '.join(sorted(PANEL_BY_ID))}"
            )
        object.__setattr__(self, "reactivity", Reactivity(self.reactivity))


class EligibilityOutcome(StrEnum):
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    AUTOLOGOUS_USE_ONLY = "autologous_use_only"
    INCOMPLETE = "incomplete"


class ReasonKind(StrEnum):
    MISSING = "missing"
    OUT_OF_WINDOW = "out_of_window"
    REACTIVE = "reactive"
    RELEASE_UNDER_SOP = "release_under_sop"


class LabelStatement(StrEnum):
    """Statements the unit's label must carry because of the finding."""

    # 1271.90(c)(1).
    FOR_AUTOLOGOUS_USE_ONLY = "FOR AUTOLOGOUS USE ONLY"
    # 1271.90(c)(2): unless all otherwise applicable screening and testing was performed.
    NOT_EVALUATED = "NOT EVALUATED FOR INFECTIOUS SUBSTANCES"
    # 1271.90(c) and 1271.65(b)(2) when a result is reactive; 2006/86/EC Annex II E in the EU.
    BIOHAZARD_LEGEND = "Biohazard legend"
    ADVISE_PATIENT = "WARNING: Advise patient of communicable disease risks"


@dataclass(frozen=True)
class FindingReason:
    test_id: str
    kind: ReasonKind
    message: str


@dataclass(frozen=True)
class EligibilityFinding:
    """The outcome computed from a donation's test results, with every reason and label."""

    outcome: EligibilityOutcome
    reasons: tuple[FindingReason, ...]
    labels: tuple[LabelStatement, ...]
    donation: Donation
    panel: tuple[str, ...]
    panel_version: str = PANEL_VERSION

    @property
    def is_eligible(self) -> bool:
        return self.outcome is EligibilityOutcome.ELIGIBLE

    def as_record(self) -> dict[str, object]:
        """Return the finding, its panel and the donation facts as JSON-storable values."""
        donation = self.donation
        return {
            "outcome": self.outcome.value,
            "reasons": [
                {"test": r.test_id, "kind": r.kind.value, "message": r.message}
                for r in self.reasons
            ],
            "labels": [label.value for label in self.labels],
            "panel_version": self.panel_version,
            "panel": list(self.panel),
            "donation": {
                "origin": donation.origin.value,
                "recovered_on": donation.recovered_on.isoformat(),
                "is_leukocyte_rich": donation.is_leukocyte_rich,
                "specimen_days_before": donation.specimen_window.days_before,
                "specimen_days_after": donation.specimen_window.days_after,
                "wnv_season": [list(donation.wnv_season.first), list(donation.wnv_season.last)],
            },
        }


def required_panel(donation: Donation) -> tuple[PanelTest, ...]:
    """Return the tests this donation needs (21 CFR 1271.85(a)-(b), FDA WNV NAT guidance 2016).

    An autologous donation gets the same panel: testing it is optional (1271.90(a)(1)), but
    only a complete panel spares its label "NOT EVALUATED FOR INFECTIOUS SUBSTANCES".
    """
    return tuple(test for test in PANEL if _is_required(test, donation))


def _is_required(test: PanelTest, donation: Donation) -> bool:
    match test.required_when:
        case RequiredWhen.EVERY_DONOR:
            return True
        case RequiredWhen.LEUKOCYTE_RICH:
            return donation.is_leukocyte_rich
        case RequiredWhen.WNV_SEASON:
            return donation.wnv_season.includes(donation.recovered_on)


def assess_eligibility(donation: Donation, results: Iterable[RecordedResult]) -> EligibilityFinding:
    """Compute the eligibility finding from recorded results (21 CFR 1271.80, 1271.85, 1271.90).

    Any reactive (or indeterminate) result of a test that makes a donor ineligible counts,
    whatever its specimen date and whether or not the test is required: a later non-reactive
    repeat never clears it. Otherwise each required test needs a non-reactive result of a
    specimen inside the window around recovery.
    """
    recorded = tuple(results)
    panel = required_panel(donation)
    reasons = [*_reactive_reasons(recorded), *_gap_reasons(panel, recorded, donation)]
    outcome, labels = _outcome_and_labels(donation.origin, reasons)
    return EligibilityFinding(
        outcome=outcome,
        reasons=tuple(reasons),
        labels=labels,
        donation=donation,
        panel=tuple(test.id for test in panel),
    )


def _reactive_reasons(recorded: tuple[RecordedResult, ...]) -> list[FindingReason]:
    # An indeterminate result has not shown the agent absent: it counts as reactive, so an
    # unresolved test can never count towards eligibility.
    return [_reactive_reason(r) for r in recorded if r.reactivity is not Reactivity.NON_REACTIVE]


def _reactive_reason(result: RecordedResult) -> FindingReason:
    test = PANEL_BY_ID[result.test_id]
    said = f"{test.name} {result.reactivity.value} (specimen of {result.specimen_date.isoformat()})"
    if test.reactive_is_ineligible:
        return FindingReason(test.id, ReasonKind.REACTIVE, said)
    said += ": release only under the establishment's SOP (21 CFR 1271.85(b))"
    return FindingReason(test.id, ReasonKind.RELEASE_UNDER_SOP, said)


def _gap_reasons(
    panel: tuple[PanelTest, ...], recorded: tuple[RecordedResult, ...], donation: Donation
) -> list[FindingReason]:
    reasons = []
    for test in panel:
        results = [r for r in recorded if r.test_id == test.id]
        reactive = any(r.reactivity is not Reactivity.NON_REACTIVE for r in results)
        if reactive and test.reactive_is_ineligible:
            continue  # already a reason that makes the donor ineligible
        window, recovered_on = donation.specimen_window, donation.recovered_on
        if not results:
            said = f"{test.name}: no result recorded"
            reasons.append(FindingReason(test.id, ReasonKind.MISSING, said))
        elif not any(window.includes(r.specimen_date, recovered_on) for r in results):
            said = _window_message(test, donation)
            reasons.append(FindingReason(test.id, ReasonKind.OUT_OF_WINDOW, said))
    return reasons


def _window_message(test: PanelTest, donation: Donation) -> str:
    window = donation.specimen_window
    return (
        f"{test.name}: no specimen from {window.days_before} days before to "
        f"{window.days_after} days after recovery on {donation.recovered_on.isoformat()} "
        "(21 CFR 1271.80(b))"
    )


def _outcome_and_labels(
    origin: Origin, reasons: list[FindingReason]
) -> tuple[EligibilityOutcome, tuple[LabelStatement, ...]]:
    kinds = {reason.kind for reason in reasons}
    is_reactive = ReasonKind.REACTIVE in kinds
    is_incomplete = bool(kinds & {ReasonKind.MISSING, ReasonKind.OUT_OF_WINDOW})
    hazard = (LabelStatement.BIOHAZARD_LEGEND, LabelStatement.ADVISE_PATIENT)
    if origin is Origin.AUTOLOGOUS:
        # 1271.90(a)(1): no eligibility determination is needed for autologous use. Any
        # reactive result, CMV included, warns those who handle the unit (1271.90(c)).
        untested = (LabelStatement.NOT_EVALUATED,) if is_incomplete else ()
        warned = hazard if is_reactive or ReasonKind.RELEASE_UNDER_SOP in kinds else ()
        labels = (LabelStatement.FOR_AUTOLOGOUS_USE_ONLY, *untested, *warned)
        return EligibilityOutcome.AUTOLOGOUS_USE_ONLY, labels
    if is_reactive:
        return EligibilityOutcome.INELIGIBLE, hazard
    if is_incomplete:
        return EligibilityOutcome.INCOMPLETE, ()
    return EligibilityOutcome.ELIGIBLE, ()
