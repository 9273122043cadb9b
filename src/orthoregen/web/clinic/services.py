"""Units of work on patient records: each saves in one transaction.

django-simple-history records who changed what (its middleware supplies the user), so a
service only has to make the change atomic.
"""

from __future__ import annotations

from django.db import transaction

from orthoregen.web.clinic.models import Encounter, JointEpisode, Patient


@transaction.atomic
def patient_save(form) -> Patient:
    """Create or update a patient from a valid PatientForm."""
    return form.save()


@transaction.atomic
def episode_save(form, patient: Patient) -> JointEpisode:
    """Create or update a joint episode of a patient from a valid JointEpisodeForm."""
    episode = form.save(commit=False)
    episode.patient = patient
    episode.save()
    return episode


@transaction.atomic
def encounter_save(form, episode: JointEpisode) -> Encounter:
    """Create or update an encounter of an episode from a valid EncounterForm."""
    encounter = form.save(commit=False)
    encounter.episode = episode
    encounter.save()
    return encounter
