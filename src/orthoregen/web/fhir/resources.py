"""orthoregen's records as FHIR R4 resources, each built with and validated by fhir.resources.R4B.

One function per resource type takes a stored row (with the relations named in QUERIES
selected) and a Context, and returns the resource as JSON-ready data validated by its R4B
model. The Context says whether the resources are de-identified
(web/registry/DEIDENTIFICATION.md: pseudonymous ids under a key made for one export, no names,
contact details, record numbers, free text or dates, ages above 89 as "90+", days from the
joint's first injection instead of dates) and which instruments' wording the reader may see.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fhir.resources.R4B import get_fhir_model_class

from orthoregen.instruments import get_instrument
from orthoregen.instruments.errors import UnknownInstrumentError
from orthoregen.web.fhir import codes

if TYPE_CHECKING:
    from orthoregen.web.registry.deidentify import Deidentifier

JSON = dict[str, Any]
OLDEST_EXACT_AGE = 89  # as web/registry/deidentify.py


class ResourceInvalid(ValueError):
    """A resource failed validation against its fhir.resources R4B model."""


def validated(resource: JSON) -> JSON:
    """Validate a resource with its R4B model and return it, or raise ResourceInvalid.

    The JSON built here is returned rather than the model's own dump: the models forbid
    unknown elements, so what validates is what is sent, and dumping costs twice the
    validation (bench/bench_fhir_export.py; tests/web/fhir re-validate every export).
    """
    model = get_fhir_model_class(resource["resourceType"])
    try:
        model.model_validate(resource)
    except ValueError as error:  # pydantic's ValidationError is a ValueError
        raise ResourceInvalid(str(error)) from None
    return resource


@dataclass
class Context:
    """How to write resources: identifiable (the default) or de-identified for one export."""

    deidentifier: Deidentifier | None = None
    # De-identified only: each episode's and patient's first injection date.
    episode_treated_on: dict[int, dt.date] = field(default_factory=dict)
    patient_treated_on: dict[int, dt.date] = field(default_factory=dict)
    # Instruments whose wording the reader's sites hold (licence and installed text).
    wording: Callable[[str], Any] | None = None

    @property
    def deidentified(self) -> bool:
        return self.deidentifier is not None

    def id(self, kind: str, key: object) -> str:
        """The resource id: the record id, or its pseudonym (the registry's HMAC method)."""
        if self.deidentifier is None:
            return codes.fhir_id(str(key))
        # Deidentifier.pseudonym's formula, one id at a time (tests/web/fhir checks they agree).
        return hmac.new(self.deidentifier.key, f"{kind}:{key}".encode(),
                        hashlib.sha256).hexdigest()[:16]

    def ref(self, resource_type: str, kind: str, key: object) -> JSON:
        return {"reference": f"{resource_type}/{self.id(kind, key)}"}

    def days(self, day: dt.date | dt.datetime | None, start: dt.date | None) -> int | None:
        if day is None or start is None:
            return None
        if isinstance(day, dt.datetime):
            day = day.date()
        return (day - start).days


def _date(value: dt.date | dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat()


def _site(joint: str, side: str) -> JSON:
    code, display = codes.JOINT_SITE[joint]
    concept: JSON = {"coding": [{"system": codes.SNOMED, "code": code, "display": display}],
                     "text": f"{side} {joint}"}
    if side in codes.LATERALITY:
        lat_code, lat_display = codes.LATERALITY[side]
        concept["extension"] = [{"url": codes.EXT_LATERALITY, "valueCodeableConcept": {
            "coding": [{"system": codes.SNOMED, "code": lat_code, "display": lat_display}]}}]
    return concept


def _days_extension(days: int | None) -> list[JSON]:
    return [] if days is None else [{"url": codes.EXT_DAYS_FROM_TREATMENT,
                                     "valueInteger": days}]


def _when(ctx: Context, value: dt.date | dt.datetime | None,
          start: dt.date | None) -> tuple[str | None, list[JSON]]:
    """A date for identifiable resources; days from treatment (an extension) otherwise."""
    if ctx.deidentified:
        return None, _days_extension(ctx.days(value, start))
    return _date(value), []


def _identifier(ctx: Context, kind: str, site_code: str, pk: int) -> list[JSON]:
    if ctx.deidentified:
        return []
    return [{"system": codes.record_system(kind), "value": f"{site_code}/{pk}"}]


def _clean(resource: JSON) -> JSON:
    return {key: value for key, value in resource.items() if value not in (None, [], {}, "")}


# ---------------------------------------------------------------------------- Patient

def patient(row: Any, ctx: Context) -> JSON:
    resource: JSON = {"resourceType": "Patient", "id": ctx.id("patient", row.pk),
                      "gender": row.sex if row.sex in ("male", "female", "other", "unknown")
                      else "unknown"}
    if ctx.deidentified:
        treated = ctx.patient_treated_on.get(row.pk)
        if treated is not None:
            age = row.age_on(treated)
            resource["extension"] = [{"url": codes.EXT_AGE_AT_TREATMENT,
                                      "valueString": "90+" if age > OLDEST_EXACT_AGE
                                      else str(age)}]
        return validated(resource)
    resource.update({
        "identifier": [{"use": "usual", "system": codes.mrn_system(row.site.code),
                        "value": row.mrn,
                        "type": {"coding": [{
                            "system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                            "code": "MR"}]}}],
        "name": [{"family": row.family_name, "given": [row.given_name]}],
        "birthDate": row.date_of_birth.isoformat(),
        "telecom": ([{"system": "email", "value": row.email}] if row.email else [])
        + ([{"system": "phone", "value": row.phone}] if row.phone else []),
        "address": [{"text": row.address}] if row.address else [],
    })
    return validated(_clean(resource))


# ---------------------------------------------------------------------------- Condition

def condition(row: Any, ctx: Context) -> JSON:
    """The joint's osteoarthritis: one Condition per joint episode."""
    coding = [{"system": codes.ICD10CM, "code": row.diagnosis_code,
               "display": row.get_diagnosis_code_display()}]
    if row.joint in codes.JOINT_OSTEOARTHRITIS:
        code, display = codes.JOINT_OSTEOARTHRITIS[row.joint]
        coding.append({"system": codes.SNOMED, "code": code, "display": display})
    onset, onset_ext = _when(ctx, row.symptom_onset, ctx.episode_treated_on.get(row.pk))
    resource: JSON = {
        "resourceType": "Condition", "id": ctx.id("episode", row.pk),
        "identifier": _identifier(ctx, "joint-episode", row.patient.site.code, row.pk),
        "clinicalStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
            "code": "active"}]},
        "verificationStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
            "code": "confirmed"}]},
        "category": [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-category",
            "code": "problem-list-item"}]}],
        "code": {"coding": coding, "text": f"Osteoarthritis of the {row.side} {row.joint}"},
        "bodySite": [_site(row.joint, row.side)],
        "subject": ctx.ref("Patient", "patient", row.patient_id),
        "onsetDateTime": onset,
        "extension": onset_ext,
    }
    if row.grade is not None:
        resource["stage"] = [{"summary": {"text": f"{row.get_grade_scale_display()} "
                                                  f"grade {row.grade}"},
                              "extension": [{"url": codes.EXT_GRADE,
                                             "valueString": f"{row.grade_scale}:{row.grade}"}]}]
    return validated(_clean(resource))


