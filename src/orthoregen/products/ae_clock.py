"""Adverse event vocabulary and the regulatory reporting clock of a serious event.

Sources: NCI CTCAE v5.0 general grade scale; ICH E2A section II.B (seriousness criteria); a
five-point trial relatedness scale ("related" = possibly, probably or definitely); deadlines
of 21 CFR 1271.350(a) (15 calendar days), 21 CFR 312.32(c) (15 days, 7 days for fatal or
life-threatening), Directive 2004/23/EC Art 11 ("without delay") and 21 CFR 1271.350(b)
(deviations, 45 days), to be read against the current eCFR
(docs/cell-products.md#adverse-events-and-reporting-clocks). Which pathways apply is the
clinic's configuration; every rule is data with its basis.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import IntEnum, StrEnum

CTCAE_VERSION = "5.0"


class CtcaeGrade(IntEnum):
    """CTCAE v5.0 general grade scale (NCI, 27 Nov 2017)."""

    MILD = 1
    MODERATE = 2
    SEVERE = 3
    LIFE_THREATENING = 4
    DEATH = 5


CTCAE_GRADE_DEFINITIONS = {
    CtcaeGrade.MILD: "Mild; asymptomatic or mild symptoms; clinical or diagnostic observations "
    "only; intervention not indicated",
    CtcaeGrade.MODERATE: "Moderate; minimal, local or non-invasive intervention indicated; "
    "limiting age-appropriate instrumental ADL",
    CtcaeGrade.SEVERE: "Severe or medically significant but not immediately life-threatening; "
    "hospitalisation or prolongation indicated; disabling; limiting self-care ADL",
    CtcaeGrade.LIFE_THREATENING: "Life-threatening consequences; urgent intervention indicated",
    CtcaeGrade.DEATH: "Death related to AE",
}


class Seriousness(StrEnum):
    """ICH E2A seriousness criteria; severity (CTCAE grade) is a different question."""

    DEATH = "death"
    LIFE_THREATENING = "life_threatening"
    HOSPITALISATION = "hospitalisation"
    DISABILITY = "disability"
    CONGENITAL_ANOMALY = "congenital_anomaly"
    MEDICALLY_IMPORTANT = "medically_important"


class Relatedness(StrEnum):
    """Five-point trial causality scale (docs/standards.md#relatedness)."""

    NOT_RELATED = "not_related"
    UNLIKELY = "unlikely"
    POSSIBLY = "possibly"
    PROBABLY = "probably"
    DEFINITELY = "definitely"

    @property
    def is_suspected(self) -> bool:
        # "Related" for expedited reporting = possible + probable + definite
        # (docs/standards.md#relatedness).
        return self in {Relatedness.POSSIBLY, Relatedness.PROBABLY, Relatedness.DEFINITELY}


class InjectionEventTerm(StrEnum):
    """Short list of injection-specific terms; OTHER takes free text.

    See docs/cell-products.md#injection-specific-terms.
    """

    POST_INJECTION_FLARE = "post_injection_flare"
    EFFUSION = "effusion"
    SEPTIC_ARTHRITIS = "septic_arthritis"
    HARVEST_SITE_PAIN = "harvest_site_pain"
    HARVEST_SITE_HAEMATOMA = "harvest_site_haematoma"
    VASOVAGAL_REACTION = "vasovagal_reaction"
    ALLERGIC_REACTION = "allergic_reaction"
    OTHER = "other"


class ReportingPathway(StrEnum):
    US_361_HCTP = "us_361_hctp"
    US_IND = "us_ind"
    EU_TISSUES_CELLS = "eu_tissues_cells"


@dataclass(frozen=True)
class AdverseEventFacts:
    seriousness: frozenset[Seriousness]
    expected: bool
    product_relatedness: Relatedness
    procedure_relatedness: Relatedness
    involves_communicable_disease: bool = False
    needed_medical_or_surgical_intervention: bool = False

    def __post_init__(self) -> None:
        # Form values arrive as text; coerce so unknown criteria fail here, not in a rule.
        object.__setattr__(self, "seriousness", frozenset(map(Seriousness, self.seriousness)))
        for name in ("product_relatedness", "procedure_relatedness"):
            object.__setattr__(self, name, Relatedness(getattr(self, name)))

    @property
    def is_serious(self) -> bool:
        return bool(self.seriousness)


@dataclass(frozen=True)
class ReportDue:
    rule_id: str
    report: str
    due_on: date
    basis: str


def reporting_due_dates(
    event: AdverseEventFacts, aware_on: date, pathways: frozenset[ReportingPathway]
) -> tuple[ReportDue, ...]:
    """Return each report the event triggers and its due date, counted from awareness."""
    dues = []
    if ReportingPathway.US_361_HCTP in pathways and _is_361_reportable(event):
        dues.append(
            _due(
                "us_361_adverse_reaction",
                "Form FDA 3500A",
                aware_on,
                15,
                "21 CFR 1271.350(a): 15 calendar days from receipt of information",
            )
        )
    if ReportingPathway.US_IND in pathways and _is_ind_safety_report(event):
        if event.seriousness & {Seriousness.DEATH, Seriousness.LIFE_THREATENING}:
            dues.append(
                _due(
                    "us_ind_fatal_or_life_threatening",
                    "IND safety report",
                    aware_on,
                    7,
                    "21 CFR 312.32: fatal or life-threatening, 7 calendar days",
                )
            )
        dues.append(
            _due(
                "us_ind_safety_report",
                "IND safety report",
                aware_on,
                15,
                "21 CFR 312.32: serious, unexpected, suspected, 15 calendar days",
            )
        )
    if ReportingPathway.EU_TISSUES_CELLS in pathways and _is_eu_serious_reaction(event):
        dues.append(
            _due(
                "eu_serious_adverse_reaction",
                "SAR rapid notification (Annex III A)",
                aware_on,
                0,
                "Directive 2004/23/EC Art 11: without delay",
            )
        )
    return tuple(sorted(dues, key=lambda d: (d.due_on, d.rule_id)))


def deviation_report_due(discovered_on: date) -> ReportDue:
    """Return the HCT/P deviation report due date: 45 days from discovery (1271.350(b))."""
    return _due(
        "us_361_deviation",
        "Form FDA 3486",
        discovered_on,
        45,
        "21 CFR 1271.350(b): 45 days from discovery",
    )


def _is_361_reportable(event: AdverseEventFacts) -> bool:
    # 1271.350(a): a reaction involving a communicable disease that is fatal, life-threatening,
    # permanently impairing, or needing medical or surgical intervention incl. hospitalisation.
    severe = event.seriousness & {
        Seriousness.DEATH,
        Seriousness.LIFE_THREATENING,
        Seriousness.DISABILITY,
        Seriousness.HOSPITALISATION,
    }
    return (
        event.involves_communicable_disease
        and event.product_relatedness.is_suspected
        and bool(severe or event.needed_medical_or_surgical_intervention)
    )


def _is_ind_safety_report(event: AdverseEventFacts) -> bool:
    return event.is_serious and not event.expected and event.product_relatedness.is_suspected


def _is_eu_serious_reaction(event: AdverseEventFacts) -> bool:
    # A serious adverse reaction is associated with procurement or application of the cells.
    related = event.product_relatedness.is_suspected or event.procedure_relatedness.is_suspected
    return event.is_serious and related


def _due(rule_id: str, report: str, start: date, days: int, basis: str) -> ReportDue:
    return ReportDue(rule_id, report, start + timedelta(days=days), basis)
