"""Units of work on patient records: each saves in one transaction.

Each takes the values to record, never a form: the views validate the forms and pass the
cleaned values by name. django-simple-history keeps every change, attributed to ``by``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext

from orthoregen.web.clinic.models import Encounter, JointEpisode, Patient
from orthoregen.web.clinic.plausible import Day, birth_refusal, refuse_implausible

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import Site, User

Row = TypeVar("Row", bound=models.Model)


@transaction.atomic
def patient_save(patient: Patient | None, *, site: Site, mrn: str, family_name: str,
                 given_name: str, date_of_birth: dt.date, sex: str, email: str = "",
                 phone: str = "", address: str = "", preferred_language: str = "",
                 by: User) -> Patient:
    """Register a patient (``patient`` None) or update one's demographics.

    A registered patient keeps their site: moving between clinics is a registry operation.
    An empty ``preferred_language`` keeps the patient's (English for a new patient): the
    imports and the API need not know of it.
    """
    if patient is None:
        patient = Patient(site=site)
    elif site.pk != patient.site_id:
        raise ValueError("A registered patient keeps their site.")
    if refusal := birth_refusal(date_of_birth):
        raise ValidationError({"date_of_birth": [refusal]})
    patient.mrn, patient.family_name, patient.given_name = mrn, family_name, given_name
    patient.date_of_birth, patient.sex = date_of_birth, sex
    patient.email, patient.phone, patient.address = email, phone, address
    if preferred_language:
        patient.preferred_language = preferred_language
    return _saved(patient, by)


@transaction.atomic
def episode_save(patient: Patient, *, episode: JointEpisode | None = None, joint: str,
                 side: str, diagnosis_code: str, grade_scale: str, grade: int | None,
                 symptom_onset: dt.date | None = None, by: User) -> JointEpisode:
    """Add a treated joint to a patient (``episode`` None), or correct one of theirs."""
    episode = episode or JointEpisode(patient=patient)
    if episode.patient_id != patient.pk:
        raise ValueError("That episode belongs to another patient.")
    refuse_implausible(born=patient.date_of_birth,
                       symptom_onset=Day(symptom_onset, gettext("Symptom onset")))
    episode.joint, episode.side, episode.diagnosis_code = joint, side, diagnosis_code
    episode.grade_scale, episode.grade, episode.symptom_onset = grade_scale, grade, symptom_onset
    return _saved(episode, by)


@transaction.atomic
def encounter_save(episode: JointEpisode, *, encounter: Encounter | None = None, kind: str,
                   occurred_on: dt.date, clinician: User | None, notes: str = "",
                   by: User) -> Encounter:
    """Record an encounter of an episode (``encounter`` None), or correct one of its own."""
    encounter = encounter or Encounter(episode=episode)
    if encounter.episode_id != episode.pk:
        raise ValueError("That encounter belongs to another episode.")
    refuse_implausible(born=episode.patient.date_of_birth,
                       occurred_on=Day(occurred_on, gettext("The encounter date")))
    encounter.kind, encounter.occurred_on = kind, occurred_on
    encounter.clinician, encounter.notes = clinician, notes
    return _saved(encounter, by)


def _saved(row: Row, by: User) -> Row:
    # Named on the row, the author reaches the history even when no request is running
    # (a command, a test); simple-history's middleware covers only requests.
    # django-simple-history (untyped) reads this attribute for the history row's author.
    row._history_user = by  # type: ignore[attr-defined]
    row.save()
    return row
