"""The patient chart as the hub: one timeline of everything, flags at the top, each joint's
state in words, and nothing from another site's patient."""

import datetime as dt
import types

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from orthoregen.web.cellbank.models import (
    Administration,
    BedsideCheckAttempt,
    Harvest,
    InvestigationFinding,
    InvestigationRecipient,
    Procedure,
    ProcedureJoint,
    ProductInvestigation,
    ProductUnit,
)
from orthoregen.web.clinic.models import Encounter, JointEpisode, Patient
from orthoregen.web.consultation.consent_text import consent_document_seed
from orthoregen.web.consultation.models import CandidacyDecision, ConsentRecord, Intake
from orthoregen.web.consultation.protocols import protocol_current
from orthoregen.web.followup.models import (
    FollowUpSchedule,
    QuestionnaireResponse,
    ScheduledVisit,
    Withdrawal,
)
from orthoregen.web.followup.protocols import active_protocol
from orthoregen.web.safety.models import AdverseEvent, OutcomeEvent

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)


def full_pathway(patient, clinician, lab, *, serious_event=True):
    """Walk one knee through every stage, recorded straight in each stage's models."""
    site = patient.site
    knee = patient.episodes.get()
    hip = JointEpisode.objects.create(patient=patient, joint="hip", side="right",
                                      diagnosis_code="M16.11", grade_scale="kellgren_lawrence",
                                      grade=2)
    protocol = protocol_current(site)
    CandidacyDecision.objects.create(
        episode=knee, protocol=protocol, kind="override", outcome="defer",
        defer_until=TODAY + 70 * DAY, reason="Steroid injection 8 weeks ago; patient informed.",
        assessed_on=TODAY - 55 * DAY, decided_on=TODAY - 55 * DAY, decided_by=clinician)
    ConsentRecord.objects.create(
        episode=knee, document=consent_document_seed(site), consented_on=TODAY - 54 * DAY,
        consenting_person="Ada Aardvark", taken_by=clinician, elements_confirmed=[])
    harvest = Harvest.objects.create(patient=patient, episode=knee, source="bone_marrow",
                                     body_site="Posterior iliac crest", volume_ml=60,
                                     operator=clinician, harvested_at=timezone.now() - 60 * DAY)
    unit = ProductUnit.objects.create(
        site=site, identifier="G123417654321A", product_code="S1234000", identifier_kind="din",
        product_class="autologous_marrow_msc", harvest=harvest,
        collected_at=timezone.now() - 60 * DAY,
        expires_at=timezone.now() + 30 * DAY, storage="2-8 °C", status="administered",
        issued_to_episode=knee)
    procedure = Procedure.objects.create(patient=patient, performed_on=TODAY - 50 * DAY,
                                         operator=clinician, time_out_completed=True)
    pj = ProcedureJoint.objects.create(procedure=procedure, episode=knee,
                                       injectate_volume_ml=3.0)
    check = BedsideCheckAttempt.objects.create(
        procedure_joint=pj, unit=unit, scanned_identifier=unit.identifier, joint="knee",
        side="left", passed=True, by=clinician, at=timezone.now() - 50 * DAY)
    given = Administration.objects.create(procedure_joint=pj, unit=unit, bedside_check=check,
                                          administered_at=timezone.now() - 50 * DAY,
                                          by=clinician)
    schedule = FollowUpSchedule.objects.create(episode=knee, administered_on=TODAY - 50 * DAY,
                                               protocol=active_protocol())
    overdue = ScheduledVisit.objects.create(
        schedule=schedule, timepoint="week_6", label="6 weeks", earliest=TODAY - 15 * DAY,
        target=TODAY - 8 * DAY, latest=TODAY + 6 * DAY)
    done = ScheduledVisit.objects.create(
        schedule=schedule, timepoint="week_2", label="2 weeks", earliest=TODAY - 40 * DAY,
        target=TODAY - 36 * DAY, latest=TODAY - 30 * DAY, status="completed",
        completed_on=TODAY - 36 * DAY)
    QuestionnaireResponse.objects.create(
        episode=knee, visit=done, timepoint="week_2", instrument_id="nrs_pain",
        instrument_version="1", answers={"NRS": 4}, scores={"pain": 4.0},
        completed_on=TODAY - 36 * DAY, submitted_at=timezone.now() - 36 * DAY, source="staff",
        idempotency_key=f"hub-{patient.pk}")
    event = None
    if serious_event:
        event = AdverseEvent.objects.create(
            patient=patient, episode=knee, term="septic_arthritis", onset_on=TODAY - 20 * DAY,
            aware_on=TODAY - 19 * DAY, ctcae_grade=3, seriousness=["hospitalisation"],
            procedure_relatedness="probable", product_relatedness="possible",
            action="hospital_admission", outcome="recovering", recorded_by=clinician,
            recorded_at=timezone.now() - 19 * DAY)
    OutcomeEvent.objects.create(episode=hip, occurred_on=TODAY - 10 * DAY,
                                note="Total hip replacement", recorded_by=clinician)
    return types.SimpleNamespace(knee=knee, hip=hip, unit=unit, given=given, event=event,
                                 overdue=overdue, procedure=procedure)


