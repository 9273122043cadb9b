"""What the consultation shows on other pages: the latest decision of each episode for the
patient page, and the patient's allergies for any later stage (``patient_allergies``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone

from orthoregen.web.consultation.models import Allergy, CandidacyDecision, PatientHistory

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User
    from orthoregen.web.clinic.models import Patient


def latest_decisions(episodes: list) -> dict[int, list[dict]]:
    """Return the latest recorded decision of each episode, marking overrides."""
    panels: dict[int, list[dict]] = {}
    decisions = CandidacyDecision.objects.filter(episode__in=episodes) \
        .order_by("episode_id", "-decided_on", "-id")
    for decision in decisions:
        if decision.episode_id in panels:
            continue
        text = f"{decision.get_outcome_display()} — {decision.get_kind_display().lower()}"
        if decision.defer_until:
            text += f", until {decision.defer_until:%d %b %Y}"
        panels[decision.episode_id] = [{
            "label": "Candidacy", "value": f"{text} ({decision.decided_on:%d %b %Y})"}]
    return panels


@dataclass(frozen=True)
class AllergyLine:
    """One current allergy of a patient, as another stage shows it (a chart flag, a check)."""

    substance: str
    reaction: str
    severity: str  # "mild", "moderate", "severe" or "" (HL7 FHIR R4 reaction severity)
    text: str  # "Penicillin (rash) — severe"
    recorded_on: dt.date
    recorded_by: str


def patient_allergies(patient: Patient | int) -> list[AllergyLine]:
    """Return the patient's current allergies (not those removed as entered in error).

    For later stages and hooks (the chart's alert flags, the procedure room): ``patient``
    must come from the caller's own site scoping (accounts.access.scope); only that
    patient's rows are read. Severe first, then by substance. Reads only; writes nothing.
    An empty list means none recorded; ``allergies_asked`` says whether anyone asked.
    """
    patient_id = patient if isinstance(patient, int) else patient.pk
    rows = Allergy.objects.current().filter(patient_id=patient_id).select_related("recorded_by")
    order = {"severe": 0, "moderate": 1, "mild": 2, "": 3}
    lines = [AllergyLine(substance=row.substance, reaction=row.reaction, severity=row.severity,
                         text=str(row), recorded_on=timezone.localdate(row.recorded_at),
                         recorded_by=_name(row.recorded_by))
             for row in rows]
    return sorted(lines, key=lambda line: (order.get(line.severity, 3), line.substance.lower()))


def allergies_asked(patient: Patient | int) -> bool:
    """Say whether the patient's allergies were asked (no rows then means none known)."""
    patient_id = patient if isinstance(patient, int) else patient.pk
    return PatientHistory.objects.filter(patient_id=patient_id, allergies_reviewed=True).exists()


def _name(user: User | None) -> str:
    if user is None:
        return "(bulk load)"
    return user.get_full_name() or user.get_username()
