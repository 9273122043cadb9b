"""The adverse event form records once: double-clicks, resubmissions, races, bad tokens."""

import datetime as dt
import re
import threading

import pytest
import time_machine
from django.core import mail
from django.db import connection, transaction
from django.utils.html import escape

from orthoregen.web.followup.submissions import submission_token_issue
from orthoregen.web.safety import services as safety
from orthoregen.web.safety.models import AdverseEvent

pytestmark = pytest.mark.django_db
OPENED = dt.datetime(2026, 4, 3, 9, 0, tzinfo=dt.UTC)


def url(patient) -> str:
    return f"/safety/patients/{patient.pk}/adverse-events/new/"


def page_token(client, patient) -> str:
    page = client.get(url(patient)).content.decode()
    return re.search(r'name="submission_token" value="([^"]+)"', page).group(1)


def septic_arthritis(patient, clinician, token: str) -> dict:
    return {"episode": patient.episodes.get().pk, "term": "septic_arthritis",
            "onset_on": "2026-04-02", "aware_on": "2026-04-03", "ctcae_grade": "3",
            "seriousness": ["hospitalisation"], "procedure_relatedness": "probably",
            "product_relatedness": "possibly", "action": "hospital_admission",
            "outcome": "recovering", "responsible_clinician": clinician.pk,
            "description": "Hot swollen knee day 3.", "submission_token": token}


@pytest.fixture
def alerted_clinician(clinician_a):
    clinician_a.email = "amara@example.org"
    clinician_a.save()
    return clinician_a


def test_a_double_submitted_serious_event_is_recorded_and_alerted_once(
        as_user, alerted_clinician, patient_a, django_capture_on_commit_callbacks):
    client = as_user(alerted_clinician)
    data = septic_arthritis(patient_a, alerted_clinician, page_token(client, patient_a))
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url(patient_a), data)
        second = client.post(url(patient_a), data)
    event = AdverseEvent.objects.get()
    assert first.url == second.url == f"/safety/adverse-events/{event.pk}/"
    assert len(mail.outbox) == 1 and event.history.count() == 1
    shown = client.get(second.url).content.decode()
    assert "already recorded" in shown and "no alert was sent again" in shown


def test_each_page_gets_its_own_token_so_two_real_events_are_both_recorded(
        as_user, clinician_a, patient_a):
    client = as_user(clinician_a)
    first_page, second_page = page_token(client, patient_a), page_token(client, patient_a)
    assert first_page != second_page
    client.post(url(patient_a), septic_arthritis(patient_a, clinician_a, first_page))
    client.post(url(patient_a), septic_arthritis(patient_a, clinician_a, second_page))
    assert AdverseEvent.objects.count() == 2


def test_an_expired_form_is_refused_with_its_entries_kept_and_a_fresh_token(
        as_user, clinician_a, patient_a):
    client = as_user(clinician_a)
    with time_machine.travel(OPENED, tick=False):
        stale = page_token(client, patient_a)
    with time_machine.travel(OPENED + dt.timedelta(hours=12, minutes=1), tick=False):
        response = client.post(url(patient_a), septic_arthritis(patient_a, clinician_a, stale))
        page = response.content.decode()
        assert response.status_code == 200 and not AdverseEvent.objects.exists()
        assert "opened more than 12 hours ago" in page and "Hot swollen knee day 3." in page
        fresh = re.search(r'name="submission_token" value="([^"]+)"', page).group(1)
        assert fresh != stale
        client.post(url(patient_a), septic_arthritis(patient_a, clinician_a, fresh))
    assert AdverseEvent.objects.count() == 1


def test_a_form_resubmitted_after_its_token_expired_still_finds_its_event(
        as_user, clinician_a, patient_a):
    client = as_user(clinician_a)
    with time_machine.travel(OPENED, tick=False):
        data = septic_arthritis(patient_a, clinician_a, page_token(client, patient_a))
        first = client.post(url(patient_a), data)
    with time_machine.travel(OPENED + dt.timedelta(days=2), tick=False):
        again = client.post(url(patient_a), data)
    assert again.status_code == 302 and again.url == first.url
    assert AdverseEvent.objects.count() == 1


