"""Two submissions of one episode's intake: the later one is refused, never a server error.

A form carries the state of the intake it was opened on. When someone else saved the intake
meanwhile (another tab, a colleague), the later save says who saved it and when, and keeps
nothing of its own: no intake field, no carried-forward laboratory row.
"""

import datetime as dt
import threading
import time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django import forms
from django.conf import settings
from django.contrib.messages import get_messages
from django.db import connection, connections
from django.utils import timezone

from orthoregen.web.consultation import carry_forward, services
from orthoregen.web.consultation.models import Intake, LabResult, PatientConditions
from orthoregen.web.consultation.services import IntakeSavedMeanwhile

# The colleague's save, frozen so that the refusal's wording can be checked exactly; after
# today, so that the dates the forms hold (today and earlier) are never in the future.
SAVED_AT = dt.datetime(2099, 3, 2, 9, 41, tzinfo=ZoneInfo(settings.TIME_ZONE))
REFUSAL = ("This intake was saved by Coordinator_A Tester at 09:41 on 02 Mar 2099 while you "
           "were editing; review it before changing it. Nothing you entered was saved.")


def url(episode) -> str:
    return f"/consultation/episodes/{episode.pk}/intake/"


def as_submitted(form) -> dict:
    """Return the POST data a browser sends for ``form`` as rendered, changed by nothing."""
    data = {}
    for field in form:
        value = field.value()
        if isinstance(field.field, forms.NullBooleanField):
            data[field.html_name] = {True: "true", False: "false"}.get(value, "unknown")
        elif isinstance(field.field, forms.BooleanField):
            if value:
                data[field.html_name] = "on"
        elif isinstance(value, list):
            data[field.html_name] = [str(item) for item in value]
        elif isinstance(value, dt.date):
            data[field.html_name] = value.isoformat()
        elif value is not None:
            data[field.html_name] = str(value)
    return data


@pytest.fixture
def colleague_saves(coordinator_a, intake_for):
    """Return save(episode): the coordinator stores a complete intake at SAVED_AT."""

    def save(episode, **overrides) -> Intake:
        with time_machine.travel(SAVED_AT, tick=False):
            return intake_for(episode, entered_by=coordinator_a, diabetes=False, **overrides)

    return save


@pytest.fixture
def knee_history(knee_a, intake_for):
    """The left knee's intake, with a laboratory result of the patient."""
    intake = intake_for(knee_a, diabetes=True, height_cm=181)
    LabResult.objects.create(patient=knee_a.patient, test="hba1c_percent", value=7.1,
                             collected_on=timezone.localdate())
    return intake


