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
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from orthoregen.web.audit.models import AccessAction, AccessRecord
from orthoregen.web.audit.services import access_record, patient_access_log
from orthoregen.web.clinic.models import Encounter, JointEpisode, Patient
from orthoregen.web.portal.limits import rate_limited
from orthoregen.web.portal.views import in_language

# What each area of the staff pages holds, in the patient's words (by URL namespace).
# Each phrase is whole (verb and object together) so that a translation can order it freely.
AREAS = {
    "consultation": _("your consultation: history, assessment, decision and consent"),
    "cellbank": _("the records of your cell product"),
    "procedures": _("the record of your procedure"),
    "followup": _("your follow-up visits and questionnaires"),
    "safety": _("the record of side effects and complications"),
    "registry": _("your progress report"),
    "imaging": _("your MRI scans"),
    "api": _("your record, through a connected clinic system"),
    "fhir": _("your record, through a connected clinic system"),
    "admin": _("your record, in the clinic's administration pages"),
}
# Pages of the patient chart itself (no namespace), by URL name.
CHART_PAGES = {
    "patient-detail": _("your patient chart"),
    "patient-edit": _("your personal details"),
    "patient-list": _("the list of patients"),
    "episode-create": _("your joints' records"),
    "episode-edit": _("the record of one of your joints"),
    "encounter-create": _("your visit notes"),
    "encounter-edit": _("a visit note"),
    "day": _("the clinic's list of the day"),
}
YOUR_RECORD = _("your record")
READ_VERBS = {AccessAction.VIEW: _("Looked at %(what)s"),
              AccessAction.SEARCH: _("Found you in %(what)s"),
              AccessAction.EXPORT: _("Exported %(what)s"),
              AccessAction.BULK_LOAD: _("Loaded %(what)s")}
CHANGED = {Patient: _("your personal details"),
           JointEpisode: _("the record of one of your joints"), Encounter: _("a visit note")}
CHANGE_VERBS = {"+": _("Added %(what)s"), "~": _("Changed %(what)s"),
                "-": _("Removed %(what)s")}


@dataclass(frozen=True)
class Entry:
    at: datetime
    who: str
    role: str
    site: str
    what: str


def what_was_read(record: AccessRecord) -> str:
    """Say in words which part of the record an access record is about."""
    verb = READ_VERBS.get(AccessAction(record.action), READ_VERBS[AccessAction.VIEW])
    try:
        match = resolve(record.path.split("?")[0])
    except Resolver404:
        return str(verb) % {"what": YOUR_RECORD}
    area = match.namespace.split(":")[0]
    what = AREAS[area] if area in AREAS else CHART_PAGES.get(match.url_name or "", YOUR_RECORD)
    return str(verb) % {"what": what}


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
                  str(CHANGE_VERBS.get(row.history_type, CHANGE_VERBS["~"]))
                  % {"what": CHANGED[model]})
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
    access_record(request, AccessAction.VIEW, patient=patient, detail="portal: own access log")
    return in_language(patient, _page, request, patient)


def _page(request: HttpRequest, patient: Patient) -> HttpResponse:
    # Built inside the patient's language: the phrases are translated as they are read.
    return render(request, "portal/access_log.html", {
        "entries": access_entries(patient), "given_name": patient.given_name,
        "results_url": reverse("portal:results")})
