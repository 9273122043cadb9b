"""Follow-up refuses a questionnaire completed before the patient's birth or after today, and a
withdrawal on such a day, in the service and on the form."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from orthoregen.web.clinic.models import JointEpisode, Patient
from orthoregen.web.followup import entry
from orthoregen.web.followup.models import QuestionnaireResponse, Withdrawal
from orthoregen.web.followup.services import schedule_create, withdrawal_record

from .conftest import ADMINISTERED
from .test_entry import HOOS, IN_WINDOW, record


@pytest.fixture
def hip_visit(patient_a):
    episode = JointEpisode.objects.create(patient=patient_a, joint="hip", side="right",
                                          diagnosis_code="M16.11",
                                          grade_scale="kellgren_lawrence", grade=3)
    return schedule_create(episode, administered_on=ADMINISTERED).visits.get(
        timepoint="month_3", kind="visit")


def test_a_form_completed_before_the_patients_birth_is_refused(hip_visit, coordinator_a,
                                                               patient_a):
    # A birth date typed after the treatment (the record is wrong, not the form): the entry
    # names the conflict rather than storing a score from before the patient existed.
    Patient.objects.filter(pk=patient_a.pk).update(date_of_birth=dt.date(2026, 4, 20))
    hip_visit.refresh_from_db()
    with pytest.raises(entry.EntryRefused, match=r"before the patient was born \(20 Apr 2026\)"):
        record(hip_visit, "hoos", HOOS, coordinator_a, mode="paper", on=IN_WINDOW)
    assert not QuestionnaireResponse.objects.exists()


def test_a_form_completed_tomorrow_is_refused(hip_visit, coordinator_a):
    with pytest.raises(entry.EntryRefused, match="in the future"):
        record(hip_visit, "hoos", HOOS, coordinator_a, mode="paper",
               on=timezone.localdate() + dt.timedelta(days=1))


@pytest.mark.parametrize(("day", "words"), [
    (dt.date(1960, 5, 16), "before the patient was born (17 May 1960)"),
    (dt.date(2099, 1, 1), "in the future"),
])
def test_a_withdrawal_before_birth_or_after_today_is_refused(patient_a, coordinator_a, day,
                                                             words):
    with pytest.raises(ValidationError) as refused:
        withdrawal_record(patient_a, withdrawn_on=day, by=coordinator_a)
    assert words in refused.value.message_dict["withdrawn_on"][0]
    assert not Withdrawal.objects.exists()


def test_the_withdrawal_form_shows_a_date_before_birth_on_its_field(patient_a, coordinator_a,
                                                                   as_user):
    response = as_user(coordinator_a).post(f"/followup/patients/{patient_a.pk}/withdraw/",
                                           {"withdrawn_on": "1950-01-01", "reason": "moved"})
    assert response.status_code == 200
    assert "before the patient was born" in response.context["form"].errors["withdrawn_on"][0]
    assert not Withdrawal.objects.exists()
