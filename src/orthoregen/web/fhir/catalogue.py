"""Which stored rows each FHIR resource type is made from, and how a search narrows them.

A Kind names the model (always read through accounts.access.scope), the relations its
builder needs, the lookup from a row to its patient (for `patient`/`subject`), the API token
area that covers it (api.models.AREAS), and how an id or an identifier finds its row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import Model, OuterRef, Q, QuerySet, Subquery

from orthoregen.web.fhir import codes, resources
from orthoregen.web.fhir.resources import JSON, Context


class SearchError(ValueError):
    """A search parameter the server cannot apply (answered 400 with an OperationOutcome)."""


@dataclass(frozen=True)
class Kind:
    resource_type: str
    model: str  # app label . model name
    related: tuple[str, ...]
    build: Callable[[Any, Context], JSON | list[JSON]]
    patient: str  # lookup from the row to its patient id
    area: str
    id_kind: str
    patient_alternatives: tuple[str, ...] = ()

    def model_class(self) -> type[Model]:
        return apps.get_model(self.model)

    def queryset(self) -> QuerySet[Any]:
        model = self.model_class()
        return model._default_manager.select_related(*self.related).order_by("pk")

    def patient_filter(self, patient_id: int) -> Q:
        condition = Q(**{self.patient: patient_id})
        for path in self.patient_alternatives:
            condition |= Q(**{path: patient_id})
        return condition

    def resources(self, row: Any, ctx: Context) -> list[JSON]:
        built = self.build(row, ctx)
        return built if isinstance(built, list) else [built]


KINDS: dict[str, Kind] = {kind.resource_type: kind for kind in (
    Kind("Patient", "clinic.Patient", ("site",), resources.patient, "pk", "patients",
         "patient"),
    Kind("Condition", "clinic.JointEpisode", ("patient__site",), resources.condition,
         "patient", "patients", "episode"),
    Kind("Encounter", "clinic.Encounter", ("episode__patient__site",), resources.encounter,
         "episode__patient", "patients", "encounter"),
    Kind("Consent", "consultation.ConsentRecord", ("episode__patient__site", "document"),
         resources.consent, "episode__patient", "consultation", "consent"),
    Kind("BiologicallyDerivedProduct", "cellbank.ProductUnit", ("harvest",),
         resources.product, "harvest__patient", "cellbank", "unit",
         ("issued_to_episode__patient",)),
    Kind("Procedure", "cellbank.ProcedureJoint",
         ("procedure__patient__site", "episode", "administration"), resources.procedure,
         "procedure__patient", "procedures", "procedure-joint"),
    Kind("QuestionnaireResponse", "followup.QuestionnaireResponse", ("episode",),
         resources.questionnaire_response, "episode__patient", "followup", "response"),
    Kind("Observation", "followup.QuestionnaireResponse", ("episode",),
         resources.observations, "episode__patient", "followup", "observation"),
    Kind("AdverseEvent", "safety.AdverseEvent", ("patient__site",), resources.adverse_event,
         "patient", "safety", "adverse-event"),
    # MRI studies fulfil follow-up visits: the token area is follow-up's.
    Kind("ImagingStudy", "imaging.MriStudy", ("patient__site", "episode"),
         resources.imaging_study, "patient", "followup", "imaging-study"),
)}
# Instruments, not patient data: built from the core definitions.
QUESTIONNAIRE = "Questionnaire"
EXPORT_ORDER = ("Patient", "Condition", "Encounter", "Consent", "BiologicallyDerivedProduct",
                "Procedure", "QuestionnaireResponse", "Observation", "AdverseEvent",
                "ImagingStudy")


def with_last_updated(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """Annotate each row with the time of its newest history row (django-simple-history)."""
    history = queryset.model.history.model
    newest = history.objects.filter(id=OuterRef("pk")).order_by("-history_date") \
        .values("history_date")[:1]
    return queryset.annotate(last_updated=Subquery(newest))


def row_pk(kind: Kind, resource_id: str) -> tuple[int, str | None]:
    """The row id a resource id names (and, for an Observation, its subscale), or raise."""
    head, _, rest = resource_id.partition(".")
    if not head.isdigit() or len(head) > 18:
        raise SearchError(f"No {kind.resource_type} has the id {resource_id!r}.")
    if kind.resource_type == "Observation":
        if not rest:
            raise SearchError(f"No Observation has the id {resource_id!r}.")
        return int(head), rest
    if rest:
        raise SearchError(f"No {kind.resource_type} has the id {resource_id!r}.")
    return int(head), None


DATE_PREFIXES = {"eq": "date", "ge": "gte", "gt": "gt", "le": "lte", "lt": "lt"}


def _last_updated(value: str) -> Q:
    prefix, text = (value[:2], value[2:]) if value[:2] in DATE_PREFIXES else ("eq", value)
    try:
        if len(text) == 10:
            moment = dt.datetime.combine(dt.date.fromisoformat(text), dt.time.min,
                                         tzinfo=dt.UTC)
        else:
            moment = dt.datetime.fromisoformat(text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=dt.UTC)
    except ValueError:
        raise SearchError(f"_lastUpdated={value!r} is not a date like ge2026-01-31.") from None
    if prefix == "eq":
        return Q(last_updated__date=moment.date())
    return Q(**{f"last_updated__{DATE_PREFIXES[prefix]}": moment})


def _reference_id(kind_name: str, value: str) -> int:
    text = value.rsplit("/", 1)[-1] if "/" in value else value
    if value.count("/") and not value.rsplit("/", 2)[-2] == kind_name:
        raise SearchError(f"{value!r} is not a reference to a {kind_name}.")
    if not text.isdigit() or len(text) > 18:
        raise SearchError(f"{value!r} names no {kind_name}.")
    return int(text)


def _identifier(kind: Kind, value: str) -> Q:
    system, bar, code = value.partition("|")
    if not bar:
        system, code = "", value
    name = kind.resource_type
    if name == "Patient":
        site_code = system.removeprefix(codes.mrn_system("")) if system else ""
        if system and not system.startswith(codes.mrn_system("")):
            return Q(pk__in=[])
        return Q(mrn=code) & (Q(site__code=site_code) if site_code else Q())
    if name == "QuestionnaireResponse":
        return Q(idempotency_key=code) if system in ("", codes.RESPONSE_KEY_SYSTEM) \
            else Q(pk__in=[])
    if name == "BiologicallyDerivedProduct":
        if system == codes.ISBT128_PRODUCT_CODE:
            return Q(product_code=code)
        if system in ("", codes.ISBT128_DIN):
            return Q(identifier__startswith=code) if len(code) >= 13 else Q(identifier=code)
        return Q(identifier=code) if system == codes.record_system("local-unit") \
            else Q(pk__in=[])
    # Other types: orthoregen's own record number, "<site code>/<id>".
    site_code, slash, number = code.rpartition("/")
    if not slash or not number.isdigit():
        return Q(pk__in=[])
    site_path = kind.model_class().SITE_PATH  # type: ignore[attr-defined]
    return Q(pk=int(number), **{f"{site_path}__code": site_code})


SEARCH_PARAMETERS = ("_id", "patient", "subject", "_lastUpdated", "identifier", "_count",
                     "_offset", "_format")


def search(kind: Kind, queryset: QuerySet[Any], params: dict[str, list[str]]) -> QuerySet[Any]:
    """Apply the search parameters; an unknown parameter is refused (400), not ignored."""
    unknown = sorted(set(params) - set(SEARCH_PARAMETERS))
    if unknown:
        raise SearchError(f"Unknown search parameter {', '.join(unknown)}; this server "
                          f"supports {', '.join(SEARCH_PARAMETERS)}.")
    for value in params.get("_id", []):
        ids = [row_pk(kind, one)[0] for one in value.split(",")]
        queryset = queryset.filter(pk__in=ids)
    for name in ("patient", "subject"):
        for value in params.get(name, []):
            if kind.resource_type == "Patient":
                raise SearchError(f"Patient has no {name} search parameter; use _id.")
            queryset = queryset.filter(kind.patient_filter(_reference_id("Patient", value)))
    for value in params.get("_lastUpdated", []):
        queryset = queryset.filter(_last_updated(value))
    for value in params.get("identifier", []):
        condition = Q(pk__in=[])
        for one in value.split(","):
            condition |= _identifier(kind, one)
        queryset = queryset.filter(condition)
    return queryset


def iterate(queryset: QuerySet[Any], *, chunk: int = 2000) -> Iterator[Any]:
    """Rows in primary key order, a chunk at a time (keyset paging: memory stays flat)."""
    last = 0
    while True:
        rows = list(queryset.filter(pk__gt=last)[:chunk])
        if not rows:
            return
        yield from rows
        last = rows[-1].pk