# ---------------------------------------------------------------------------- Encounter

def encounter(row: Any, ctx: Context) -> JSON:
    start = ctx.episode_treated_on.get(row.episode_id)
    day, ext = _when(ctx, row.occurred_on, start)
    resource: JSON = {
        "resourceType": "Encounter", "id": ctx.id("encounter", row.pk),
        "identifier": _identifier(ctx, "encounter", row.episode.patient.site.code, row.pk),
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                  "code": "AMB", "display": "ambulatory"},
        "type": [{"coding": [{"system": codes.ENCOUNTER_KIND_SYSTEM, "code": row.kind,
                              "display": row.get_kind_display()}],
                  "text": row.get_kind_display()}],
        "subject": ctx.ref("Patient", "patient", row.episode.patient_id),
        "period": {"start": day, "end": day} if day else None,
        "reasonReference": [ctx.ref("Condition", "episode", row.episode_id)],
        "extension": ext,
    }
    return validated(_clean(resource))


# ---------------------------------------------------------------------------- Procedure

def procedure(row: Any, ctx: Context) -> JSON:
    """One joint injected in a session (cellbank.ProcedureJoint)."""
    session = row.procedure
    day, ext = _when(ctx, session.performed_on, ctx.episode_treated_on.get(row.episode_id))
    administered = getattr(row, "administration", None)
    if administered is not None:
        ext = ext + [{"url": codes.EXT_ADMINISTERED_PRODUCT,
                      "valueReference": ctx.ref("BiologicallyDerivedProduct", "unit",
                                                administered.unit_id)}]
    resource: JSON = {
        "resourceType": "Procedure", "id": ctx.id("procedure-joint", row.pk),
        "identifier": _identifier(ctx, "procedure-joint", session.patient.site.code, row.pk),
        "status": "completed",
        "code": {"coding": [{"system": codes.PROCEDURE_SYSTEM,
                             "code": "intra-articular-cell-injection",
                             "display": "Intra-articular injection of a cell product"}],
                 "text": "Intra-articular injection of a cell product"},
        "subject": ctx.ref("Patient", "patient", session.patient_id),
        "performedDateTime": day,
        "bodySite": [_site(row.episode.joint, row.episode.side)],
        "reasonReference": [ctx.ref("Condition", "episode", row.episode_id)],
        "note": [] if ctx.deidentified or not session.notes else [{"text": session.notes}],
        "extension": ext,
    }
    return validated(_clean(resource))


