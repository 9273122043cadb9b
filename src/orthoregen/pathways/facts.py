"""Facts about one patient and one joint episode at the time of a candidacy assessment.

Every fact may be unknown. ``None`` always means "not recorded"; a recorded "no" is
``False`` (for a yes/no fact) or an empty tuple (for a history such as prior
injections). The engine relies on that difference to ask for missing data instead of
passing a rule silently.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from orthoregen.pathways.snapshot import coerce_enum_fields, from_jsonable, to_jsonable
from orthoregen.vocabulary import GRADE_RANGE, SCALES_BY_JOINT, GradeScale, Joint, Sex, Side

# Joint, Side, Sex and GradeScale come from the clinic vocabulary and stay importable from
# here: the pathways' rules and tests read them together with the facts that hold them.


class InjectionAgent(StrEnum):
    """Classify a prior intra-articular injection by agent (docs/candidacy.md#washouts)."""

    CORTICOSTEROID = "corticosteroid"
    HYALURONIC_ACID = "hyaluronic_acid"
    PRP = "prp"
    OTHER_BIOLOGIC = "other_biologic"
    LOCAL_ANAESTHETIC_ONLY = "local_anaesthetic_only"


class JointScope(StrEnum):
    """Say which of the patient's joints a history rule counts (docs/candidacy.md#washouts).

    ``this_joint``: only events in the assessed joint and side (hyaluronic acid into this
    knee); ``any_joint``: an event into any joint of the patient counts (a corticosteroid
    into the other knee or a shoulder, for its systemic exposure).
    """

    THIS_JOINT = "this_joint"
    ANY_JOINT = "any_joint"


class SurgeryKind(StrEnum):
    ARTHROSCOPY = "arthroscopy"
    MENISCECTOMY = "meniscectomy"
    LIGAMENT_RECONSTRUCTION = "ligament_reconstruction"
    CARTILAGE_REPAIR = "cartilage_repair"
    OSTEOTOMY = "osteotomy"
    ROTATOR_CUFF_REPAIR = "rotator_cuff_repair"
    ARTHROPLASTY = "arthroplasty"
    OTHER = "other"


class ConservativeTreatment(StrEnum):
    """Name a non-operative treatment tried before (core OA care, Kolasinski SL et al. 2020)."""

    PHYSIOTHERAPY = "physiotherapy"
    WEIGHT_LOSS = "weight_loss"
    ORAL_NSAID = "oral_nsaid"
    TOPICAL_NSAID = "topical_nsaid"
    PARACETAMOL = "paracetamol"
    BRACE = "brace"
    CORTICOSTEROID_INJECTION = "corticosteroid_injection"
    HYALURONIC_ACID_INJECTION = "hyaluronic_acid_injection"
    PRP_INJECTION = "prp_injection"
    OTHER = "other"


class MalignancyStatus(StrEnum):
    NEVER = "never"
    ACTIVE = "active"
    IN_REMISSION = "in_remission"


class PainScale(StrEnum):
    """Name the baseline pain scale: VAS in mm (0-100) or NRS (0-10)."""

    VAS_MM = "vas_mm"
    NRS = "nrs"


PAIN_SCALE_TOP: dict[PainScale, float] = {PainScale.VAS_MM: 100.0, PainScale.NRS: 10.0}


class ProductSource(StrEnum):
    AUTOLOGOUS = "autologous"
    ALLOGENEIC = "allogeneic"


@dataclass(frozen=True)
class RadiographicGrade:
    scale: GradeScale
    grade: int
    graded_on: date | None = None

    def __post_init__(self) -> None:
        coerce_enum_fields(self)
        lowest, highest = GRADE_RANGE[self.scale]
        if not lowest <= self.grade <= highest:
            raise ValueError(f"{self.scale} grade must be {lowest}-{highest}, got {self.grade}")


@dataclass(frozen=True)
class PainScore:
    scale: PainScale
    value: float
    recorded_on: date | None = None

    def __post_init__(self) -> None:
        coerce_enum_fields(self)
        top = PAIN_SCALE_TOP[self.scale]
        if not 0 <= self.value <= top:
            raise ValueError(f"{self.scale} pain must be 0-{top:g}, got {self.value}")


@dataclass(frozen=True)
class PriorInjection:
    """One injection in the patient's history, into any of the patient's joints.

    The history is the patient's, not one joint's: every joint's assessment reads the same
    rows, and each rule says by its JointScope whether it counts this joint or any joint.
    """

    agent: InjectionAgent
    joint: Joint
    side: Side | None = None
    given_on: date | None = None

    def __post_init__(self) -> None:
        coerce_enum_fields(self)


@dataclass(frozen=True)
class PriorSurgery:
    kind: SurgeryKind
    joint: Joint
    side: Side | None = None
    performed_on: date | None = None

    def __post_init__(self) -> None:
        coerce_enum_fields(self)


@dataclass(frozen=True)
class Malignancy:
    """Describe cancer history; ``last_active_on`` is the last date with known disease."""

    status: MalignancyStatus
    last_active_on: date | None = None

    def __post_init__(self) -> None:
        coerce_enum_fields(self)


@dataclass(frozen=True)
class Comorbidities:
    diabetes: bool | None = None
    inflammatory_arthritis: bool | None = None
    malignancy: Malignancy | None = None
    bleeding_disorder: bool | None = None
    immunodeficiency: bool | None = None
    active_infection: bool | None = None
    pregnant_or_lactating: bool | None = None
    childbearing_potential: bool | None = None
    effective_contraception: bool | None = None
    current_smoker: bool | None = None


@dataclass(frozen=True)
class Medications:
    """Describe current medication; NSAID use is dated because its washout counts days."""

    anticoagulant_or_antiplatelet: bool | None = None
    systemic_corticosteroid: bool | None = None
    immunosuppressant: bool | None = None
    nsaid: bool | None = None
    nsaid_last_dose_on: date | None = None


@dataclass(frozen=True)
class MriFindings:
    avascular_necrosis: bool | None = None
    full_thickness_rotator_cuff_tear: bool | None = None
    bone_marrow_lesions: bool | None = None
    meniscal_or_labral_tear: bool | None = None


@dataclass(frozen=True)
class Examination:
    """Record the examination; ``varus_valgus_degrees`` is the deviation from neutral."""

    varus_valgus_degrees: float | None = None
    mechanical_symptoms: bool | None = None
    effusion: bool | None = None

    def __post_init__(self) -> None:
        if self.varus_valgus_degrees is not None and self.varus_valgus_degrees < 0:
            raise ValueError("varus_valgus_degrees is a magnitude and cannot be negative")


@dataclass(frozen=True)
class LabValue:
    value: float
    collected_on: date


@dataclass(frozen=True)
class Labs:
    """Hold laboratory values: HbA1c in %, ALT and AST in IU/L, creatinine in mg/dL."""

    hba1c_percent: LabValue | None = None
    alt_iu_l: LabValue | None = None
    ast_iu_l: LabValue | None = None
    creatinine_mg_dl: LabValue | None = None


@dataclass(frozen=True)
class TrialParticipation:
    enrolled_now: bool
    last_investigational_product_on: date | None = None


@dataclass(frozen=True)
class CandidacyFacts:
    """Describe a patient and one joint (joint and side) at the time of assessment."""

    joint: Joint
    side: Side
    sex: Sex | None = None
    age_years: int | None = None
    bmi_kg_m2: float | None = None
    radiograph: RadiographicGrade | None = None
    symptom_duration_months: int | None = None
    post_traumatic_oa: bool | None = None
    baseline_pain: PainScore | None = None
    failed_conservative_care: tuple[ConservativeTreatment, ...] | None = None
    # The patient's whole histories, every joint's events (each names its joint and side);
    # rules pick "this joint" or "any joint" (JointScope).
    prior_injections: tuple[PriorInjection, ...] | None = None
    prior_surgeries: tuple[PriorSurgery, ...] | None = None
    comorbidities: Comorbidities = field(default_factory=Comorbidities)
    medications: Medications = field(default_factory=Medications)
    mri: MriFindings = field(default_factory=MriFindings)
    examination: Examination = field(default_factory=Examination)
    labs: Labs = field(default_factory=Labs)
    other_trial: TrialParticipation | None = None
    planned_product_source: ProductSource | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return these facts as a JSON-ready dict (see ``facts_to_dict``)."""
        return facts_to_dict(self)

    def __post_init__(self) -> None:
        coerce_enum_fields(self)
        if self.age_years is not None and self.age_years < 0:
            raise ValueError("age_years cannot be negative")
        if self.bmi_kg_m2 is not None and self.bmi_kg_m2 <= 0:
            raise ValueError("bmi_kg_m2 must be positive")
        if self.symptom_duration_months is not None and self.symptom_duration_months < 0:
            raise ValueError("symptom_duration_months cannot be negative")
        # A grade on a scale the joint's rules do not read would make every grade rule
        # inapplicable, so it is refused here.
        if self.radiograph and self.radiograph.scale not in SCALES_BY_JOINT[self.joint]:
            raise ValueError(f"a {self.joint} is not graded on the {self.radiograph.scale} scale")


def facts_to_dict(facts: CandidacyFacts) -> dict[str, Any]:
    """Return ``facts`` as a JSON-ready dict (dates as ISO strings) for a stored snapshot."""
    return typing.cast(dict[str, Any], to_jsonable(facts))


def facts_from_dict(data: dict[str, Any]) -> CandidacyFacts:
    """Read facts back from ``facts_to_dict`` output; raise SnapshotError naming the field."""
    return from_jsonable(CandidacyFacts, data)