@pytest.fixture
def pathway(patient_a, clinician_a, lab_a):
    return full_pathway(patient_a, clinician_a, lab_a)


def chart(client, patient, **params):
    # Drawn afresh, so that the response's context holds the content (a chart served from
    # the cache, clinic/chart_cache.py, renders only the page around it).
    cache.clear()
    response = client.get(reverse("patient-detail", args=[patient.pk]), params)
    return response, response.content.decode()


def test_the_chart_shows_everything_that_happened_newest_first(as_user, clinician_a,
                                                               patient_a, pathway):
    response, page = chart(as_user(clinician_a), patient_a)
    assert response.status_code == 200
    entries = response.context["timeline"].entries
    kinds = [entry.what for entry in entries]
    for expected in ("Consultation", "Override", "Consent", "Procedure", "Product received",
                     "Follow-up", "Visit", "Questionnaire", "Serious adverse event",
                     "Outcome event"):
        assert expected in kinds, expected
    days = [entry.on for entry in entries]
    assert days == sorted(days, reverse=True)
    assert "Encounters</dt><dd>0" not in page and "No encounters yet" not in page
    assert "Pain NRS 4" in page  # the questionnaire's score beside it
    assert "Unit G123417654321A given into the Left knee" in page


def test_an_overridden_deferral_reads_as_cleared_by_whom(as_user, clinician_a, patient_a,
                                                         pathway):
    _, page = chart(as_user(clinician_a), patient_a)
    assert "Cleared to proceed by override (Clinician_A Tester," in page
    assert "against the protocol" in page  # the protocol's result stays on record
    assert "Defer — override" not in page
    state = {e.pk: e.state for e in chart(as_user(clinician_a), patient_a)[0].context["episodes"]}
    # The joint has moved on since: its state is the furthest stage, follow-up overdue.
    assert state[pathway.knee.pk].startswith("In follow-up: 6 weeks visit overdue")
    assert state[pathway.hip.pk].startswith("Converted to joint replacement on")


def test_a_decision_is_the_state_until_the_joint_moves_on(as_user, clinician_a, patient_a):
    knee = patient_a.episodes.get()
    CandidacyDecision.objects.create(
        episode=knee, protocol=protocol_current(patient_a.site), kind="override",
        outcome="defer", defer_until=TODAY + 30 * DAY, reason="Informed choice.",
        assessed_on=TODAY, decided_on=TODAY, decided_by=clinician_a)
    response, page = chart(as_user(clinician_a), patient_a)
    state = response.context["episodes"][0].state
    assert state.startswith("Cleared to proceed by override (Clinician_A Tester")
    assert "until" not in state
    assert escape(state) in page


@pytest.mark.parametrize("alert", ["serious", "investigation", "overdue"])
def test_each_alert_flags_the_top_of_the_chart(as_user, clinician_a, lab_a, patient_a,
                                               pathway, alert):
    if alert == "investigation":
        investigation = ProductInvestigation.objects.create(
            site=patient_a.site, lot=pathway.unit, opened_at=timezone.now(), opened_by=lab_a)
        finding = InvestigationFinding.objects.create(
            investigation=investigation, reason="Recall by the manufacturer",
            at=timezone.now(), by=lab_a)
        InvestigationRecipient.objects.create(investigation=investigation,
                                              administration=pathway.given, finding=finding,
                                              detail="Received the recalled lot")
    response, page = chart(as_user(clinician_a), patient_a)
    texts = [a.text for a in response.context["alerts"]]
    expected = {"serious": "Serious adverse event open: Septic arthritis (Left knee)",
                "investigation": "Product investigation",
                "overdue": "Visit overdue: 6 weeks questionnaires for the Left knee"}[alert]
    assert any(text.startswith(expected) for text in texts), texts
    assert page.index("chart-alerts") < page.index("Treated joints")


def test_no_alert_once_the_serious_event_is_settled(as_user, clinician_a, patient_a, pathway):
    AdverseEvent.objects.filter(pk=pathway.event.pk).update(
        outcome="recovered", resolved_on=TODAY, reports_done_on=TODAY)
    ScheduledVisit.objects.filter(pk=pathway.overdue.pk).update(status="completed",
                                                                 completed_on=TODAY)
    response, _ = chart(as_user(clinician_a), patient_a)
    assert response.context["alerts"] == []