# ---------------------------------------------------------------------------- Product

AVAILABLE = frozenset({"released", "conditionally_released", "returned"})


def product(row: Any, ctx: Context) -> JSON:
    """A product unit: the ISBT 128 DIN and Product Code as identifiers."""
    identifiers: list[JSON] = []
    if not ctx.deidentified:
        if row.identifier_kind == "isbt_din":
            # The DIN is its first 13 characters; a stored flag/check character follows.
            identifiers.append({"system": codes.ISBT128_DIN, "value": row.identifier[:13]})
        else:
            identifiers.append({"system": codes.record_system("local-unit"),
                                "value": row.identifier})
    identifiers.append({"system": codes.ISBT128_PRODUCT_CODE, "value": row.product_code})
    collection: JSON = {}
    if row.harvest_id is not None:
        collection["source"] = ctx.ref("Patient", "patient", row.harvest.patient_id)
    if not ctx.deidentified:
        collection["collectedDateTime"] = _date(row.collected_at)
    resource: JSON = {
        "resourceType": "BiologicallyDerivedProduct", "id": ctx.id("unit", row.pk),
        "identifier": identifiers,
        "productCategory": "cells",
        "productCode": {"coding": [{"system": codes.ISBT128_PRODUCT_CODE,
                                    "code": row.product_code}],
                        "text": row.get_product_class_display()},
        "status": "available" if row.status in AVAILABLE else "unavailable",
        "quantity": 1,
        "parent": [ctx.ref("BiologicallyDerivedProduct", "unit", row.parent_id)]
        if row.parent_id else [],
        "collection": collection,
    }
    return validated(_clean(resource))


# ---------------------------------------------------------------------------- Scores

def _score_code(instrument_id: str, subscale: Any) -> JSON:
    coding = [{"system": codes.SCORE_SYSTEM, "code": f"{instrument_id}.{subscale.id}",
               "display": subscale.name}]
    if subscale.loinc:
        coding.append({"system": codes.LOINC, "code": subscale.loinc})
    return {"coding": coding, "text": f"{instrument_id} {subscale.name}"}


