"""The baseline of every joint: asked at the candidacy decision, kept and joined when the
injection starts the schedule, refused after the injection, one message and one link for
several joints, flagged when missing."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from orthoregen.instruments import score
from orthoregen.web.consultation.models import CandidacyDecision
from orthoregen.web.consultation.services import decision_record
from orthoregen.web.followup.messages import render_naming_joint
from orthoregen.web.followup.models import (
    FollowUpSchedule,
    Message,
    MessageTemplate,
    QuestionnaireInvitation,
    QuestionnaireResponse,
    ScheduledVisit,
)
from orthoregen.web.followup.questionnaires import (
    LinkRefused,
    invitation_create,
    invitation_open,
)
from orthoregen.web.followup.reminders import call_script
from orthoregen.web.followup.services import baseline_after_decision, schedule_create
from orthoregen.web.followup.worklist import treated_without_baseline

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
DECIDED = dt.date(2026, 3, 2)
NOW = dt.datetime(2026, 3, 2, 11, 0, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def at_once(settings):
    """Send a baseline invitation at the decision, as a site with no settling delay does.

    These tests are about what one joint's baseline holds; the default delay, and the one
    message a patient decided on for two joints gets, are test_baseline_settle.py's.
    """
    settings.ORTHOREGEN_BASELINE_SETTLE_MINUTES = 0


def decide(episode, kind, by, capture, *, on=DECIDED):
    """Record a decision through the consultation's own service; run what commits."""
    reason = "" if kind == "agree" else "discussed with the patient"
    with capture(execute=True):
        return decision_record(episode, kind=kind, reason=reason, seen_outcome="incomplete",
                               by=by, on_date=on)


def baselines(episode):
    return ScheduledVisit.objects.filter(schedule__episode=episode, timepoint="baseline")


def link_in(message) -> str:
    return next(word for word in message.body.split() if "/portal/q/" in word)


def test_a_decision_to_treat_asks_for_the_baseline_and_sends_one_invitation_naming_the_joint(
        knee, clinician_a, django_capture_on_commit_callbacks):
    decide(knee, "override", clinician_a, django_capture_on_commit_callbacks)
    visit = baselines(knee).get()
    assert visit.schedule.administered_on is None and visit.status == "pending"
    # Due from the decision until 90 days later, until the injection day is known.
    assert (visit.earliest, visit.target, visit.latest) == (
        DECIDED, DECIDED + dt.timedelta(days=90), DECIDED + dt.timedelta(days=90))
    assert visit.instruments_due == ["nrs_pain", "womac_lk31", "koos"]
    [message] = mail.outbox
    assert "left knee" in message.subject and "your left knee (before treatment)" in message.body
    assert "treated joint" not in message.body
    assert Message.objects.get(visit=visit).step == "email"


@pytest.mark.parametrize("kind", ["decline", "agree"])  # agree with an incomplete result
def test_a_decision_that_allows_no_treatment_creates_no_baseline(
        knee, clinician_a, django_capture_on_commit_callbacks, kind):
    decide(knee, kind, clinician_a, django_capture_on_commit_callbacks)
    assert not baselines(knee).exists() and not FollowUpSchedule.objects.exists()
    assert mail.outbox == []


def test_a_second_decision_keeps_the_one_baseline_and_sends_nothing_twice(
        knee, clinician_a, django_capture_on_commit_callbacks, today):
    decide(knee, "override", clinician_a, django_capture_on_commit_callbacks)
    today.move_to(NOW + dt.timedelta(days=3))
    decide(knee, "override", clinician_a, django_capture_on_commit_callbacks,
           on=DECIDED + dt.timedelta(days=3))
    visit = baselines(knee).get()
    assert FollowUpSchedule.objects.count() == 1
    assert visit.earliest == DECIDED and visit.latest == DECIDED + dt.timedelta(days=93)
    assert len(mail.outbox) == 1


def test_a_decline_after_a_decision_to_treat_stops_the_baseline_and_its_link(
        knee, clinician_a, django_capture_on_commit_callbacks):
    decide(knee, "override", clinician_a, django_capture_on_commit_callbacks)
    token = link_in(mail.outbox[0]).split("/portal/q/")[1].strip("/")
    decide(knee, "decline", clinician_a, django_capture_on_commit_callbacks)
    assert baselines(knee).get().status == "stopped"
    with pytest.raises(LinkRefused):
        invitation_open(token)
    assert len(mail.outbox) == 1  # no invitation for a decline


