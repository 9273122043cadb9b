"""The patient's own access log: who at the clinic looked at or changed their record.

The European Health Data Space regulation (Regulation (EU) 2025/327, chapter II, the rights
of natural persons) gives a patient the right to know who accessed their electronic health
data, when, and which data; HIPAA's accounting of disclosures (45 CFR 164.528) asks for less.

The page reads the access trail (audit.services.patient_access_log: the reads) and the
change history of the patient's details, joints and visit notes (django-simple-history: the
changes), and says each in words: a member of staff's name, role and site, the date and
time, and what part of the record, never a URL.

It opens exactly as the results page does: from the browser that submitted a questionnaire,
within RESULTS_SECONDS (portal.views.results), through the session's own patient; the link
itself opens nothing of it, and nor does another patient's session.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from orthoregen.web.audit.models import AccessAction, AccessRecord
from orthoregen.web.audit.services import access_record, patient_access_log
from orthoregen.web.clinic.models import Encounter, JointEpisode, Patient
from orthoregen.web.portal.limits import rate_limited

# What each area of the staff pages holds, in the patient's words (by URL namespace).
AREAS = {
    "consultation": "your consultation: history, assessment, decision and consent",
    "cellbank": "the records of your cell product",
    "procedures": "the record of your procedure",
    "followup": "your follow-up visits and questionnaires",
    "safety": "the record of side effects and complications",
    "registry": "your progress report",
    "imaging": "your MRI scans",
    "api": "your record, through a connected clinic system",
    "fhir": "your record, through a connected clinic system",
    "admin": "your record, in the clinic's administration pages",
}
# Pages of the patient chart itself (no namespace), by URL name.
CHART_PAGES = {
    "patient-detail": "your patient chart",
    "patient-edit": "your personal details",
    "patient-list": "the list of patients",
    "episode-create": "your joints' records",
    "episode-edit": "the record of one of your joints",
    "encounter-create": "your visit notes",
    "encounter-edit": "a visit note",
    "day": "the clinic's list of the day",
}
READ_VERBS = {AccessAction.VIEW: "Looked at", AccessAction.SEARCH: "Found you in",
              AccessAction.EXPORT: "Exported", AccessAction.BULK_LOAD: "Loaded"}
CHANGED = {Patient: "your personal details", JointEpisode: "the record of one of your joints",
           Encounter: "a visit note"}
CHANGE_VERBS = {"+": "Added", "~": "Changed", "-": "Removed"}


@dataclass(frozen=True)
class Entry:
    at: datetime
    who: str
    role: str
    site: str
    what: str


def what_was_read(record: AccessRecord) -> str:
    """Say in words which part of the record an access record is about."""
    verb = READ_VERBS.get(AccessAction(record.action), "Looked at")
    try:
        match = resolve(record.path.split("?")[0])
    except Resolver404:
        return f"{verb} your record"
    if match.namespace.split(":")[0] in AREAS:
        return f"{verb} {AREAS[match.namespace.split(':')[0]]}"
    return f"{verb} {CHART_PAGES.get(match.url_name or '', 'your record')}"


def _person(user: Any, site_name: str) -> tuple[str, str, str]:
    return (user.get_full_name() or user.username, user.get_role_display(), site_name)


def _reads(patient: Patient) -> list[Entry]:
    return [Entry(r.at, *_person(r.user, r.site.name if r.site else patient.site.name),
                  what_was_read(r))
            for r in patient_access_log(patient_id=patient.pk)]


def _changes(patient: Patient) -> list[Entry]:
    histories = [(Patient, Patient.history.filter(id=patient.pk)),
                 (JointEpisode, JointEpisode.history.filter(patient_id=patient.pk)),
                 (Encounter, Encounter.history.filter(episode__patient_id=patient.pk))]
    return [Entry(row.history_date, *_person(row.history_user, patient.site.name),
                  f"{CHANGE_VERBS.get(row.history_type, 'Changed')} {CHANGED[model]}")
            for model, rows in histories
            for row in rows.filter(history_user__isnull=False).select_related("history_user")]


def access_entries(patient: Patient) -> list[Entry]:
    """Every staff read and change of the patient's record, newest first."""
    return sorted([*_reads(patient), *_changes(patient)], key=lambda e: e.at, reverse=True)


@never_cache
@require_GET
@rate_limited
def access_log(request: HttpRequest) -> HttpResponse:
    patient_id = request.session.get("portal_patient")
    patient = Patient.objects.select_related("site").filter(pk=patient_id).first() \
        if patient_id else None
    if patient is None or request.session.get("portal_until", 0) < time.time():
        access_record(request, AccessAction.VIEW, detail="portal: access log refused (no session)")
        return render(request, "portal/refused.html", status=404)
    entries = access_entries(patient)
    access_record(request, AccessAction.VIEW, patient=patient, detail="portal: own access log")
    return render(request, "portal/access_log.html", {
        "entries": entries, "given_name": patient.given_name,
        "results_url": reverse("portal:results")})
