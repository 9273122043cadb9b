"""Follow-up protocol as versioned data: visits, windows, instruments per joint, instructions.

Defaults (docs/follow-up.md): the time points of the clinical pathway the product serves
(visits at 6-8 weeks, 3, 6, 12, 24 and 36 months; MRI at 6 and 12 months; reduced impact for
1-2 weeks), its instruments per joint (knee VAS, WOMAC, KOOS; hip VAS, WOMAC, Harris Hip
Score; shoulder VAS, ASES, range of motion), and common practice after orthobiologic
injections for the post-procedure instructions (`PRAC`,
docs/follow-up.md#post-procedure-instructions).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from orthoregen.pathways.snapshot import from_jsonable, to_jsonable
from orthoregen.products.episode import Joint

KNOWN_INSTRUMENTS = frozenset(
    {
        "vas_pain",
        "nrs_pain",
        "womac_lk31",
        "koos",
        "koos_jr",
        "hoos",
        "hoos_jr",
        "hhs",
        "ases",
        "rom_shoulder",
        "sane",
    }
)


class ReportedBy(StrEnum):
    PATIENT = "patient"
    CLINICIAN = "clinician"


@dataclass(frozen=True)
class InstrumentChoice:
    """One measure due at a visit; the first option is the default, the rest are alternatives."""

    options: tuple[str, ...]
    reported_by: ReportedBy = ReportedBy.PATIENT

    @property
    def default(self) -> str:
        return self.options[0]


@dataclass(frozen=True, kw_only=True)
class VisitSpec:
    """A follow-up time point: target `months` + `days` after administration, and its window."""

    visit_id: str
    label: str
    months: int = 0
    days: int = 0
    days_before: int = 0
    days_after: int = 0
    imaging: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class InstructionSpec:
    """Post-procedure instruction shown from `from_day` to `to_day` (None: no end)."""

    instruction_id: str
    text: str
    from_day: int
    to_day: int | None


@dataclass(frozen=True)
class JointInstruments:
    """The measures due at every visit for one joint; a clinic may change them."""

    joint: Joint
    choices: tuple[InstrumentChoice, ...]


BASELINE_VISIT_ID = "baseline"


@dataclass(frozen=True, kw_only=True)
class BaselineSpec:
    """The pre-treatment time point of every joint episode (docs/follow-up.md#baseline).

    Asked from the candidacy decision that allows treatment; an answer counts as the joint's
    baseline when it was given on or before the day of injection and at most
    `days_before_injection` days before it. Its id is always `baseline`, which the registry
    reads as the reference of every change.
    """

    label: str = "Before treatment"
    days_before_injection: int = 90

    @property
    def visit_id(self) -> str:
        return BASELINE_VISIT_ID


DEFAULT_BASELINE = BaselineSpec()


@dataclass(frozen=True)
class ScheduleProtocol:
    version: str
    visits: tuple[VisitSpec, ...]
    instrument_sets: tuple[JointInstruments, ...]
    instructions: tuple[InstructionSpec, ...] = ()
    # Part of every protocol: a stored protocol without it reads with the default.
    baseline: BaselineSpec = DEFAULT_BASELINE

    def instruments_for(self, joint: Joint) -> tuple[InstrumentChoice, ...]:
        """Return the measures due for `joint`, refusing a protocol that has none for it."""
        for instrument_set in self.instrument_sets:
            if instrument_set.joint == joint:
                return instrument_set.choices
        raise ValueError(f"protocol {self.version} has no instruments for the {joint}")


def protocol_from_json(data: Any) -> ScheduleProtocol:
    """Read a protocol stored as JSON, naming the path of any unknown field or wrong type."""
    return from_jsonable(ScheduleProtocol, data)


def protocol_to_json(protocol: ScheduleProtocol) -> Any:
    """Return the protocol as JSON-ready dicts and lists, for storage and editing."""
    return to_jsonable(protocol)


PAIN = InstrumentChoice(("nrs_pain", "vas_pain"))
WOMAC = InstrumentChoice(("womac_lk31",))

DEFAULT_INSTRUMENTS = (
    JointInstruments(Joint.KNEE, (PAIN, WOMAC, InstrumentChoice(("koos", "koos_jr")))),
    JointInstruments(
        Joint.HIP,
        (
            PAIN,
            WOMAC,
            InstrumentChoice(("hoos", "hoos_jr")),
            InstrumentChoice(("hhs",), ReportedBy.CLINICIAN),
        ),
    ),
    JointInstruments(
        Joint.SHOULDER,
        (
            PAIN,
            InstrumentChoice(("ases",)),
            InstrumentChoice(("rom_shoulder",), ReportedBy.CLINICIAN),
        ),
    ),
)

# Window widths are this project's choice (the sources give time points, not windows): the
# 6-8 week visit is the 6-8 week span itself; later windows widen with distance from the
# procedure and never overlap, so a questionnaire always belongs to exactly one visit.
DEFAULT_VISITS = (
    VisitSpec(visit_id="week_6_8", label="6-8 weeks", days=49, days_before=7, days_after=7),
    VisitSpec(visit_id="month_3", label="3 months", months=3, days_before=14, days_after=14),
    VisitSpec(
        visit_id="month_6",
        label="6 months",
        months=6,
        days_before=28,
        days_after=28,
        imaging=("mri",),
    ),
    VisitSpec(
        visit_id="month_12",
        label="12 months",
        months=12,
        days_before=42,
        days_after=42,
        imaging=("mri",),
    ),
    VisitSpec(visit_id="month_24", label="24 months", months=24, days_before=56, days_after=56),
    VisitSpec(visit_id="month_36", label="36 months", months=36, days_before=56, days_after=56),
)

DEFAULT_INSTRUCTIONS = (
    InstructionSpec(
        instruction_id="relative_rest",
        text=(
            "Relative rest for the first 1-3 days; light walking and gentle movement are "
            "encouraged."
        ),
        from_day=0,
        to_day=3,
    ),
    InstructionSpec(
        instruction_id="reduced_impact",
        text=(
            "Avoid high-impact or strenuous activity (running, jumping, heavy lifting) for 2 weeks."
        ),
        from_day=0,
        to_day=14,
    ),
    InstructionSpec(
        instruction_id="avoid_nsaids",
        text=(
            "Avoid anti-inflammatory painkillers (NSAIDs such as ibuprofen) for 2 weeks; "
            "paracetamol is allowed. Ask before stopping low-dose aspirin."
        ),
        from_day=0,
        to_day=14,
    ),
    InstructionSpec(
        instruction_id="warning_signs",
        text=(
            "Call the clinic at once for fever, increasing redness, discharge from the needle "
            "site, or pain or swelling that gets worse after the first 3 days."
        ),
        from_day=0,
        to_day=None,
    ),
)

DEFAULT_PROTOCOL = ScheduleProtocol(
    version="orthoregen-followup-2026.1",
    visits=DEFAULT_VISITS,
    instrument_sets=DEFAULT_INSTRUMENTS,
    instructions=DEFAULT_INSTRUCTIONS,
)
