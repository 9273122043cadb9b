"""Adverse and outcome events refuse dates before the patient's birth or after today, in the
service (every caller: the form, the API, FHIR) and on the form, with what is wrong."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from tests.web.safety.test_adverse_events import septic_arthritis, with_token

from orthoregen.web.safety.models import AdverseEvent, OutcomeEvent
from orthoregen.web.safety.services import (
    AdverseEventReport,
    adverse_event_record,
    outcome_event_record,
)

pytestmark = pytest.mark.django_db

BORN = dt.date(1960, 5, 17)  # tests.web.conftest.make_patient


def report(episode, **changes):
    values = {"episode": episode, "term": "septic_arthritis", "onset_on": dt.date(2026, 4, 2),
              "aware_on": dt.date(2026, 4, 3), "ctcae_grade": 2,
              "procedure_relatedness": "probably", "product_relatedness": "possibly",
              "action": "none", "outcome": "recovering"}
    return AdverseEventReport(**{**values, **changes})


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"onset_on": dt.date(1960, 5, 16)}, "onset_on", "before the patient was born (17 May 1960)"),
    ({"onset_on": dt.date(2099, 1, 1), "aware_on": dt.date(2099, 1, 2)}, "onset_on",
     "in the future"),
    ({"aware_on": dt.date(2026, 4, 1)}, "aware_on", "before the onset 02 Apr 2026"),
    ({"resolved_on": dt.date(2026, 4, 1)}, "resolved_on", "before the onset 02 Apr 2026"),
    ({"resolved_on": timezone.localdate() + dt.timedelta(days=1)}, "resolved_on",
     "in the future"),
])
def test_the_service_refuses_an_impossible_event_date(patient_a, clinician_a, changes, field,
                                                      words):
    with pytest.raises(ValidationError) as refused:
        adverse_event_record(patient_a, report=report(patient_a.episodes.get(), **changes),
                             by=clinician_a)
    assert words in refused.value.message_dict[field][0]
    assert not AdverseEvent.objects.exists()


def test_an_event_on_the_day_of_birth_and_resolved_the_same_day_is_recorded(patient_a,
                                                                           clinician_a):
    day = BORN
    event = adverse_event_record(patient_a, report=report(
        patient_a.episodes.get(), onset_on=day, aware_on=day, resolved_on=day,
        outcome="recovered"), by=clinician_a)
    assert event.onset_on == day


def test_the_form_shows_an_onset_before_birth_on_its_field(as_user, clinician_a, patient_a):
    client = as_user(clinician_a)
    episode = patient_a.episodes.get()
    response = client.post(f"/safety/patients/{patient_a.pk}/adverse-events/new/", with_token(
        client, patient_a, septic_arthritis(episode, clinician_a, onset_on="1950-01-01")))
    assert response.status_code == 200
    assert "before the patient was born" in response.context["form"].errors["onset_on"][0]
    assert not AdverseEvent.objects.exists()


def test_a_joint_replacement_before_birth_or_in_the_future_is_refused(
        patient_a, clinician_a, coordinator_a, as_user):
    episode = patient_a.episodes.get()
    with pytest.raises(ValidationError, match="before the patient was born"):
        outcome_event_record(episode, occurred_on=dt.date(1959, 1, 1), by=clinician_a)
    with pytest.raises(ValidationError, match="in the future"):
        outcome_event_record(episode, occurred_on=dt.date(2099, 1, 1), by=clinician_a)
    response = as_user(coordinator_a).post(
        f"/safety/episodes/{episode.pk}/joint-replacement/", {"occurred_on": "1959-01-01"})
    assert response.status_code == 200
    assert "before the patient was born" in response.context["form"].errors["occurred_on"][0]
    assert not OutcomeEvent.objects.exists()