def _unit(subscale: Any) -> JSON:
    if subscale.id.endswith("_deg"):
        return {"unit": "degrees", "system": codes.UCUM, "code": "deg"}
    return {"unit": "score", "system": codes.UCUM, "code": "{score}"}


def observations(row: Any, ctx: Context) -> list[JSON]:
    """One Observation per score and subscale of a questionnaire response."""
    try:
        instrument = get_instrument(row.instrument_id)
    except UnknownInstrumentError:
        return []
    episode = row.episode
    day, ext = _when(ctx, row.completed_on, ctx.episode_treated_on.get(row.episode_id))
    out = []
    for subscale in instrument.subscales:
        value = (row.scores or {}).get(subscale.id)
        if value is None:
            continue
        identifier = [] if ctx.deidentified else [
            {"system": codes.record_system("score"), "value": f"{row.idempotency_key}#"
                                                               f"{subscale.id}"}]
        resource: JSON = {
            "resourceType": "Observation",
            "id": ctx.id("observation", f"{row.pk}.{subscale.id}"),
            "identifier": identifier,
            "status": "final",
            "category": [{"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                "code": "survey"}]}],
            "code": _score_code(row.instrument_id, subscale),
            "subject": ctx.ref("Patient", "patient", episode.patient_id),
            "focus": [ctx.ref("Condition", "episode", row.episode_id)],
            "effectiveDateTime": day,
            "valueQuantity": {"value": value, **_unit(subscale)},
            "bodySite": _site(episode.joint, episode.side),
            "derivedFrom": [ctx.ref("QuestionnaireResponse", "response", row.pk)],
            "extension": ext,
        }
        out.append(validated(_clean(resource)))
    return out


def questionnaire_response(row: Any, ctx: Context) -> JSON:
    """The item answers as codes (never the wording), with the joint and time point."""
    day, ext = _when(ctx, row.submitted_at, ctx.episode_treated_on.get(row.episode_id))
    items = []
    for link_id, value in (row.answers or {}).items():
        if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        answer = {"valueInteger": int(value)} if float(value).is_integer() \
            else {"valueDecimal": value}
        items.append({"linkId": link_id, "answer": [answer]})
    resource: JSON = {
        "resourceType": "QuestionnaireResponse", "id": ctx.id("response", row.pk),
        "identifier": None if ctx.deidentified else {"system": codes.RESPONSE_KEY_SYSTEM,
                                                     "value": row.idempotency_key},
        "questionnaire": f"{codes.QUESTIONNAIRE_URL}/{row.instrument_id}",
        "status": "completed",
        "subject": ctx.ref("Patient", "patient", row.episode.patient_id),
        "authored": day,
        "item": items,
        "extension": ext + [
            {"url": codes.EXT_EPISODE,
             "valueReference": ctx.ref("Condition", "episode", row.episode_id)},
            {"url": codes.EXT_TIMEPOINT, "valueString": row.timepoint},
            {"url": codes.EXT_INSTRUMENT_VERSION, "valueString": row.instrument_version},
        ] + ([] if ctx.deidentified else [
            {"url": f"{codes.BASE}/StructureDefinition/completed-on",
             "valueDate": row.completed_on.isoformat()}]),
    }
    return validated(_clean(resource))


def questionnaire(instrument_id: str, ctx: Context) -> JSON:
    """An instrument's items and codes; wording only where the reader may see it."""
    instrument = get_instrument(instrument_id)
    pack = ctx.wording(instrument_id) if ctx.wording else None
    items = []
    for item in instrument.items:
        entry: JSON = {"linkId": item.id, "type": "choice" if item.scale is None else "decimal",
                       "required": False}
        if pack is not None:
            text = pack.item(item.id)
            entry["text"] = text.text
            if item.scale is None:
                entry["answerOption"] = [{"valueCoding": {"code": code, "display": label}}
                                         for code, label in text.options]
        elif item.scale is None:
            entry["answerOption"] = [{"valueInteger": int(code)} for code in item.options
                                     if float(code).is_integer()] or None
            if entry["answerOption"] is None:
                entry["type"] = "decimal"
        items.append(_clean(entry))
    resource: JSON = {
        "resourceType": "Questionnaire", "id": codes.fhir_id(instrument_id),
        "url": f"{codes.QUESTIONNAIRE_URL}/{instrument_id}",
        "version": instrument.version,
        "name": codes.fhir_id(instrument_id).replace("-", "_").replace(".", "_"),
        "title": pack.title if pack is not None else instrument.name,
        "status": "active",
        "subjectType": ["Patient"],
        "copyright": f"{instrument.licence.owner}: {instrument.licence.terms}",
        "item": items,
    }
    if pack is None and not instrument.licence.ships_wording:
        resource["description"] = ("Item wording withheld: this instrument is licensed and "
                                   "none of your sites holds its licence and text.")
    return validated(_clean(resource))


# ---------------------------------------------------------------------------- Safety

SEVERITY = {1: "mild", 2: "moderate"}
AE_OUTCOME = {"recovering": "recovering", "recovered": "resolved",
              "recovered_with_sequelae": "resolvedWithSequelae", "not_recovered": "ongoing",
              "fatal": "fatal", "unknown": "unknown"}


def adverse_event(row: Any, ctx: Context) -> JSON:
    start = ctx.patient_treated_on.get(row.patient_id)
    onset, ext = _when(ctx, row.onset_on, start)
    aware, _ = _when(ctx, row.aware_on, start)  # de-identified: only the onset's days
    seriousness = "serious" if row.seriousness else "non-serious"
    resource: JSON = {
        "resourceType": "AdverseEvent", "id": ctx.id("adverse-event", row.pk),
        "identifier": None if ctx.deidentified else {
            "system": codes.record_system("adverse-event"),
            "value": f"{row.patient.site.code}/{row.pk}"},
        "actuality": "actual",
        "event": {"coding": [{"system": codes.AE_TERM_SYSTEM, "code": row.term,
                              "display": row.get_term_display()}],
                  "text": row.get_term_display() if ctx.deidentified else row.term_display},
        "subject": ctx.ref("Patient", "patient", row.patient_id),
        "date": onset,
        "detected": aware,
        "seriousness": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness",
            "code": seriousness}]},
        "severity": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/adverse-event-severity",
            "code": SEVERITY.get(row.ctcae_grade, "severe")}]},
        "outcome": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/adverse-event-outcome",
            "code": AE_OUTCOME.get(row.outcome, "unknown")}]},
        "extension": ext + [{"url": codes.EXT_CTCAE_GRADE, "valueInteger": row.ctcae_grade}]
        + _assessment(row, ctx)
        + ([{"url": codes.EXT_EPISODE,
             "valueReference": ctx.ref("Condition", "episode", row.episode_id)}]
           if row.episode_id else []),
    }
    return validated(_clean(resource))


