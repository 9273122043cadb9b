"""What the API reads and writes, as django-ninja (pydantic) schemas, hence its OpenAPI.

Outputs name related rows by id (``patient_id``, ``episode_id``) so that a client can follow
them with the read operations; coded values are the stored codes (the vocabularies of the
models), never display labels.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Field, Schema

# The largest primary key either database stores (a signed 64-bit integer): a bigger id in a
# path, query or body is refused as bad input rather than overflowing the database driver.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# No control characters (PostgreSQL refuses NUL in text) in any free-text filter.
PLAIN_TEXT = r"^[^\x00-\x1f\x7f]*$"
# A number as JSON writes it: an integer or a finite decimal; not a string, not true/false.
FiniteNumber = Annotated[float, Field(strict=True, allow_inf_nan=False)]


class Problem(Schema):
    """An RFC 9457 problem-details body (application/problem+json)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] = Field(default_factory=list)


class FieldProblem(Schema):
    field: str = Field(description="The input at fault, e.g. family_name or answers.P1.")
    detail: str
    pointer: str = Field(description="JSON Pointer (RFC 6901) to the field, or empty.")


Problem.model_rebuild()


def page_schema(item: type[Schema], name: str) -> type[Schema]:
    """A page of a list: its items and the cursor of the next page (null on the last)."""
    return type(name, (Schema,), {
        "__annotations__": {"items": list[item], "next_cursor": str | None},  # type: ignore[valid-type]
        "__doc__": f"One page of {item.__name__} rows, in order of id.",
    })


class PatientOut(Schema):
    id: int
    site: str = Field(description="The site's code.")
    mrn: str
    family_name: str
    given_name: str
    date_of_birth: dt.date
    sex: str
    email: str
    phone: str
    address: str
    created_at: dt.datetime

    @staticmethod
    def resolve_site(obj: Any) -> str:
        return obj.site.code


class PatientIn(Schema):
    site: str | None = Field(None, max_length=20, description=(
        "The code of one of your sites; may be left out when you work at one site."))
    mrn: str = Field(max_length=32)
    family_name: str = Field(max_length=100)
    given_name: str = Field(max_length=100)
    date_of_birth: dt.date
    sex: str = Field(max_length=10, description="female, male, other or unknown.")
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=32)
    address: str = Field("", max_length=2000)


class EpisodeOut(Schema):
    id: int
    patient_id: int
    joint: str
    side: str
    diagnosis_code: str = Field(description="ICD-10-CM code.")
    grade_scale: str
    grade: int | None
    symptom_onset: dt.date | None
    created_at: dt.datetime


class DecisionOut(Schema):
    id: int
    episode_id: int
    protocol_id: int
    kind: str
    outcome: str
    defer_until: dt.date | None
    reason: str
    assessed_on: dt.date
    decided_on: dt.date
    decided_by_id: int | None
    decided_at: dt.datetime


class ConsentOut(Schema):
    id: int
    episode_id: int
    document_id: int
    document_title: str
    document_version: str
    consented_on: dt.date
    consenting_as: str
    elements_confirmed: list[Any]
    withdrawn_on: dt.date | None
    withdrawal_reason: str
    recorded_at: dt.datetime

    @staticmethod
    def resolve_document_title(obj: Any) -> str:
        return obj.document.title

    @staticmethod
    def resolve_document_version(obj: Any) -> str:
        return obj.document.version


class ProductUnitOut(Schema):
    id: int
    site: str
    identifier: str = Field(description="ISBT 128 DIN with its check character, or a local id.")
    product_code: str = Field(description="ISBT 128 Product Code (data characters).")
    identifier_kind: str
    product_class: str
    donor_id: int | None
    harvest_id: int | None
    parent_id: int | None
    collected_at: dt.datetime
    expires_at: dt.datetime
    storage: str
    is_cryopreserved: bool
    cell_count: float | None
    viability_pct: float | None
    volume_ml: float | None
    concentration_per_ml: float | None
    status: str
    sterility: str
    issued_to_episode_id: int | None
    thawed_at: dt.datetime | None

    @staticmethod
    def resolve_site(obj: Any) -> str:
        return obj.site.code


class CustodyEventOut(Schema):
    id: int
    unit_id: int
    from_status: str
    to_status: str
    by_id: int
    at: dt.datetime
    location: str
    note: str
    thawed_at: dt.datetime | None


class ProcedureJointOut(Schema):
    id: int
    episode_id: int
    guidance: str
    approach: str
    image_reference: str
    needle_gauge: int | None
    aspirate_volume_ml: float | None
    injectate_volume_ml: float | None
    cell_dose: float | None
    viable_cell_dose: float | None
    adjuncts: str
    complications: str


