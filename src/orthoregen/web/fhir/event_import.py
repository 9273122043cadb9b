"""Import of the events of a joint: Encounter, Consent, AdverseEvent and Procedure.

A mixin of importer._Importer, which validates each resource with its R4B model, resolves its
Patient and Condition references and keeps one transaction per bundle. The events have no
identifier that survives the trip between databases, so each is matched on what it records
(docs/fhir.md#import): an encounter on its joint, kind and day; a consent on its joint,
document and day; an adverse event on its patient, term, joint, onset, awareness and grade.
A bundle holding two equal events stores two, and sending it again stores none (the n-th
equal event of a bundle matches the n-th stored one).

A Procedure (an injection of a cell product) is not recreated as an injection session: the
session's record is the chain of custody of a released unit and a passed bedside check, which
another system's resource cannot supply. It is kept as the patient's prior injection of a
biologic into that joint (consultation.PriorInjection, agent other_biologic), which is what
the candidacy washouts read (docs/candidacy.md#washouts).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Model, QuerySet

from orthoregen.products.ae_clock import Seriousness, reporting_due_dates
from orthoregen.web.clinic.models import Encounter, JointEpisode, Patient
from orthoregen.web.clinic.services import encounter_save
from orthoregen.web.clinic.vocabulary import EncounterKind
from orthoregen.web.fhir import codes
from orthoregen.web.fhir.resources import AE_OUTCOME

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User
    from orthoregen.web.fhir.importer import ImportResult, _Entry

M = TypeVar("M", bound=Model)
AE_OUTCOMES = {fhir: ours for ours, fhir in AE_OUTCOME.items()}
PRIOR_BIOLOGIC = "other_biologic"
IMPORTED_DOCUMENT_NOTE = "Imported with a consent record (FHIR Consent.sourceAttachment)."


def _extensions(resource: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for ext in resource.get("extension") or []:
        out.setdefault(str(ext.get("url")), []).append(ext)
    return out


def _day(entry: _Entry, text: Any, what: str) -> dt.date:
    if not text:
        raise entry.refuse(f"needs {what} (a date).")
    return dt.date.fromisoformat(str(text)[:10])


class EventImports:
    """Handlers for the four event types (see the module docstring)."""

    by: User | None
    result: ImportResult
    patients: dict[str, Patient]
    episodes: dict[str, JointEpisode]
    seen: dict[tuple[Any, ...], int]
    _resolve: Callable[..., Any]

    def _matched(self, key: tuple[Any, ...], stored: QuerySet[M]) -> M | None:
        """The stored row this bundle's n-th equal event is, or None to store a new one."""
        n = self.seen.get(key, 0)
        self.seen[key] = n + 1
        return stored.order_by("pk")[n:n + 1].first()

    def _recorder(self, entry: _Entry) -> User:
        if self.by is None:
            raise entry.refuse("no user to record the import as.")
        return self.by

    def _episode(self, entry: _Entry, reference: Any, patient: Patient) -> JointEpisode:
        episode: JointEpisode = self._resolve(entry, reference, self.episodes, JointEpisode,
                                              "joint (Condition)")
        if episode.patient_id != patient.pk:
            raise entry.refuse("the joint belongs to another patient than the subject.")
        return episode

    # ------------------------------------------------------------------ Encounter

    def _encounter(self, entry: _Entry) -> None:
        r = entry.resource
        patient = self._resolve(entry, r.get("subject"), self.patients, Patient, "subject")
        episode = self._episode(entry, (r.get("reasonReference") or [None])[0], patient)
        kind = self._encounter_kind(entry)
        day = _day(entry, (r.get("period") or {}).get("start"), "period.start")
        key = ("Encounter", episode.pk, kind, day)
        found = self._matched(key, Encounter.objects.filter(
            episode=episode, kind=kind, occurred_on=day))
        new = found is None
        if found is None:
            found = encounter_save(episode, kind=kind, occurred_on=day, clinician=None,
                                   by=self._recorder(entry))
        self.result.count("Encounter", new=new, location=f"Encounter/{found.pk}")

    def _encounter_kind(self, entry: _Entry) -> str:
        labels = {label.lower(): value for value, label in EncounterKind.choices}
        for concept in entry.resource.get("type") or []:
            for c in concept.get("coding") or []:
                if c.get("system") == codes.ENCOUNTER_KIND_SYSTEM and \
                        c.get("code") in EncounterKind.values:
                    return str(c["code"])
            text = str(concept.get("text") or "").lower()
            if text in labels:
                return labels[text]
        raise entry.refuse("type names no kind of encounter of this server ("
                           + ", ".join(str(label) for _, label in EncounterKind.choices) + ").")

    # ------------------------------------------------------------------ Consent

    def _consent(self, entry: _Entry) -> None:
        from orthoregen.web.consultation.models import ConsentRecord
        from orthoregen.web.consultation.services import consent_withdraw

        r = entry.resource
        patient = self._resolve(entry, r.get("patient"), self.patients, Patient, "patient")
        extensions = _extensions(r)
        episode = self._episode(entry, (extensions.get(codes.EXT_EPISODE) or [{}])[0]
                                .get("valueReference"), patient)
        document = self._consent_document(entry, patient)
        day = _day(entry, r.get("dateTime"), "dateTime")
        withdrawn = ((r.get("provision") or {}).get("period") or {}).get("end")
        if r.get("status") == "inactive" and not withdrawn:
            raise entry.refuse("an inactive consent needs provision.period.end (the day it "
                               "was withdrawn).")
        key = ("Consent", episode.pk, document.pk, day)
        found = self._matched(key, ConsentRecord.objects.filter(
            episode=episode, document=document, consented_on=day))
        new = found is None
        if found is None:
            as_ = (extensions.get(codes.EXT_CONSENTING_AS) or [{}])[0].get("valueCode")
            person = ((r.get("performer") or [{}])[0].get("display") or "").strip()
            if not person:
                raise entry.refuse("needs performer.display (who gave consent).")
            # taken_by stays empty: the importer did not take this consent; history names them.
            found = ConsentRecord(episode=episode, document=document, consented_on=day,
                                  consenting_as=as_ or "patient", consenting_person=person,
                                  taken_by=None)
            found.full_clean(exclude=["episode", "document", "elements_confirmed"])
            found._history_user = self._recorder(entry)  # type: ignore[attr-defined]
            found.save()
        # A withdrawal sent after the consent was imported is recorded too: treating a joint
        # whose consent was withdrawn elsewhere is what this must never allow.
        if withdrawn and found.withdrawn_on is None:
            consent_withdraw(found, withdrawn_on=_day(entry, withdrawn, "period.end"),
                             reason="Withdrawn, as recorded by the sending system "
                                    "(FHIR import).", by=self._recorder(entry))
        self.result.count("Consent", new=new, location=f"Consent/{found.pk}")

    def _consent_document(self, entry: _Entry, patient: Patient) -> Any:
        """The site's document of that title and version, stored from the attachment if new."""
        from orthoregen.web.consultation.models import ConsentDocument

        attachment = entry.resource.get("sourceAttachment") or {}
        title, _, version = str(attachment.get("title") or "").rpartition(", version ")
        if not title or not version:
            raise entry.refuse("sourceAttachment.title needs the document's title and version "
                               "('<title>, version <version>').")
        try:
            text = base64.b64decode(str(attachment.get("data") or ""), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise entry.refuse("sourceAttachment.data is not base64 UTF-8 text.") from None
        stored = ConsentDocument.objects.filter(site=patient.site, title=title,
                                                version=version).first()
        if stored is not None:
            if text and stored.text != text:
                raise entry.refuse(f"the document {title!r} version {version} here has "
                                   "another wording than the one consented to.")
            return stored
        if not text.strip():
            raise entry.refuse(f"the document {title!r} version {version} is not stored here "
                               "and sourceAttachment.data (its wording) is empty.")
        # A draft, never published: it is the wording consented to elsewhere, not one this
        # site offers (consent_documents refuses to take it further).
        document = ConsentDocument(site=patient.site, title=title, version=version, text=text,
                                   created_by=self._recorder(entry))
        document.full_clean(exclude=["site", "sha256"])
        document.save()
        return document

    # ------------------------------------------------------------------ AdverseEvent

    def _adverseevent(self, entry: _Entry) -> None:
        from orthoregen.web.safety.models import AdverseEvent
        from orthoregen.web.safety.services import (
            adverse_event_dates_check,
            event_facts,
            site_pathways,
        )

        r = entry.resource
        patient = self._resolve(entry, r.get("subject"), self.patients, Patient, "subject")
        extensions = _extensions(r)
        episode_ext = extensions.get(codes.EXT_EPISODE)
        episode = self._episode(entry, episode_ext[0].get("valueReference"), patient) \
            if episode_ext else None
        event = AdverseEvent(patient=patient, episode=episode, **self._ae_fields(entry))
        adverse_event_dates_check(patient, onset_on=event.onset_on, aware_on=event.aware_on,
                                  resolved_on=event.resolved_on)
        key = ("AdverseEvent", patient.pk, event.term, event.onset_on, event.aware_on,
               event.ctcae_grade, episode.pk if episode else None)
        found = self._matched(key, AdverseEvent.objects.filter(
            patient=patient, episode=episode, term=event.term, onset_on=event.onset_on,
            aware_on=event.aware_on, ctcae_grade=event.ctcae_grade))
        new = found is None
        if found is None:
            event.recorded_by = self._recorder(entry)
            event.full_clean(exclude=["patient", "episode", "recorded_at"])
            # The reporting clock as safety.services.adverse_event_record starts it. No alert
            # is mailed: the event was reported in the sending system; a serious one still
            # shows among the site's open serious events (docs/fhir.md#import).
            dues = reporting_due_dates(event_facts(event), event.aware_on,
                                       site_pathways(patient.site))
            event.report_dues = [{"rule_id": d.rule_id, "report": d.report,
                                  "due_on": d.due_on.isoformat(), "basis": d.basis}
                                 for d in dues]
            event._history_user = event.recorded_by  # type: ignore[attr-defined]
            event.save()
            found = event
        self.result.count("AdverseEvent", new=new, location=f"AdverseEvent/{found.pk}")

    def _ae_fields(self, entry: _Entry) -> dict[str, Any]:
        """The AdverseEvent model's fields from the resource, or a refusal naming what lacks."""
        from django.utils import timezone

        r, ext = entry.resource, _extensions(entry.resource)

        def one(url: str, value: str) -> Any:
            found = ext.get(url)
            if not found or found[0].get(value) is None:
                raise entry.refuse(f"needs the extension {url}: orthoregen does not guess a "
                                   "causality, action or grade it was not sent.")
            return found[0][value]
        term = next((c.get("code") for c in (r.get("event") or {}).get("coding") or []
                     if c.get("system") == codes.AE_TERM_SYSTEM), None)
        if not term:
            raise entry.refuse(f"event needs a coding of {codes.AE_TERM_SYSTEM}.")
        criteria = [e.get("valueCode") for e in ext.get(codes.EXT_SERIOUSNESS_CRITERION, [])]
        serious = next((c.get("code") for c in (r.get("seriousness") or {}).get("coding") or []
                        ), None)
        unknown = set(criteria) - set(Seriousness)
        if unknown:
            raise entry.refuse(f"ICH E2A criteria {sorted(map(str, unknown))} are not among "
                               f"{', '.join(Seriousness)}.")
        if (serious == "serious") != bool(criteria):
            raise entry.refuse("seriousness and the ICH E2A criteria (extension "
                               f"{codes.EXT_SERIOUSNESS_CRITERION}) disagree.")
        outcome = next((c.get("code") for c in (r.get("outcome") or {}).get("coding") or []),
                       None)
        if outcome not in AE_OUTCOMES:
            raise entry.refuse(f"outcome {outcome!r} is not one of {', '.join(AE_OUTCOMES)}.")
        resolved = (ext.get(codes.EXT_RESOLVED_ON) or [{}])[0].get("valueDate")
        return {
            "term": term, "term_other": (r.get("event") or {}).get("text", "")
            if term == "other" else "",
            "onset_on": _day(entry, r.get("date"), "date (the onset)"),
            "aware_on": _day(entry, r.get("detected"), "detected (when the clinic knew)"),
            "ctcae_grade": one(codes.EXT_CTCAE_GRADE, "valueInteger"),
            "seriousness": criteria,
            "procedure_relatedness": one(codes.EXT_PROCEDURE_RELATEDNESS, "valueCode"),
            "product_relatedness": one(codes.EXT_PRODUCT_RELATEDNESS, "valueCode"),
            "action": one(codes.EXT_ACTION_TAKEN, "valueCode"),
            "expected": bool(one(codes.EXT_EXPECTED, "valueBoolean")),
            "involves_communicable_disease": bool(one(codes.EXT_COMMUNICABLE, "valueBoolean")),
            "needed_intervention": bool(one(codes.EXT_INTERVENTION, "valueBoolean")),
            "outcome": AE_OUTCOMES[outcome],
            "resolved_on": dt.date.fromisoformat(resolved) if resolved else None,
            "recorded_at": timezone.now(),
        }

    # ------------------------------------------------------------------ Procedure

    def _procedure(self, entry: _Entry) -> None:
        """A prior biologic injection of the joint (the module docstring says why)."""
        from orthoregen.web.cellbank.models import ProcedureJoint
        from orthoregen.web.consultation.models import PriorInjection

        r = entry.resource
        if r.get("status") != "completed":
            raise entry.refuse("only completed procedures are imported.")
        patient = self._resolve(entry, r.get("subject"), self.patients, Patient, "subject")
        episode = self._episode(entry, (r.get("reasonReference") or [None])[0], patient)
        day = _day(entry, r.get("performedDateTime"), "performedDateTime")
        key = ("Procedure", episode.pk, day)
        n = self.seen.get(key, 0)
        self.seen[key] = n + 1
        # Sent back to the database it came from, it is the session already recorded here.
        sessions = list(ProcedureJoint.objects.filter(
            episode=episode, procedure__performed_on=day).order_by("pk").values_list(
            "pk", flat=True))
        if n < len(sessions):
            self.result.count("Procedure", new=False, location=f"Procedure/{sessions[n]}")
            return
        found = PriorInjection.objects.current().filter(
            patient=patient, agent=PRIOR_BIOLOGIC, joint=episode.joint, side=episode.side,
            given_on=day).order_by("pk")[n - len(sessions):n - len(sessions) + 1].first()
        new = found is None
        if found is None:
            by = self._recorder(entry)
            found = PriorInjection(patient=patient, agent=PRIOR_BIOLOGIC, joint=episode.joint,
                                   side=episode.side, given_on=day, recorded_by=by,
                                   entered_by=by)
            found._history_user = by  # type: ignore[attr-defined]
            found.save()
        self.result.count("Procedure", new=new, location=f"PriorInjection/{found.pk}")
