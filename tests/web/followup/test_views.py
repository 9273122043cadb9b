"""Worklist, response rates, schedule page, links, tasks, templates: roles, sites, audit."""

import datetime as dt

import pytest
import time_machine

from orthoregen.web.audit.models import AccessRecord
from orthoregen.web.followup.models import (
    MessageTemplate,
    QuestionnaireInvitation,
    ReviewTask,
    ScheduledVisit,
    Withdrawal,
)
from orthoregen.web.followup.services import schedule_create, visit_complete

pytestmark = pytest.mark.django_db
TODAY = dt.datetime(2026, 4, 20, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(TODAY, tick=False):
        yield


def test_worklist_shows_overdue_visits_and_open_tasks_of_the_users_sites(
        as_user, coordinator_a, schedule_a, patient_b):
    # 20 Apr: month_3 (target 15 Apr, window to 29 Apr) is overdue; week_6_8 (to 12 Mar) missed.
    schedule_create(patient_b.episodes.get(), administered_on=dt.date(2026, 1, 15))
    month_3 = schedule_a.visits.get(timepoint="month_3")
    ReviewTask.objects.create(visit=month_3, kind="call_patient", detail="No reply",
                              created_at=TODAY)
    response = as_user(coordinator_a).get("/followup/")
    sections = response.context["sections"]
    assert response.status_code == 200
    assert [v.id for v in sections["overdue"][0]] == [month_3.pk]
    assert [v.id for v in sections["missed"][0]] == [
        schedule_a.visits.get(timepoint="week_6_8", kind="visit").pk]
    assert sections["calls"][1] == 1
    assert "BITTERN" not in response.content.decode()  # site B's patient
    assert AccessRecord.objects.filter(user=coordinator_a, detail="follow-up worklist").exists()


@pytest.mark.parametrize("url", ["/followup/", "/followup/response-rates/",
                                 "/followup/templates/email/"])
def test_roles_without_follow_up_get_403_and_anonymous_users_log_in(client, as_user,
                                                                    analyst_a, lab_a, url):
    assert client.get(url).status_code == 302
    assert as_user(analyst_a).get(url).status_code == 403
    assert as_user(lab_a).get(url).status_code == 403


def test_response_rates_count_completed_over_due_per_time_point(as_user, clinician_a,
                                                                schedule_a):
    visit_complete(schedule_a.visits.get(timepoint="week_6_8", kind="visit"),
                   completed_on=dt.date(2026, 3, 5))
    rows = as_user(clinician_a).get("/followup/response-rates/").context["rows"]
    by_timepoint = {row["timepoint"]: row for row in rows}
    assert (by_timepoint["week_6_8"]["completed"], by_timepoint["week_6_8"]["due"]) == (1, 1)
    # month_3 is still open on 20 Apr: not yet in the denominator, even once completed.
    visit_complete(schedule_a.visits.get(timepoint="month_3", kind="visit"),
                   completed_on=dt.date(2026, 4, 18))
    rows = as_user(clinician_a).get("/followup/response-rates/").context["rows"]
    month_3 = next(row for row in rows if row["timepoint"] == "month_3")
    assert (month_3["due"], month_3["completed"], month_3["rate"]) == (0, 0, None)
    assert (month_3["open_now"], month_3["open_completed"]) == (1, 1)


def test_schedule_page_is_404_for_another_site_and_audited_for_own(as_user, clinician_a,
                                                                   clinician_b, schedule_a):
    url = f"/followup/episodes/{schedule_a.episode_id}/"
    assert as_user(clinician_b).get(url).status_code == 404
    response = as_user(clinician_a).get(url)
    assert response.status_code == 200 and "3 months" in response.content.decode()
    assert AccessRecord.objects.filter(user=clinician_a, patient=schedule_a.episode.patient,
                                       action="view").exists()


def test_staff_create_a_link_which_is_shown_once_and_stored_hashed(as_user, coordinator_a,
                                                                   schedule_a):
    visit = schedule_a.visits.get(timepoint="month_3", kind="visit")
    response = as_user(coordinator_a).post(f"/followup/visits/{visit.pk}/link/")
    link = response.context["link"]
    token = link.split("/portal/q/")[1].rstrip("/")
    stored = QuestionnaireInvitation.objects.get()
    assert token not in stored.token_digest and len(stored.token_digest) == 64
    assert as_user(coordinator_a).get(f"/portal/q/{token}/").status_code == 200


def test_start_schedule_by_hand_refuses_a_future_date_and_saves_nothing(as_user, clinician_a,
                                                                        patient_a):
    episode = patient_a.episodes.get()
    client = as_user(clinician_a)
    client.post(f"/followup/episodes/{episode.pk}/start/", {"administered_on": "2030-01-01"})
    assert not ScheduledVisit.objects.exists()
    client.post(f"/followup/episodes/{episode.pk}/start/", {"administered_on": "2026-02-01"})
    assert episode.followup_schedules.get().source == "manual"


def test_withdrawal_stops_pending_visits(as_user, coordinator_a, patient_a, schedule_a):
    response = as_user(coordinator_a).post(f"/followup/patients/{patient_a.pk}/withdraw/",
                                           {"withdrawn_on": "2026-04-19", "reason": "moved"})
    assert response.status_code == 302
    assert Withdrawal.objects.get().recorded_by == coordinator_a
    assert not ScheduledVisit.objects.filter(status="pending").exists()


def test_joint_replacement_stops_later_visits(as_user, clinician_a, schedule_a):
    episode = schedule_a.episode
    as_user(clinician_a).post(f"/safety/episodes/{episode.pk}/joint-replacement/",
                              {"occurred_on": "2026-04-18", "note": "TKA"})
    assert episode.outcome_events.get().occurred_on == dt.date(2026, 4, 18)
    stopped = set(schedule_a.visits.filter(status="stopped").values_list("timepoint", flat=True))
    assert stopped == {"month_6", "month_12", "month_24", "month_36"}


def test_closing_a_task_records_who_and_what(as_user, coordinator_a, clinician_b, schedule_a):
    task = ReviewTask.objects.create(visit=schedule_a.visits.first(), kind="complication_review",
                                     created_at=TODAY)
    url = f"/followup/tasks/{task.pk}/close/"
    assert as_user(clinician_b).post(url, {"note": "x"}).status_code == 404
    assert as_user(coordinator_a).post(url, {"note": ""}).status_code == 200  # field error
    task.refresh_from_db()
    assert task.status == "open"
    as_user(coordinator_a).post(url, {"note": "Called; swelling settling"})
    task.refresh_from_db()
    assert (task.status, task.closed_by) == ("done", coordinator_a)


def test_closing_a_task_twice_keeps_the_first_close_and_says_so(as_user, coordinator_a,
                                                                 clinician_a, schedule_a):
    task = ReviewTask.objects.create(visit=schedule_a.visits.first(), kind="call_patient",
                                     created_at=TODAY)
    url = f"/followup/tasks/{task.pk}/close/"
    as_user(coordinator_a).post(url, {"note": "Called; will fill it in tonight"})
    colleague = as_user(clinician_a)
    again = colleague.post(url, {"note": "Left a voicemail"})  # a second tab, or a colleague
    assert again.status_code == 302 and again.url == "/followup/"
    shown = colleague.get(again.url).content.decode()
    assert "already closed by Coordinator_A Tester at 20 Apr 2026" in shown
    task.refresh_from_db()
    assert (task.closed_by, task.outcome_note) == (coordinator_a, "Called; will fill it in "
                                                                  "tonight")
    assert task.history.filter(status="done").count() == 1


def test_closing_a_task_already_closed_meanwhile_changes_nothing(coordinator_a, clinician_a,
                                                                 schedule_a):
    from orthoregen.web.followup.services import TaskAlreadyClosed, task_close

    task = ReviewTask.objects.create(visit=schedule_a.visits.first(), kind="call_patient",
                                     created_at=TODAY)
    both_saw_it_open = ReviewTask.objects.get(pk=task.pk), ReviewTask.objects.get(pk=task.pk)
    task_close(both_saw_it_open[0], by=coordinator_a, note="Spoke to the patient")
    with pytest.raises(TaskAlreadyClosed):
        task_close(both_saw_it_open[1], by=clinician_a, note="No answer")
    task.refresh_from_db()
    assert (task.closed_by, task.outcome_note) == (coordinator_a, "Spoke to the patient")


def test_message_template_preview_and_save_per_site(as_user, coordinator_a, site_a):
    client = as_user(coordinator_a)
    page = client.get("/followup/templates/sms/").content.decode()
    assert "Riverside" not in page and "Clinic A: your 6 months questionnaire" in page
    preview = client.post("/followup/templates/sms/", {"subject": "", "preview": "1",
                                                       "body": "Hi $given_name: $link"})
    assert "Hi Ada: https://clinic.example" in preview.content.decode()
    assert not MessageTemplate.objects.exists()
    missing_link = client.post("/followup/templates/sms/", {"body": "Hi", "save": "1"})
    assert "must contain $link" in missing_link.content.decode()
    assert not MessageTemplate.objects.exists()
    client.post("/followup/templates/sms/", {"body": "Hi $given_name: $link", "save": "1"})
    assert MessageTemplate.objects.get(site=site_a, channel="sms").body == "Hi $given_name: $link"


def test_no_link_for_a_visit_whose_window_has_closed(as_user, coordinator_a, schedule_a):
    missed = schedule_a.visits.get(timepoint="week_6_8", kind="visit")  # closed 12 Mar
    response = as_user(coordinator_a).post(f"/followup/visits/{missed.pk}/link/")
    assert response.status_code == 302
    assert not QuestionnaireInvitation.objects.exists()


def test_mark_an_mri_done(as_user, coordinator_a, clinician_b, schedule_a):
    mri = schedule_a.visits.get(timepoint="month_6", kind="mri")
    url = f"/followup/visits/{mri.pk}/done/"
    assert as_user(clinician_b).post(url).status_code == 404
    assert as_user(coordinator_a).get(url).status_code == 405
    as_user(coordinator_a).post(url)
    mri.refresh_from_db()
    assert (mri.status, mri.completed_on) == ("completed", dt.date(2026, 4, 20))