class ProcedureOut(Schema):
    id: int
    patient_id: int
    performed_on: dt.date
    operator_id: int
    time_out_completed: bool
    notes: str
    joints: list[ProcedureJointOut]

    @staticmethod
    def resolve_joints(obj: Any) -> list[Any]:
        return list(obj.joints.all())


class VisitOut(Schema):
    id: int
    episode_id: int
    timepoint: str
    label: str
    kind: str
    earliest: dt.date
    target: dt.date
    latest: dt.date
    instruments_due: list[str]
    status: str
    completed_on: dt.date | None

    @staticmethod
    def resolve_episode_id(obj: Any) -> int:
        return obj.schedule.episode_id


class ResponseOut(Schema):
    id: int
    episode_id: int
    visit_id: int | None
    timepoint: str
    instrument_id: str
    instrument_version: str
    answers: dict[str, Any]
    scores: dict[str, float | None] = Field(
        description="Subscale id to score at full precision; null when not scorable.")
    completed_on: dt.date
    submitted_at: dt.datetime
    source: str


class ResponseIn(Schema):
    instrument_id: str = Field(max_length=40, pattern=PLAIN_TEXT)
    answers: dict[Annotated[str, Field(max_length=40)],
                  FiniteNumber | None] = Field(
        description="Item id to the answer's code; an absent or null item is not answered.")
    completed_on: dt.date
    source: str = Field(max_length=10, description="paper, telephone, clinician or staff.")
    visit_id: Id | None = Field(None, description="The scheduled visit it answers, if any.")
    timepoint: str | None = Field(
        None, max_length=40, pattern=r"^[a-z0-9_]+$",
        description="baseline or a protocol visit id; taken from the visit when one is given.")


class AdverseEventOut(Schema):
    id: int
    patient_id: int
    episode_id: int | None
    procedure_reference: str
    term: str
    term_other: str
    onset_on: dt.date
    aware_on: dt.date
    ctcae_grade: int
    seriousness: list[str]
    serious: bool
    expected: bool
    involves_communicable_disease: bool
    needed_intervention: bool
    procedure_relatedness: str
    product_relatedness: str
    action: str
    outcome: str
    resolved_on: dt.date | None
    description: str
    report_dues: list[dict[str, Any]]
    reports_done_on: dt.date | None
    responsible_clinician_id: int | None
    recorded_at: dt.datetime

    @staticmethod
    def resolve_serious(obj: Any) -> bool:
        return bool(obj.seriousness)


class AdverseEventIn(Schema):
    episode_id: Id | None = None
    procedure_reference: str = Field("", max_length=64)
    term: str = Field(max_length=30)
    term_other: str = Field("", max_length=200)
    onset_on: dt.date
    aware_on: dt.date
    ctcae_grade: int = Field(ge=1, le=5, description="CTCAE v5.0 grade, 1 to 5.")
    seriousness: list[Annotated[str, Field(max_length=30)]] = Field(
        default_factory=list, max_length=6,
        description="ICH E2A criteria met; empty means not serious.")
    expected: bool = False
    involves_communicable_disease: bool = False
    needed_intervention: bool = False
    procedure_relatedness: str = Field(max_length=15)
    product_relatedness: str = Field(max_length=15)
    action: str = Field(max_length=20)
    outcome: str = Field(max_length=30)
    resolved_on: dt.date | None = None
    description: str = Field("", max_length=5000)
    responsible_clinician_id: Id


class OutcomeEventOut(Schema):
    id: int
    episode_id: int
    kind: str
    occurred_on: dt.date
    note: str


PatientPage = page_schema(PatientOut, "PatientPage")
EpisodePage = page_schema(EpisodeOut, "EpisodePage")
DecisionPage = page_schema(DecisionOut, "DecisionPage")
ConsentPage = page_schema(ConsentOut, "ConsentPage")
ProductUnitPage = page_schema(ProductUnitOut, "ProductUnitPage")
CustodyEventPage = page_schema(CustodyEventOut, "CustodyEventPage")
ProcedurePage = page_schema(ProcedureOut, "ProcedurePage")
VisitPage = page_schema(VisitOut, "VisitPage")
ResponsePage = page_schema(ResponseOut, "ResponsePage")
AdverseEventPage = page_schema(AdverseEventOut, "AdverseEventPage")
OutcomeEventPage = page_schema(OutcomeEventOut, "OutcomeEventPage")
