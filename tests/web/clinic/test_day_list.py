"""The day list: today's and this week's work at the user's sites, per role, each row with
its next action; another site's patients never on it; an empty list says what would be."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from orthoregen.web.clinic import hub
from orthoregen.web.clinic.models import Encounter
from orthoregen.web.consultation.models import Intake
from orthoregen.web.followup.models import (
    FollowUpSchedule,
    ReviewTask,
    ScheduledVisit,
)
from orthoregen.web.followup.protocols import active_protocol
from orthoregen.web.safety.models import AdverseEvent

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)


def day_work(patient, clinician):
    """Put one of each kind of the day's work on a patient's knee."""
    knee = patient.episodes.get()
    Encounter.objects.create(episode=knee, kind="consultation", occurred_on=TODAY,
                             clinician=clinician)
    Intake.objects.create(episode=knee, recorded_on=TODAY, entered_by=clinician)
    schedule = FollowUpSchedule.objects.create(episode=knee, administered_on=TODAY - 180 * DAY,
                                               protocol=active_protocol())
    visit = ScheduledVisit.objects.create(
        schedule=schedule, timepoint="month_6", label="6 months", earliest=TODAY - 14 * DAY,
        target=TODAY, latest=TODAY + 14 * DAY)
    ReviewTask.objects.create(visit=visit, kind="call_patient", detail="No reply to 2 messages",
                              created_at=timezone.now())
    ReviewTask.objects.create(visit=visit, kind="complication_review",
                              detail="Reported new swelling", created_at=timezone.now())
    AdverseEvent.objects.create(
        patient=patient, episode=knee, term="effusion", onset_on=TODAY - DAY, aware_on=TODAY,
        ctcae_grade=3, seriousness=["hospitalisation"], procedure_relatedness="possible",
        product_relatedness="possible", action="aspiration", outcome="recovering",
        report_dues=[{"report": "Serious adverse event report", "due_on": TODAY.isoformat()}],
        recorded_by=clinician, recorded_at=timezone.now())


def rows(response):
    return [(row.kind, row.patient.mrn, row.action) for group in response.context["groups"]
            for row in group.rows]


def test_the_coordinator_sees_consultations_visits_calls_and_reviews(
        as_user, coordinator_a, clinician_a, patient_a):
    day_work(patient_a, clinician_a)
    response = as_user(coordinator_a).get(reverse("day-list"))
    assert response.status_code == 200
    kinds = {kind for kind, _, _ in rows(response)}
    assert {"Consultation", "Visit due", "Call", "Review", "Report due"} <= kinds
    page = response.content.decode()
    assert "Record the call" in page and "Send the questionnaire link" in page
    for group in response.context["groups"]:
        for row in group.rows:
            assert row.action_url.startswith("/"), row  # every row has its next action


def test_the_clinician_is_asked_to_decide(as_user, clinician_a, patient_a):
    day_work(patient_a, clinician_a)
    response = as_user(clinician_a).get(reverse("day-list"))
    assert ("Consultation", "A-0001", "Decide candidacy") in rows(response)
    decide = reverse("consultation:decide", args=[patient_a.episodes.get().pk])
    assert decide in response.content.decode()


def test_the_lab_sees_no_follow_up_calls(as_user, lab_a, clinician_a, patient_a):
    day_work(patient_a, clinician_a)
    kinds = {kind for kind, _, _ in rows(as_user(lab_a).get(reverse("day-list")))}
    assert not kinds & {"Visit due", "Call", "Review", "Report due"}


def test_another_sites_patients_never_appear(as_user, coordinator_a, clinician_b, patient_a,
                                             patient_b):
    day_work(patient_b, clinician_b)
    response = as_user(coordinator_a).get(reverse("day-list"), {"period": "week"})
    assert all(mrn != "B-0001" for _, mrn, _ in rows(response))
    assert "BITTERN" not in response.content.decode()
    response = as_user(coordinator_a).get(reverse("day-list"),
                                          {"site": str(patient_b.site_id)})
    assert response.status_code == 400  # not one of the coordinator's sites


def test_the_week_covers_monday_to_sunday(as_user, coordinator_a, clinician_a, patient_a):
    monday, sunday = hub.period_dates("week", dt.date(2026, 12, 9))  # a Wednesday
    assert (monday, sunday) == (dt.date(2026, 12, 7), dt.date(2026, 12, 13))
    knee = patient_a.episodes.get()
    start, end = hub.period_dates("week", TODAY)
    Encounter.objects.create(episode=knee, kind="follow_up", occurred_on=end,
                             clinician=clinician_a)
    today = as_user(coordinator_a).get(reverse("day-list"))
    week = as_user(coordinator_a).get(reverse("day-list"), {"period": "week"})
    on_days = {row.on for group in week.context["groups"] for row in group.rows}
    assert end in on_days
    assert end == TODAY or end not in {row.on for group in today.context["groups"]
                                       for row in group.rows}


def test_the_empty_list_says_what_would_appear(as_user, coordinator_a, patient_a):
    page = as_user(coordinator_a).get(reverse("day-list")).content.decode()
    assert "Nothing on the list today at Clinic A" in page
    assert "follow-up visits due or overdue, calls and reviews" in page


@pytest.mark.parametrize("params", [{"period": "year"}, {"site": "x"}, {"site": "99999"}])
def test_bad_parameters_are_a_400(as_user, coordinator_a, params):
    assert as_user(coordinator_a).get(reverse("day-list"), params).status_code == 400


def test_a_role_that_may_not_see_patients_is_refused(as_user, analyst_a, clinician_a,
                                                     patient_a):
    day_work(patient_a, clinician_a)
    response = as_user(analyst_a).get(reverse("day-list"))
    assert response.status_code == 403 and "AARDVARK" not in response.content.decode()


def test_the_day_list_is_in_the_navigation(as_user, coordinator_a):
    page = as_user(coordinator_a).get(reverse("patient-list")).content.decode()
    assert f'href="{reverse("day-list")}"' in page