def _assessment(row: Any, ctx: Context) -> list[JSON]:
    """The facts of the reporting clock (codes.EXT_SERIOUSNESS_CRITERION and the rest)."""
    out: list[JSON] = [{"url": codes.EXT_SERIOUSNESS_CRITERION, "valueCode": criterion}
                       for criterion in row.seriousness]
    out += [{"url": codes.EXT_PROCEDURE_RELATEDNESS, "valueCode": row.procedure_relatedness},
            {"url": codes.EXT_PRODUCT_RELATEDNESS, "valueCode": row.product_relatedness},
            {"url": codes.EXT_ACTION_TAKEN, "valueCode": row.action},
            {"url": codes.EXT_EXPECTED, "valueBoolean": row.expected},
            {"url": codes.EXT_COMMUNICABLE, "valueBoolean": row.involves_communicable_disease},
            {"url": codes.EXT_INTERVENTION, "valueBoolean": row.needed_intervention}]
    if row.resolved_on is not None and not ctx.deidentified:
        out.append({"url": codes.EXT_RESOLVED_ON, "valueDate": row.resolved_on.isoformat()})
    return out


# ---------------------------------------------------------------------------- Consent

def consent(row: Any, ctx: Context) -> JSON:
    start = ctx.episode_treated_on.get(row.episode_id)
    day, ext = _when(ctx, row.consented_on, start)
    provision: JSON = {"type": "permit"}
    if row.withdrawn_on is not None and not ctx.deidentified:
        provision["period"] = {"start": row.consented_on.isoformat(),
                               "end": row.withdrawn_on.isoformat()}
    resource: JSON = {
        "resourceType": "Consent", "id": ctx.id("consent", row.pk),
        "identifier": _identifier(ctx, "consent", row.episode.patient.site.code, row.pk),
        "status": "inactive" if row.withdrawn_on else "active",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope",
                              "code": "treatment"}]},
        "category": [{"text": "Informed consent to treatment"}],
        "patient": ctx.ref("Patient", "patient", row.episode.patient_id),
        "dateTime": day,
        # The wording consented to travels with the record (base64, FHIR Attachment.data), so
        # an importer can keep the very document; it holds no patient data.
        "sourceAttachment": {"title": f"{row.document.title}, version {row.document.version}",
                             "contentType": "text/plain; charset=utf-8",
                             "data": base64.b64encode(row.document.text.encode()).decode()},
        "performer": None if ctx.deidentified else [{"display": row.consenting_person}],
        "policyRule": {"text": f"{row.document.title}, version {row.document.version}"},
        "provision": provision,
        "extension": ext + [{"url": codes.EXT_EPISODE,
                             "valueReference": ctx.ref("Condition", "episode",
                                                       row.episode_id)},
                            {"url": codes.EXT_CONSENTING_AS, "valueCode": row.consenting_as}],
    }
    return validated(_clean(resource))