def test_a_deferral_opens_the_baseline_when_it_ends(knee, clinician_a):
    decision = CandidacyDecision.objects.create(
        episode=knee, protocol_id=_protocol(knee), kind="agree", outcome="defer",
        defer_until=dt.date(2026, 4, 1), assessed_on=DECIDED, decided_on=DECIDED,
        decided_by=clinician_a)
    visit = baseline_after_decision(decision, by=clinician_a)
    assert visit.earliest == dt.date(2026, 4, 1)
    assert mail.outbox == []  # nothing is due before the deferral ends


def _protocol(episode):
    from orthoregen.web.consultation.protocols import protocol_current

    return protocol_current(episode.patient.site).pk


def test_the_injection_joins_the_baseline_to_its_schedule_without_a_second_one(
        knee, clinician_a, django_capture_on_commit_callbacks):
    decide(knee, "override", clinician_a, django_capture_on_commit_callbacks)
    invitation = QuestionnaireInvitation.objects.get()
    injected = dt.datetime(2026, 3, 20, 10, 30, tzinfo=LONDON)
    schedule = schedule_create(knee, administered_on=injected)
    assert FollowUpSchedule.objects.get() == schedule
    assert schedule.administered_on == dt.date(2026, 3, 20)
    visit = baselines(knee).get()
    assert (visit.earliest, visit.target, visit.latest) == (
        DECIDED, dt.date(2026, 3, 20), dt.date(2026, 3, 20))
    assert schedule.visits.filter(timepoint="month_3", kind="visit").exists()
    # The link sent at the decision stops at the moment of the injection.
    invitation.refresh_from_db()
    assert invitation.expires_at == injected


def test_a_baseline_is_refused_after_the_injection_day(
        knee, clinician_a, django_capture_on_commit_callbacks, today, client):
    decide(knee, "override", clinician_a, django_capture_on_commit_callbacks)
    visit = baselines(knee).get()
    schedule_create(knee, administered_on=dt.date(2026, 3, 20))
    # A link made on the injection day (before the injection) still works that day...
    today.move_to(dt.datetime(2026, 3, 20, 8, 0, tzinfo=LONDON))
    _, token = invitation_create(visit)
    assert invitation_open(token)
    # ...but not the day after: those answers would describe the treated joint.
    today.move_to(dt.datetime(2026, 3, 21, 9, 0, tzinfo=LONDON))
    with pytest.raises(LinkRefused) as refused:
        invitation_open(token)
    assert refused.value.reason in ("link expired", "baseline after the injection")
    page = client.get(f"/portal/q/{token}/")
    assert page.status_code == 404 and QuestionnaireResponse.objects.count() == 0


def test_a_link_never_holds_another_patients_visit(knee, patient_b, clinician_a,
                                                    clinician_b):
    mine = _baseline_now(knee, clinician_a)
    theirs = _baseline_now(patient_b.episodes.get(), clinician_b)
    with pytest.raises(ValueError):
        invitation_create(mine, extra_visits=[theirs])
    assert not QuestionnaireInvitation.objects.exists()


def _baseline_now(episode, by):
    decision = CandidacyDecision.objects.create(
        episode=episode, protocol_id=_protocol(episode), kind="override", outcome="incomplete",
        reason="test", assessed_on=DECIDED, decided_on=DECIDED, decided_by=by)
    return baseline_after_decision(decision, by=by)


def test_an_expired_link_is_refused(knee, clinician_a, today):
    visit = _baseline_now(knee, clinician_a)
    _, token = invitation_create(visit)
    today.move_to(NOW + dt.timedelta(days=31))  # links last 30 days by default
    with pytest.raises(LinkRefused) as refused:
        invitation_open(token)
    assert refused.value.reason == "link expired"


def test_messages_and_call_scripts_name_the_joint_even_with_a_site_template_that_does_not(
        knee, clinician_a, site_a):
    visit = _baseline_now(knee, clinician_a)
    assert "about the left knee" in call_script(visit)
    MessageTemplate.objects.create(site=site_a, channel="sms", body="$clinic: answer at $link")
    rendered = render_naming_joint("", "$clinic: answer at $link",
                                   {"joint": "left knee", "clinic": "A", "link": "L"})
    assert rendered.body == "A: answer at L\n(About your left knee.)"


def test_a_treatment_without_a_baseline_is_flagged_on_the_worklist(
        knee, hip, clinician_a, coordinator_a):
    schedule_create(knee, administered_on=dt.date(2026, 2, 20))  # no baseline asked
    schedule_create(hip, administered_on=dt.date(2026, 2, 20))
    QuestionnaireResponse.objects.create(
        episode=hip, timepoint="baseline", instrument_id="nrs_pain", instrument_version="1",
        answers={"NRS": 6}, scores=dict(score("nrs_pain", {"NRS": 6}).values),
        completed_on=dt.date(2026, 2, 10), submitted_at=timezone.now(), source="tablet",
        idempotency_key="hip-baseline")
    rows = treated_without_baseline(coordinator_a, DECIDED)
    assert [(r.joint, r.problem) for r in rows] == [
        ("knee", "no baseline questionnaire")]


