"""In-clinic tablet sessions: opened by staff, who are signed out of the device; only that
patient's questionnaire; recorded as 'tablet'; ends after submission or 5 idle minutes."""

import datetime as dt

import pytest

from orthoregen.web.consultation.models import CandidacyDecision
from orthoregen.web.consultation.protocols import protocol_current
from orthoregen.web.followup.models import QuestionnaireInvitation, QuestionnaireResponse
from orthoregen.web.followup.services import baseline_after_decision

pytestmark = pytest.mark.django_db


@pytest.fixture
def baseline(patient_a, clinician_a):
    episode = patient_a.episodes.get()
    decision = CandidacyDecision.objects.create(
        episode=episode, protocol=protocol_current(patient_a.site), kind="override",
        outcome="incomplete", reason="test", assessed_on=dt.date(2026, 4, 10),
        decided_on=dt.date(2026, 4, 10), decided_by=clinician_a)
    return baseline_after_decision(decision, by=clinician_a)


def open_tablet(client, visit):
    return client.post(f"/followup/visits/{visit.pk}/tablet/")


def test_staff_open_a_tablet_session_and_are_signed_out_of_the_device(
        as_user, coordinator_a, baseline):
    client = as_user(coordinator_a)
    opened = open_tablet(client, baseline)
    assert opened.status_code == 302 and opened["Location"] == "/portal/tablet/"
    # The staff session is gone: no staff page without signing in again.
    staff = client.get("/followup/")
    assert staff.status_code == 302 and "/login" in staff["Location"]
    page = client.get("/portal/tablet/").content.decode()
    assert "Your left knee" in page and "Save and finish later" not in page
    assert 'http-equiv="refresh"' in page and "/portal/tablet/ended/" in page
    assert "Follow-up" not in page and "Patients" not in page  # no staff navigation
    invitation = QuestionnaireInvitation.objects.get()
    assert (invitation.mode, invitation.opened_by) == ("tablet", coordinator_a)


def test_a_tablet_session_records_the_mode_and_ends_after_submission(
        as_user, coordinator_a, baseline):
    client = as_user(coordinator_a)
    open_tablet(client, baseline)
    assert client.post("/portal/tablet/", {"step": "0", "NRS": "8"}).status_code == 302
    done = client.post("/portal/tablet/", {"step": "1"})
    assert done["Location"] == "/portal/tablet/ended/"
    stored = QuestionnaireResponse.objects.get()
    assert (stored.timepoint, stored.source, stored.answers) == ("baseline", "tablet",
                                                                 {"NRS": 8})
    assert client.get("/portal/tablet/").status_code == 404  # nothing left on the tablet
    assert client.get("/portal/results/").status_code == 404  # no results on a shared device


def test_a_tablet_session_ends_after_five_idle_minutes(as_user, coordinator_a, baseline,
                                                        today):
    client = as_user(coordinator_a)
    open_tablet(client, baseline)
    today.shift(dt.timedelta(minutes=4))
    assert client.get("/portal/tablet/").status_code == 200  # a request renews the session
    today.shift(dt.timedelta(minutes=4))
    assert client.get("/portal/tablet/").status_code == 200
    today.shift(dt.timedelta(minutes=5, seconds=1))
    ended = client.get("/portal/tablet/")
    assert ended.status_code == 404 and "hand the tablet back" in ended.content.decode()


def test_a_tablet_link_does_not_open_as_an_ordinary_link(as_user, coordinator_a, baseline,
                                                         client):
    staff = as_user(coordinator_a)
    open_tablet(staff, baseline)
    token = staff.session["portal_tablet"]
    assert client.get(f"/portal/q/{token}/").status_code == 404


def test_no_tablet_session_for_another_sites_patient(as_user, clinician_b, baseline):
    client = as_user(clinician_b)
    assert open_tablet(client, baseline).status_code == 404
    assert not QuestionnaireInvitation.objects.exists()
    assert client.get("/followup/").status_code == 200  # still signed in: nothing happened


def test_no_tablet_session_for_a_completed_visit(as_user, coordinator_a, baseline):
    baseline.status, baseline.completed_on = "completed", dt.date(2026, 4, 10)
    baseline.save()
    response = open_tablet(as_user(coordinator_a), baseline)
    assert response.status_code == 302 and "/followup/episodes/" in response["Location"]
    assert not QuestionnaireInvitation.objects.exists()


def test_a_tablet_session_shows_nothing_without_a_session(client):
    assert client.get("/portal/tablet/").status_code == 404