# ---------------------------------------------------------------------------- Imaging

DICOM_DCM = "http://dicom.nema.org/resources/ontology/DCM"


def imaging_study(row: Any, ctx: Context) -> JSON:
    """An MRI study of a treated joint (FHIR R4 ImagingStudy: DICOM UIDs as urn:oid)."""
    episode = row.episode
    uid = row.deidentified_study_uid if ctx.deidentified else row.study_instance_uid
    day, ext = _when(ctx, row.study_date, ctx.episode_treated_on.get(row.episode_id))
    joint_code, joint_display = codes.JOINT_SITE[episode.joint]
    laterality = codes.LATERALITY.get(episode.side)
    modality = {"system": DICOM_DCM, "code": row.modality or "MR"}
    series = []
    for n, one in enumerate(row.series or []):
        entry: JSON = {
            "uid": one.get("uid") if not ctx.deidentified else ctx.id("series", f"{row.pk}.{n}"),
            "number": one.get("number"), "modality": modality,
            "description": None if ctx.deidentified else one.get("description"),
            "numberOfInstances": one.get("instances"),
            "bodySite": {"system": codes.SNOMED, "code": joint_code, "display": joint_display},
            "laterality": {"system": codes.SNOMED, "code": laterality[0],
                           "display": laterality[1]} if laterality else None,
        }
        series.append(_clean({k: v for k, v in entry.items() if v is not None}))
    resource: JSON = {
        "resourceType": "ImagingStudy", "id": ctx.id("imaging-study", row.pk),
        "identifier": [{"system": "urn:dicom:uid", "value": f"urn:oid:{uid}"}] if uid else [],
        "status": "available",
        "modality": [modality],
        "subject": ctx.ref("Patient", "patient", row.patient_id),
        "started": day,
        "numberOfSeries": len(row.series or []),
        "numberOfInstances": row.instances,
        "description": None if ctx.deidentified else row.study_description,
        "reasonReference": [ctx.ref("Condition", "episode", row.episode_id)],
        "series": series,
        "extension": ext,
    }
    return validated(_clean(resource))
