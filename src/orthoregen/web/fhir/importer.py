"""Import FHIR Patient, Condition, Observation and QuestionnaireResponse resources, and the
events of a joint (Encounter, Consent, AdverseEvent, Procedure: event_import.py).

One bundle is one transaction: every resource is validated with its fhir.resources R4B model
and mapped before anything is kept, and the first problem rejects the whole bundle with a
message naming the entry (``Bundle.entry[3].resource``, its type and id). Imports are
idempotent on identifiers: a patient is found by its site's MRN, a joint by its patient,
joint, side and diagnosis, a questionnaire response by its identifier (the response's
idempotency key), so a bundle sent twice stores once. Patients and joints are written through
clinic.services; responses are scored by orthoregen.instruments exactly as the portal does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class

from orthoregen.instruments import get_instrument, instrument_ids, score
from orthoregen.instruments.errors import ResponseError, UnknownInstrumentError
from orthoregen.vocabulary import SCALES_BY_JOINT, Joint
from orthoregen.web.accounts.access import scope
from orthoregen.web.accounts.models import Site
from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.clinic.services import episode_save, patient_save
from orthoregen.web.fhir import codes
from orthoregen.web.fhir.event_import import EventImports

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User

# In the order they are stored: what a resource refers to comes before it.
IMPORTED = ("Patient", "Condition", "QuestionnaireResponse", "Observation", "Encounter",
            "Consent", "AdverseEvent", "Procedure")
SIDES = {code: side for side, (code, _) in codes.LATERALITY.items()}
JOINTS = {code: joint for joint, (code, _) in codes.JOINT_SITE.items()}


class ImportRefused(Exception):
    """The bundle was rejected; nothing of it was kept."""

    def __init__(self, message: str, *, expression: str | None = None,
                 status: int = 422) -> None:
        super().__init__(message)
        self.message, self.expression, self.status = message, expression, status


@dataclass
class ImportResult:
    created: dict[str, int] = field(default_factory=dict)
    existing: dict[str, int] = field(default_factory=dict)
    locations: list[tuple[str, str]] = field(default_factory=list)  # (status, location)

    def count(self, resource_type: str, *, new: bool, location: str) -> None:
        into = self.created if new else self.existing
        into[resource_type] = into.get(resource_type, 0) + 1
        self.locations.append(("201 Created" if new else "200 OK", location))

    def summary(self) -> str:
        return f"created {self.created}, already present {self.existing}"

    def response_bundle(self) -> dict[str, Any]:
        return {"resourceType": "Bundle", "type": "transaction-response",
                "entry": [{"response": {"status": status, "location": location}}
                          for status, location in self.locations]}


@dataclass
class _Entry:
    index: int
    full_url: str
    resource: dict[str, Any]

    @property
    def where(self) -> str:
        return f"Bundle.entry[{self.index}].resource"

    @property
    def name(self) -> str:
        return f"{self.resource.get('resourceType')}/{self.resource.get('id', '?')}"

    def refuse(self, problem: str) -> ImportRefused:
        return ImportRefused(f"{self.where} ({self.name}): {problem}", expression=self.where)


def entries_of(bundle: Any) -> list[_Entry]:
    """The bundle's entries, after checking it is a transaction (or batch, or collection)."""
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise ImportRefused("Send a Bundle resource.", expression="Bundle", status=400)
    if bundle.get("type") not in ("transaction", "batch", "collection"):
        raise ImportRefused(f"Bundle.type {bundle.get('type')!r}: send a transaction.",
                            expression="Bundle.type", status=400)
    raw = bundle.get("entry") or []
    if not isinstance(raw, list):
        raise ImportRefused("Bundle.entry is not a list.", expression="Bundle.entry", status=400)
    out = []
    for index, entry in enumerate(raw):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            raise ImportRefused(f"Bundle.entry[{index}] has no resource.",
                                expression=f"Bundle.entry[{index}]", status=400)
        out.append(_Entry(index, str(entry.get("fullUrl") or ""), resource))
    return out