def refused(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def row_counts(episode) -> dict:
    intake = Intake.objects.get(episode=episode)
    return {"history": intake.history.count(), "labs": episode.patient.labs.count(),
            "conservative": intake.conservative_care.count()}


def test_a_new_intake_posted_after_someone_saved_one_is_refused(
        as_user, clinician_a, knee_a, colleague_saves):
    client = as_user(clinician_a)
    data = {**as_submitted(client.get(url(knee_a)).context["form"]),
            "diabetes": "true", "height_cm": "150"}
    saved = colleague_saves(knee_a)
    before = row_counts(knee_a)
    response = client.post(url(knee_a), data)
    assert response.status_code == 302 and response.url == url(knee_a)
    assert refused(response) == [REFUSAL]
    stored = Intake.objects.get(episode=knee_a)
    conditions = PatientConditions.objects.get(patient=knee_a.patient)
    assert (conditions.diabetes, stored.height_cm, stored.entered_by) == (
        False, 170, saved.entered_by)
    assert row_counts(knee_a) == before


def test_an_edit_posted_after_someone_saved_the_intake_is_refused(
        as_user, clinician_a, coordinator_a, knee_a, intake_for):
    intake = intake_for(knee_a)
    client = as_user(clinician_a)
    stale = {**as_submitted(client.get(url(knee_a)).context["form"]), "pain_value": "9",
             "weight_kg": "99"}
    with time_machine.travel(SAVED_AT, tick=False):
        intake.pain_value, intake.entered_by = 5, coordinator_a
        intake.save()
    response = client.post(url(knee_a), stale)
    assert refused(response) == [REFUSAL]
    assert Intake.objects.get(episode=knee_a).pain_value == 5
    assert Intake.objects.get(episode=knee_a).weight_kg == 72  # nothing of the page saved
    assert intake.history.count() == 2


def test_an_edit_of_the_state_it_was_opened_on_is_saved(as_user, clinician_a, knee_a,
                                                        intake_for):
    intake_for(knee_a)
    client = as_user(clinician_a)
    for weight in ("80", "81"):  # the second form is opened on the first one's save
        data = {**as_submitted(client.get(url(knee_a)).context["form"]), "weight_kg": weight}
        assert client.post(url(knee_a), data).url == f"/consultation/episodes/{knee_a.pk}/"
    assert Intake.objects.get(episode=knee_a).weight_kg == 81


def carry_forward_posted_while(monkeypatch, client, episode, meanwhile):
    """Post the carried-forward form of ``episode``, running ``meanwhile`` after the view's
    own check and before the save, as a second request would."""
    data = as_submitted(client.get(url(episode)).context["form"])
    assert data[carry_forward.SOURCE_FIELD]
    original = carry_forward.intake_form

    def form_then_race(request, *args, **kwargs):
        form = original(request, *args, **kwargs)
        if request.method == "POST":
            meanwhile()
        return form

    monkeypatch.setattr(carry_forward, "intake_form", form_then_race)
    return client.post(url(episode), data)


def test_a_carry_forward_racing_another_save_keeps_nothing(
        monkeypatch, as_user, clinician_a, knee_history, hip_a, colleague_saves):
    response = carry_forward_posted_while(monkeypatch, as_user(clinician_a), hip_a,
                                          lambda: colleague_saves(hip_a))
    assert response.status_code == 302 and refused(response) == [REFUSAL]
    hip = Intake.objects.get(episode=hip_a)
    assert hip.carried_forward_from is None
    assert PatientConditions.objects.get(patient=hip_a.patient).diabetes is False
    assert row_counts(hip_a) == {"history": 1, "labs": 4, "conservative": 2}


def test_the_one_intake_rule_catches_a_save_that_read_before_the_other_committed(
        monkeypatch, as_user, clinician_a, knee_history, hip_a, colleague_saves):
    """The save's own read still saw no intake; the database's unique constraint refuses."""
    reads = []
    original = services._intake_stored

    def stale_first_read(episode):
        reads.append(episode.pk)
        return None if len(reads) == 1 else original(episode)

    monkeypatch.setattr(services, "_intake_stored", stale_first_read)
    response = carry_forward_posted_while(monkeypatch, as_user(clinician_a), hip_a,
                                          lambda: colleague_saves(hip_a))
    assert len(reads) == 2 and refused(response) == [REFUSAL]
    assert row_counts(hip_a) == {"history": 1, "labs": 4, "conservative": 2}


def new_intake_answers(**changes) -> services.IntakeAnswers:
    return services.IntakeAnswers(**{
        "recorded_on": timezone.localdate(), "pain_scale": "nrs", "pain_value": 4,
        "radiograph_scale": "kellgren_lawrence", "radiograph_grade": 3, **changes})


@pytest.mark.django_db(transaction=True)
def test_two_connections_saving_one_new_intake_store_one_and_refuse_the_other(
        monkeypatch, clinician_a, coordinator_a, knee_a):
    """On PostgreSQL, two real transactions: the second waits for the first, then is refused."""
    if connection.vendor != "postgresql":
        pytest.skip("needs row locks and concurrent connections (PostgreSQL)")
    first_has_checked, release_first = threading.Event(), threading.Event()
    original = services._intake_stored

    def pause_first(episode):
        stored = original(episode)
        if threading.current_thread().name == "first":
            first_has_checked.set()
            release_first.wait(timeout=30)
        return stored

    monkeypatch.setattr(services, "_intake_stored", pause_first)
    outcomes = {}

    def save(name, user, answers):
        try:
            outcomes[name] = services.intake_save(knee_a, answers=answers, seen_saved_at="",
                                                  by=user)
        except Exception as error:  # noqa: BLE001 - the test asserts which error it was
            outcomes[name] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, name=name, args=(name, user, answers)) for
               name, user, answers in (("first", coordinator_a, new_intake_answers()),
                                       ("second", clinician_a,
                                        new_intake_answers(pain_value=8)))]
    try:
        threads[0].start()
        assert first_has_checked.wait(timeout=30)
        threads[1].start()
        wait_until_a_connection_waits_for_a_lock()
    finally:
        release_first.set()
        for thread in threads:
            if thread.ident is not None:
                thread.join(timeout=30)
    assert isinstance(outcomes["first"], Intake)
    assert isinstance(outcomes["second"], IntakeSavedMeanwhile), outcomes["second"]
    stored = Intake.objects.get(episode=knee_a)
    assert stored.entered_by == coordinator_a and stored.pain_value == 4
    assert stored.history.count() == 1


def wait_until_a_connection_waits_for_a_lock(timeout_s: float = 30) -> None:
    """Return once another connection to this test database is blocked on a lock."""
    deadline = time.monotonic() + timeout_s
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                           "current_database() AND wait_event_type = 'Lock'")
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError("the second save never waited for the first")