@pytest.mark.parametrize("forge", ["missing", "garbage", "altered", "other_patient",
                                   "other_user"])
def test_a_forged_or_foreign_token_is_a_form_error_and_saves_nothing(
        as_user, clinician_a, coordinator_a, patient_a, patient_b, forge):
    client = as_user(clinician_a)
    genuine = page_token(client, patient_a)
    token = {"missing": "", "garbage": "not-a-token", "altered": genuine[:-2] + "xx",
             "other_patient": submission_token_issue(user=clinician_a, patient=patient_b),
             "other_user": submission_token_issue(user=coordinator_a, patient=patient_a),
             }[forge]
    response = client.post(url(patient_a), septic_arthritis(patient_a, clinician_a, token))
    assert response.status_code == 200
    [error] = response.context["form"].non_field_errors()
    assert "Nothing has been saved" in error and escape(error) in response.content.decode()
    assert not AdverseEvent.objects.exists() and mail.outbox == []


def new_report(clinician) -> safety.AdverseEventReport:
    return safety.AdverseEventReport(
        term="effusion", onset_on=dt.date(2026, 4, 2), aware_on=dt.date(2026, 4, 3),
        ctcae_grade=2, seriousness=("hospitalisation",), procedure_relatedness="probably",
        product_relatedness="possibly", action="aspiration", outcome="recovering",
        responsible_clinician=clinician)


def test_two_submissions_that_both_pass_the_check_record_one_event_and_one_alert(
        alerted_clinician, patient_a, monkeypatch, django_capture_on_commit_callbacks):
    key = "0" * 32
    first, created = safety.adverse_event_record_once(
        patient_a, report=new_report(alerted_clinician), submission_key=key,
        by=alerted_clinician)
    real_lookup, looked = safety._event_with_key, []

    def before_the_first_commit(key):  # the other submission has not committed yet
        looked.append(key)
        return None if len(looked) == 1 else real_lookup(key)

    monkeypatch.setattr(safety, "_event_with_key", before_the_first_commit)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second, created_again = safety.adverse_event_record_once(
            patient_a, report=new_report(alerted_clinician), submission_key=key,
            by=alerted_clinician)
    assert created and not created_again and second == first and len(looked) == 2
    assert AdverseEvent.objects.count() == 1 and callbacks == [] and mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_two_connections_racing_with_one_key_record_one_event(clinician_a, patient_a,
                                                              monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs two concurrent writers; SQLite takes one at a time")
    key, results, errors, seen_by_second = "1" * 32, {}, [], []
    inserted, checked = threading.Event(), threading.Event()
    real_lookup = safety._event_with_key

    def lookup(key):
        found = real_lookup(key)
        if threading.current_thread().name == "second":
            seen_by_second.append(found)
            checked.set()
        return found

    monkeypatch.setattr(safety, "_event_with_key", lookup)

    def first():
        with transaction.atomic():  # holds the row uncommitted until the second has looked
            results["first"] = safety.adverse_event_record_once(
                patient_a, report=new_report(clinician_a), submission_key=key, by=clinician_a)
            inserted.set()
            checked.wait(10)
            threading.Event().wait(0.3)  # let the second block on the unique index

    def second():
        inserted.wait(10)
        results["second"] = safety.adverse_event_record_once(
            patient_a, report=new_report(clinician_a), submission_key=key, by=clinician_a)

    def run(target):
        try:
            target()
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(f,), name=f.__name__) for f in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    # The second looked before the first committed, so only the unique key stopped it.
    assert seen_by_second[0] is None and len(seen_by_second) == 2
    (event, created), (same, created_again) = results["first"], results["second"]
    assert created and not created_again and same.pk == event.pk
    assert AdverseEvent.objects.count() == 1