def test_the_timeline_filters_by_joint(as_user, clinician_a, patient_a, pathway):
    response, _ = chart(as_user(clinician_a), patient_a, joint=pathway.hip.pk)
    entries = response.context["timeline"].entries
    assert {e.episode_id for e in entries} <= {pathway.hip.pk, None}
    assert "Outcome event" in [e.what for e in entries]
    assert "Override" not in [e.what for e in entries]


@pytest.mark.parametrize("joint", ["999999", "abc", "1 OR 1=1"])
def test_a_joint_not_on_this_chart_is_a_400(as_user, clinician_a, patient_a, joint):
    response, _ = chart(as_user(clinician_a), patient_a, joint=joint)
    assert response.status_code == 400


def test_another_patients_joint_is_refused_on_this_chart(as_user, clinician_a, patient_a,
                                                         site_a):
    other = Patient.objects.create(site=site_a, mrn="A-0009", family_name="Osprey",
                                   given_name="Ola", date_of_birth=dt.date(1950, 1, 1),
                                   sex="female")
    hers = JointEpisode.objects.create(patient=other, joint="knee", side="right",
                                       diagnosis_code="M17.11", grade_scale="kellgren_lawrence",
                                       grade=2)
    response, _ = chart(as_user(clinician_a), patient_a, joint=hers.pk)
    assert response.status_code == 400


def test_the_timeline_is_bounded_with_show_more(as_user, clinician_a, patient_a):
    knee = patient_a.episodes.get()
    Encounter.objects.bulk_create([
        Encounter(episode=knee, kind="follow_up", occurred_on=TODAY - n * DAY)
        for n in range(1, 70)])
    response, page = chart(as_user(clinician_a), patient_a)
    assert len(response.context["timeline"].entries) == 50
    assert response.context["timeline"].has_more and "Show more" in page
    response, page = chart(as_user(clinician_a), patient_a, limit="100")
    assert len(response.context["timeline"].entries) == 70  # 69 + the fixture's consultation
    assert not response.context["timeline"].has_more
    for absurd in ("-5", "x", "99999999999"):
        response, _ = chart(as_user(clinician_a), patient_a, limit=absurd)
        assert response.status_code == 200
        assert len(response.context["timeline"].entries) <= 1000


def test_another_sites_patient_never_reaches_the_chart(as_user, clinician_a, clinician_b,
                                                       lab_a, patient_a, patient_b):
    full_pathway(patient_b, clinician_b, lab_a)
    response, _ = chart(as_user(clinician_a), patient_b)
    assert response.status_code == 404
    response, page = chart(as_user(clinician_a), patient_a)
    assert "BITTERN" not in page and "Septic" not in page


def test_a_role_that_may_not_see_patients_gets_no_chart(as_user, analyst_a, patient_a,
                                                        pathway):
    response, page = chart(as_user(analyst_a), patient_a)
    assert response.status_code == 404 and "Septic" not in page


def test_withdrawal_appears_and_sets_the_followed_joint_state(as_user, clinician_a, patient_a,
                                                              pathway):
    Withdrawal.objects.create(patient=patient_a, withdrawn_on=TODAY - DAY, reason="Moved away")
    response, page = chart(as_user(clinician_a), patient_a)
    assert "Withdrew from follow-up" in page and "Moved away" in page
    state = {e.pk: e.state for e in response.context["episodes"]}
    assert state[pathway.knee.pk].startswith("Withdrawn from follow-up on")


def test_an_intake_awaiting_its_decision_is_the_joints_state(as_user, clinician_a,
                                                              patient_a):
    knee = patient_a.episodes.get()
    Intake.objects.create(episode=knee, recorded_on=TODAY - 2 * DAY, entered_by=clinician_a)
    response, page = chart(as_user(clinician_a), patient_a)
    assert response.context["episodes"][0].state.endswith("awaiting the candidacy decision")
    assert "Intake recorded" in [e.title for e in response.context["timeline"].entries]


def test_allergies_flag_when_the_consultation_records_them(as_user, clinician_a, patient_a):
    from django.utils import timezone

    from orthoregen.web.consultation.models import Allergy

    Allergy.objects.create(patient=patient_a, substance="Penicillin", reaction="anaphylaxis",
                           recorded_by=clinician_a)
    Allergy.objects.create(patient=patient_a, substance="Latex", reaction="rash",
                           recorded_by=clinician_a, removed_at=timezone.now(),
                           removed_by=clinician_a, removal_reason="entered for another patient")
    response, page = chart(as_user(clinician_a), patient_a)
    flags = [a.text for a in response.context["alerts"] if a.level == "danger"]
    assert any(text.startswith("Allergy: Penicillin (anaphylaxis)") for text in flags)
    assert not any("Latex" in text for text in flags)  # removed in error: no flag
