"""Adverse events: record, serious alert with due dates, banner, access control."""

import datetime as dt
import re

import pytest
from django.core import mail

from orthoregen.web.accounts.models import SiteSafetyLead
from orthoregen.web.accounts.roles import Role
from orthoregen.web.audit.models import AccessRecord
from orthoregen.web.followup.models import SiteFollowUpSettings
from orthoregen.web.safety.models import AdverseEvent

pytestmark = pytest.mark.django_db


def make_user(username, role, site, email):
    from orthoregen.web.accounts.models import User

    user = User.objects.create_user(username, password="x" * 16, role=role, email=email)
    user.sites.set([site])
    return user


def with_token(client, patient, data: dict) -> dict:
    """Add the one-time token the form page renders, as a browser submitting it would."""
    page = client.get(f"/safety/patients/{patient.pk}/adverse-events/new/").content.decode()
    token = re.search(r'name="submission_token" value="([^"]+)"', page).group(1)
    return {**data, "submission_token": token}


def septic_arthritis(episode, clinician, **changes):
    data = {"episode": episode.pk, "term": "septic_arthritis", "onset_on": "2026-04-02",
            "aware_on": "2026-04-03", "ctcae_grade": "3", "seriousness": ["hospitalisation"],
            "procedure_relatedness": "probably", "product_relatedness": "possibly",
            "action": "hospital_admission", "outcome": "recovering",
            "needed_intervention": "on", "responsible_clinician": clinician.pk,
            "description": "Hot swollen knee day 3; aspirate positive."}
    return {**data, **changes}


def test_serious_event_alerts_clinician_and_safety_lead_with_due_dates(as_user, coordinator_a,
                                                                       clinician_a, site_a,
                                                                       patient_a,
                                                                       django_capture_on_commit_callbacks):  # noqa: E501
    clinician_a.email = "amara@example.org"
    clinician_a.save()
    lead = make_user("lead", Role.CLINICIAN, site_a, "safety@example.org")
    SiteSafetyLead.objects.create(site=site_a, user=lead)
    SiteFollowUpSettings.objects.create(site=site_a,
                                        reporting_pathways=["us_ind", "eu_tissues_cells"])
    episode = patient_a.episodes.get()
    client = as_user(coordinator_a)
    with django_capture_on_commit_callbacks(execute=True):  # the alert goes on commit
        response = client.post(f"/safety/patients/{patient_a.pk}/adverse-events/new/",
                               with_token(client, patient_a,
                                          septic_arthritis(episode, clinician_a)))
    event = AdverseEvent.objects.get()
    assert response.status_code == 302
    # Due dates from aware_on 3 Apr (docs/cell-products.md#adverse-events-and-reporting-clocks):
    # EU "without delay" = same day;
    # 21 CFR 312.32 serious unexpected suspected: 15 calendar days = 18 Apr.
    assert [(d["rule_id"], d["due_on"]) for d in event.report_dues] == [
        ("eu_serious_adverse_reaction", "2026-04-03"),
        ("us_ind_safety_report", "2026-04-18")]
    [alert] = mail.outbox
    assert sorted(alert.to) == ["amara@example.org", "safety@example.org"]
    assert "2026-04-18" in alert.body and "SERIOUS" in alert.subject
    assert "Aardvark" not in alert.body and "A-0001" not in alert.body  # no identifiers
    # The banner on the worklist and the event list names the outstanding reports.
    page = client.get("/followup/").content.decode()
    assert "Serious adverse events with reports outstanding" in page and "2026-04-18" in page
    client.post(f"/safety/adverse-events/{event.pk}/reports-done/")
    assert "reports outstanding" not in client.get("/safety/adverse-events/").content.decode()


def test_non_serious_event_sends_no_alert(as_user, clinician_a, patient_a,
                                          django_capture_on_commit_callbacks):
    clinician_a.email = "amara@example.org"
    clinician_a.save()
    episode = patient_a.episodes.get()
    client = as_user(clinician_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/safety/patients/{patient_a.pk}/adverse-events/new/", with_token(
            client, patient_a,
            septic_arthritis(episode, clinician_a, term="post_injection_flare", seriousness=[],
                             ctcae_grade="1", action="none")))
    event = AdverseEvent.objects.get()
    assert event.report_dues == [] and mail.outbox == []
    assert event.recorded_by == clinician_a


@pytest.mark.parametrize(("changes", "field"), [
    ({"term": "other"}, "term_other"),
    ({"onset_on": "2099-01-01"}, "onset_on"),
    ({"aware_on": "2026-04-01"}, "aware_on"),
    ({"ctcae_grade": "5"}, "seriousness"),
    ({"ctcae_grade": "9"}, "ctcae_grade"),
    ({"outcome": "recovered"}, "resolved_on"),
])
def test_bad_input_shows_the_field_error_and_saves_nothing(as_user, clinician_a, patient_a,
                                                           changes, field):
    episode = patient_a.episodes.get()
    client = as_user(clinician_a)
    response = client.post(f"/safety/patients/{patient_a.pk}/adverse-events/new/", with_token(
        client, patient_a, septic_arthritis(episode, clinician_a, **changes)))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not AdverseEvent.objects.exists() and mail.outbox == []


def test_access_control_and_audit(client, as_user, lab_a, clinician_a, clinician_b, patient_a):
    url = f"/safety/patients/{patient_a.pk}/adverse-events/new/"
    assert client.get(url).status_code == 302
    assert as_user(lab_a).get(url).status_code == 403
    assert as_user(clinician_b).get(url).status_code == 404
    client = as_user(clinician_a)
    client.post(url, with_token(client, patient_a,
                                septic_arthritis(patient_a.episodes.get(), clinician_a)))
    event = AdverseEvent.objects.get()
    detail = f"/safety/adverse-events/{event.pk}/"
    assert as_user(clinician_b).get(detail).status_code == 404
    assert as_user(clinician_a).get(detail).status_code == 200
    assert AccessRecord.objects.filter(user=clinician_a, patient=patient_a,
                                       detail=f"adverse event {event.pk}").exists()
    assert event.history.count() == 1  # simple-history keeps the write
    assert dt.date.fromisoformat(event.report_dues[0]["due_on"]) == event.aware_on


def test_a_failed_alert_email_keeps_the_event_and_its_banner(as_user, clinician_a, patient_a,
                                                             monkeypatch,
                                                             django_capture_on_commit_callbacks):
    from orthoregen.web.safety import services as safety

    def unreachable(*args, **kwargs):
        raise ConnectionRefusedError("no SMTP server")

    monkeypatch.setattr(safety, "send_mail", unreachable)
    clinician_a.email = "amara@example.org"
    clinician_a.save()
    client = as_user(clinician_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/safety/patients/{patient_a.pk}/adverse-events/new/",
                               with_token(client, patient_a,
                                          septic_arthritis(patient_a.episodes.get(),
                                                           clinician_a)))
    assert response.status_code == 302 and AdverseEvent.objects.count() == 1
    assert "reports outstanding" in client.get("/followup/").content.decode()


def test_site_settings_refuse_an_unknown_reporting_pathway(site_a):
    from django.core.exceptions import ValidationError

    settings = SiteFollowUpSettings(site=site_a, reporting_pathways=["us_ind", "mars"])
    with pytest.raises(ValidationError, match="eu_tissues_cells"):
        settings.full_clean()
    SiteFollowUpSettings(site=site_a, reporting_pathways=["us_ind"]).full_clean()