def test_a_baseline_answered_after_the_injection_is_flagged_not_counted(knee, coordinator_a):
    schedule_create(knee, administered_on=dt.date(2026, 2, 20))
    QuestionnaireResponse.objects.create(
        episode=knee, timepoint="baseline", instrument_id="nrs_pain", instrument_version="1",
        answers={"NRS": 6}, scores=dict(score("nrs_pain", {"NRS": 6}).values),
        completed_on=dt.date(2026, 2, 21), submitted_at=timezone.now(), source="paper",
        idempotency_key="late-baseline")
    [row] = treated_without_baseline(coordinator_a, DECIDED)
    assert row.problem == "baseline answered after the injection"


def test_the_schedule_page_shows_the_baseline_before_treatment(
        knee, clinician_a, coordinator_a, as_user):
    _baseline_now(knee, clinician_a)
    page = as_user(coordinator_a).get(reverse("followup:schedule", args=[knee.pk]))
    text = page.content.decode()
    assert "Before treatment: baseline" in text and "Open on this tablet" in text


def test_the_progress_report_measures_change_from_the_portal_baseline(
        knee, clinician_a, client, today):
    from orthoregen.web.registry import report, services
    from orthoregen.web.registry.models import EpisodeFact

    visit = _baseline_now(knee, clinician_a)
    _, token = invitation_create(visit)
    path = f"/portal/q/{token}/"
    client.post(path, {"step": "0", "NRS": "7"})
    assert client.post(path, {"step": "1"}).status_code == 302
    schedule = schedule_create(knee, administered_on=dt.date(2026, 3, 10))
    month_3 = schedule.visits.get(timepoint="month_3", kind="visit")
    today.move_to(dt.datetime.combine(month_3.target, dt.time(11), LONDON))
    _, token = invitation_create(month_3)
    path = f"/portal/q/{token}/"
    client.post(path, {"step": "0", "NRS": "3"})
    client.post(path, {"step": "1", "new_swelling": "no", "redness": "no", "fever": "no",
                       "pain_much_worse": "no", "hospital_visit": "no"})
    frames = services.patient_frames(knee.patient, EpisodeFact.objects.none(),
                                     as_of=month_3.target)
    [section] = report.joint_sections(frames, {knee.pk: "left knee"})
    [pain] = [m for m in section.measures if m.measure.name.startswith("Pain")]
    assert (pain.baseline, pain.latest) == (7.0, 3.0)
    assert "Before treatment your score was 7.0; " in pain.summary


# The rows as worklist.html wrote them with template tags before baseline_lines.
TEMPLATE_ROWS = (
    "{% for row in no_baseline %}<tr><td><a href=\"{% url 'followup:schedule' row.episode.pk %}\">"
    "{{ row.episode.patient }}</a></td><td><span class=\"joint-tag {{ row.episode.joint }}\">"
    "{{ row.episode }}</span></td><td>{{ row.schedule.administered_on|date:\"d M Y\" }}</td>"
    "<td>{{ row.problem }}</td></tr>{% endfor %}")


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_worklist_writes_rows_without_a_baseline_as_the_template_did(
        knee, hip, coordinator_a, language):
    from django.template import Context, Template
    from django.utils import translation

    from orthoregen.web.followup.templatetags.worklist_rows import baseline_lines

    knee.patient.family_name = "O'Brien <b>"  # escaped the same way
    knee.patient.save()
    schedule_create(knee, administered_on=dt.date(2026, 2, 20))
    schedule_create(hip, administered_on=dt.date(2026, 2, 21))
    with translation.override(language):
        rows = treated_without_baseline(coordinator_a, DECIDED)
        assert len(rows) == 2
        # The template read each row's schedule, episode and patient as model instances.
        schedules = [FollowUpSchedule.objects.select_related("episode__patient")
                     .get(pk=row.schedule_id) for row in rows]
        shown = [{"schedule": schedule, "episode": schedule.episode, "problem": row.problem}
                 for schedule, row in zip(schedules, rows, strict=True)]
        expected = Template(TEMPLATE_ROWS).render(Context({"no_baseline": shown}))
        assert baseline_lines(rows) == expected
        assert "O&#x27;BRIEN &lt;B&gt;" in expected  # the family name, escaped