def bundle_of(resources: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """A transaction bundle of resources (for NDJSON files read by the command line)."""
    return {"resourceType": "Bundle", "type": "transaction",
            "entry": [{"fullUrl": f"{r.get('resourceType')}/{r.get('id')}", "resource": r,
                       "request": {"method": "POST", "url": r.get("resourceType")}}
                      for r in resources]}


def _validate(entry: _Entry) -> None:
    kind = entry.resource.get("resourceType")
    if kind not in IMPORTED:
        raise entry.refuse(f"{kind!r} is not imported here (only {', '.join(IMPORTED)}).")
    try:
        get_fhir_model_class(kind).model_validate(entry.resource)
    except ValueError as error:  # pydantic's ValidationError is a ValueError
        first = str(error).splitlines()
        raise entry.refuse("not a valid FHIR resource: "
                           + " ".join(line.strip() for line in first[:3])) from None


def import_bundle(bundle: Any, *, user: User | None, site: Site | None = None,
                  by: User | None = None) -> ImportResult:
    """Validate, map and store one bundle in one transaction (see the module docstring).

    ``user`` is the caller whose sites bound the import (None for the command line, which
    may write to any site); ``by`` is who the history names (the caller by default).
    Patients go to ``site`` if given, else to the site their MRN identifier names.
    """
    entries = entries_of(bundle)
    for entry in entries:
        _validate(entry)
    with transaction.atomic():
        return _Importer(entries, user=user, site=site, by=by or user).run()


class _Importer(EventImports):
    def __init__(self, entries: list[_Entry], *, user: User | None, site: Site | None,
                 by: User | None) -> None:
        self.entries, self.user, self.site = entries, user, site
        self.result = ImportResult()
        self.patients: dict[str, Patient] = {}
        self.episodes: dict[str, JointEpisode] = {}
        self.responses: dict[str, Any] = {}
        self.seen: dict[tuple[Any, ...], int] = {}  # equal events met so far (EventImports)
        self.by = by

    def run(self) -> ImportResult:
        ordered = sorted(self.entries, key=lambda e: IMPORTED.index(e.resource["resourceType"]))
        for entry in ordered:
            handler = getattr(self, "_" + entry.resource["resourceType"].lower())
            try:
                handler(entry)
            except ImportRefused:
                raise
            except (ValidationError, ValueError, KeyError, TypeError) as error:
                raise entry.refuse(_message(error)) from None
        return self.result

    def _keys(self, entry: _Entry) -> list[str]:
        kind, rid = entry.resource["resourceType"], entry.resource.get("id")
        keys = [f"{kind}/{rid}"] if rid else []
        return keys + ([entry.full_url] if entry.full_url else [])

    def _resolve(self, entry: _Entry, reference: Any, table: dict[str, Any], model: Any,
                 what: str) -> Any:
        text = (reference or {}).get("reference") if isinstance(reference, dict) else None
        if not text:
            raise entry.refuse(f"names no {what}.")
        if text in table:
            return table[text]
        # A reference to a record already stored here, among the caller's sites.
        head, _, tail = text.rpartition("/")
        expected = "Patient" if model is Patient else "Condition"
        if head.endswith(expected) and tail.isdigit() and len(tail) < 19:
            rows = model.objects.filter(pk=int(tail))
            found = (scope(rows, self.user) if self.user is not None else rows).first()
            if found is not None:
                table[text] = found
                return found
        raise entry.refuse(f"{what} {text!r} is neither in this bundle nor stored here.")

    # ------------------------------------------------------------------ Patient

    def _patient(self, entry: _Entry) -> None:
        r = entry.resource
        site, mrn = self._site_and_mrn(entry)
        existing = Patient.objects.filter(site=site, mrn=mrn).first()
        if existing is None:
            name = (r.get("name") or [{}])[0]
            given = (name.get("given") or [""])[0]
            if not name.get("family") or not given or not r.get("birthDate"):
                raise entry.refuse("a new patient needs name.family, name.given and birthDate.")
            if self.by is None:
                raise entry.refuse("no user to record the import as.")
            born = dt.date.fromisoformat(r["birthDate"])
            if born > timezone.localdate():
                raise entry.refuse("birthDate is in the future.")
            telecom = {t.get("system"): t.get("value") for t in r.get("telecom") or []}
            values = {"mrn": mrn, "family_name": name["family"], "given_name": given,
                      "date_of_birth": born, "sex": r.get("gender") or "unknown",
                      "email": telecom.get("email") or "", "phone": telecom.get("phone") or "",
                      "address": (r.get("address") or [{}])[0].get("text") or ""}
            # Lengths, choices and formats are checked before anything is written.
            Patient(site=site, **values).full_clean(validate_unique=False)
            existing = patient_save(None, site=site, by=self.by, **values)
            new = True
        else:
            new = False
        for key in self._keys(entry):
            self.patients[key] = existing
        self.result.count("Patient", new=new, location=f"Patient/{existing.pk}")

    def _site_and_mrn(self, entry: _Entry) -> tuple[Site, str]:
        prefix = codes.mrn_system("")
        for identifier in entry.resource.get("identifier") or []:
            system, value = identifier.get("system") or "", identifier.get("value")
            if not value:
                continue
            if self.site is not None:
                return self._allowed(entry, self.site), value
            if system.startswith(prefix):
                site = Site.objects.filter(code=system.removeprefix(prefix)).first()
                if site is None:
                    raise entry.refuse(f"no site {system.removeprefix(prefix)!r} here.")
                return self._allowed(entry, site), value
        raise entry.refuse(f"needs an MRN identifier (system {prefix}<site code>).")

    def _allowed(self, entry: _Entry, site: Site) -> Site:
        if self.user is not None and not self.user.sites.filter(pk=site.pk).exists():
            raise entry.refuse(f"site {site.code} is not one of yours.")
        return site

    # ------------------------------------------------------------------ Condition

    def _condition(self, entry: _Entry) -> None:
        r = entry.resource
        patient = self._resolve(entry, r.get("subject"), self.patients, Patient, "subject")
        site = (r.get("bodySite") or [{}])[0]
        joint = next((JOINTS[c["code"]] for c in site.get("coding") or []
                      if c.get("system") == codes.SNOMED and c.get("code") in JOINTS), None)
        side = next((SIDES[c["code"]] for ext in site.get("extension") or []
                     if ext.get("url") == codes.EXT_LATERALITY
                     for c in (ext.get("valueCodeableConcept") or {}).get("coding") or []
                     if c.get("code") in SIDES), None)
        if joint is None or side is None:
            raise entry.refuse("bodySite needs a SNOMED CT joint (knee 49076000, hip 24136001, "
                               "shoulder 85537004) and its laterality (right 24028007, "
                               "left 7771000).")
        diagnosis = next((c.get("code") for c in (r.get("code") or {}).get("coding") or []
                          if c.get("system") == codes.ICD10CM), None)
        if not diagnosis:
            raise entry.refuse("code needs an ICD-10-CM coding.")
        scale, grade = SCALES_BY_JOINT[Joint(joint)][0].value, None
        for stage in r.get("stage") or []:
            for ext in stage.get("extension") or []:
                if ext.get("url") == codes.EXT_GRADE:
                    scale, _, number = str(ext.get("valueString")).partition(":")
                    grade = int(number) if number.isdigit() else None
        onset = r.get("onsetDateTime")
        existing = JointEpisode.objects.filter(patient=patient, joint=joint, side=side,
                                               diagnosis_code=diagnosis).first()
        new = existing is None
        if existing is None:
            candidate = JointEpisode(patient=patient, joint=joint, side=side,
                                     diagnosis_code=diagnosis, grade_scale=scale, grade=grade,
                                     symptom_onset=dt.date.fromisoformat(onset[:10])
                                     if onset else None)
            candidate.full_clean(exclude=["patient"])
            if self.by is None:
                raise entry.refuse("no user to record the import as.")
            existing = episode_save(patient, joint=joint, side=side, diagnosis_code=diagnosis,
                                    grade_scale=scale, grade=grade,
                                    symptom_onset=candidate.symptom_onset, by=self.by)
        for key in self._keys(entry):
            self.episodes[key] = existing
        self.result.count("Condition", new=new, location=f"Condition/{existing.pk}")

    # ------------------------------------------------------------------ responses

    def _questionnaireresponse(self, entry: _Entry) -> None:
        from orthoregen.web.followup.models import QuestionnaireResponse, ResponseSource

        r = entry.resource
        canonical = str(r.get("questionnaire") or "").split("|")[0]
        instrument_id = canonical.rsplit("/", 1)[-1]
        if instrument_id not in instrument_ids():
            raise entry.refuse(f"questionnaire {canonical!r} is not an instrument of this "
                               "server (see GET Questionnaire).")
        if r.get("status") != "completed":
            raise entry.refuse("only completed responses are imported.")
        extensions = {ext.get("url"): ext for ext in r.get("extension") or []}
        episode = self._resolve(entry, (extensions.get(codes.EXT_EPISODE) or {})
                                .get("valueReference"), self.episodes, JointEpisode,
                                f"joint (extension {codes.EXT_EPISODE})")
        patient = self._resolve(entry, r.get("subject"), self.patients, Patient, "subject")
        if episode.patient_id != patient.pk:
            raise entry.refuse("the joint belongs to another patient than the subject.")
        answers: dict[str, Any] = {}
        for item in r.get("item") or []:
            for answer in (item.get("answer") or [])[:1]:
                value = answer.get("valueInteger", answer.get("valueDecimal"))
                if value is None:
                    raise entry.refuse(f"item {item.get('linkId')!r}: only integer or decimal "
                                       "answers (the instrument's codes) are imported.")
                answers[item["linkId"]] = value
        try:
            result = score(instrument_id, answers)
        except ResponseError as error:
            raise entry.refuse(f"answers do not fit {instrument_id}: {error}") from None
        identifier = r.get("identifier") or {}
        key = identifier.get("value") or "fhir:" + hashlib.sha256(
            json.dumps(r, sort_keys=True).encode()).hexdigest()
        authored = r.get("authored")
        completed = (extensions.get(f"{codes.BASE}/StructureDefinition/completed-on") or {}) \
            .get("valueDate") or (authored[:10] if authored else None)
        if not completed:
            raise entry.refuse("needs authored (when it was completed).")
        timepoint = (extensions.get(codes.EXT_TIMEPOINT) or {}).get("valueString") or "imported"
        if len(key) > 100 or len(timepoint) > 40:
            raise entry.refuse("the identifier (at most 100 characters) or the time point (at "
                               "most 40) is too long.")
        existing = QuestionnaireResponse.objects.filter(idempotency_key=key).first()
        new = existing is None
        if existing is None:
            submitted = dt.datetime.fromisoformat(authored) if authored and len(authored) > 10 \
                else dt.datetime.combine(dt.date.fromisoformat(completed), dt.time(12),
                                         tzinfo=dt.UTC)
            if timezone.is_naive(submitted):
                submitted = submitted.replace(tzinfo=dt.UTC)
            existing = QuestionnaireResponse.objects.create(
                episode=episode, visit=None,
                timepoint=timepoint,
                instrument_id=instrument_id, instrument_version=result.version,
                answers=answers, scores={s.subscale_id: s.value for s in result.scores},
                completed_on=dt.date.fromisoformat(completed), submitted_at=submitted,
                source=ResponseSource.STAFF, idempotency_key=key)
        for k in self._keys(entry):
            self.responses[k] = existing
        self.result.count("QuestionnaireResponse", new=new,
                          location=f"QuestionnaireResponse/{existing.pk}")

    def _observation(self, entry: _Entry) -> None:
        """A score: checked against the response it was derived from, else stored alone."""
        from orthoregen.web.followup.models import QuestionnaireResponse, ResponseSource

        r = entry.resource
        instrument_id, subscale_id = _score_of(entry)
        value = (r.get("valueQuantity") or {}).get("value")
        if value is None:
            raise entry.refuse("needs valueQuantity.value (the score).")
        derived = [ref.get("reference") for ref in r.get("derivedFrom") or []]
        response = next((self.responses[d] for d in derived if d in self.responses), None)
        if response is not None:
            stored = (response.scores or {}).get(subscale_id)
            if stored is None or abs(float(stored) - float(value)) > 1e-6:
                raise entry.refuse(f"score {value} differs from {stored} scored from the "
                                   "answers of the response it is derived from.")
            self.result.count("Observation", new=False,
                              location=f"QuestionnaireResponse/{response.pk}")
            return
        episode = self._resolve(entry, (r.get("focus") or [None])[0], self.episodes,
                                JointEpisode, "joint (focus)")
        effective = r.get("effectiveDateTime")
        if not effective:
            raise entry.refuse("needs effectiveDateTime.")
        key = next((i.get("value") for i in r.get("identifier") or [] if i.get("value")),
                   None) or hashlib.sha256(json.dumps(r, sort_keys=True).encode()).hexdigest()
        key = f"fhir-observation:{key}"
        if len(key) > 100:
            raise entry.refuse("the identifier is too long (at most 82 characters).")
        existing = QuestionnaireResponse.objects.filter(idempotency_key=key).first()
        if existing is None:
            day = dt.date.fromisoformat(effective[:10])
            existing = QuestionnaireResponse.objects.create(
                episode=episode, visit=None, timepoint="imported", instrument_id=instrument_id,
                instrument_version=get_instrument(instrument_id).version, answers={},
                scores={subscale_id: float(value)}, completed_on=day,
                submitted_at=dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC),
                source=ResponseSource.STAFF, idempotency_key=key)
            self.result.count("Observation", new=True,
                              location=f"QuestionnaireResponse/{existing.pk}")
        else:
            self.result.count("Observation", new=False,
                              location=f"QuestionnaireResponse/{existing.pk}")


def _score_of(entry: _Entry) -> tuple[str, str]:
    """The instrument and subscale an Observation's code names (local code, else LOINC)."""
    coding = (entry.resource.get("code") or {}).get("coding") or []
    for c in coding:
        if c.get("system") == codes.SCORE_SYSTEM:
            instrument_id, _, subscale_id = str(c.get("code")).partition(".")
            try:
                get_instrument(instrument_id).subscale(subscale_id)
            except (UnknownInstrumentError, KeyError):
                raise entry.refuse(f"unknown score {c.get('code')!r}.") from None
            return instrument_id, subscale_id
    for c in coding:
        if c.get("system") == codes.LOINC:
            for instrument_id in sorted(instrument_ids()):
                for subscale in get_instrument(instrument_id).subscales:
                    if subscale.loinc and subscale.loinc == c.get("code"):
                        return instrument_id, subscale.id
    raise entry.refuse("code names no score of this server (its score code or a LOINC code "
                       "of an instrument definition).")


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items()) \
            if hasattr(error, "error_dict") else " ".join(error.messages)
    return str(error)
