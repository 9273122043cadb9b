"""Recording the candidacy decision: agreement, overrides with reasons, immutable snapshots."""

import pytest

from orthoregen.pathways import assess, facts_from_dict
from orthoregen.web.consultation.models import BodyMeasurement, CandidacyDecision, Intake
from orthoregen.web.consultation.models.decisions import DecisionImmutable


def decide(client, episode, **data):
    return client.post(f"/consultation/episodes/{episode.pk}/decide/", data)


@pytest.fixture
def kl4_knee(knee_a, intake_for):
    """A knee the catalogue's KL_KNEE rule says needs a physician's reason (KL 4)."""
    knee_a.grade = 4
    knee_a.save()
    intake_for(knee_a)
    return knee_a


def test_agreeing_is_one_click_and_keeps_protocol_facts_and_results(as_user, clinician_a,
                                                                    knee_a, intake_for):
    intake_for(knee_a)
    response = decide(as_user(clinician_a), knee_a, kind="agree", seen_outcome="suitable")
    assert response.status_code == 302
    decision = CandidacyDecision.objects.get()
    assert (decision.kind, decision.outcome, decision.reason) == ("agree", "suitable", "")
    assert decision.protocol.version == "2026.2"
    assert decision.facts["joint"] == "knee"
    assert {r["rule_id"] for r in decision.assessment["results"]} >= {"KNEE-GRADE-01"}
    assert decision.history.get().history_user == clinician_a


def test_override_without_reason_is_refused_and_nothing_saved(as_user, clinician_a, kl4_knee):
    response = decide(as_user(clinician_a), kl4_knee, kind="override",
                      seen_outcome="suitable_discuss", reason="   ")
    assert response.status_code == 200
    assert "needs a written reason" in response.content.decode()
    assert not CandidacyDecision.objects.exists()


def test_override_with_reason_is_saved_and_marked_everywhere(as_user, clinician_a, kl4_knee):
    client = as_user(clinician_a)
    decide(client, kl4_knee, kind="override", seen_outcome="suitable_discuss",
           reason="Patient understands limited substrate; declines arthroplasty for now.")
    decision = CandidacyDecision.objects.get()
    assert decision.is_override and decision.rules_needing_reason == ["KNEE-GRADE-02"]
    html = client.get(f"/consultation/episodes/{kl4_knee.pk}/").content.decode()
    assert 'class="override-badge">Override' in html
    assert "declines arthroplasty for now" in html


def test_override_is_refused_when_nothing_needs_a_reason(as_user, clinician_a, knee_a,
                                                         intake_for):
    intake_for(knee_a)
    response = decide(as_user(clinician_a), knee_a, kind="override", seen_outcome="suitable",
                      reason="no reason needed")
    assert "Nothing to override" in response.content.decode()
    assert not CandidacyDecision.objects.exists()


def test_decline_needs_a_reason(as_user, clinician_a, knee_a, intake_for):
    intake_for(knee_a)
    response = decide(as_user(clinician_a), knee_a, kind="decline", seen_outcome="suitable")
    assert "Declining treatment needs a written reason" in response.content.decode()
    assert not CandidacyDecision.objects.exists()


def test_decision_on_a_changed_result_is_refused(as_user, clinician_a, knee_a, intake_for):
    intake_for(knee_a)
    response = decide(as_user(clinician_a), knee_a, kind="agree", seen_outcome="defer")
    assert "changed since this page was loaded" in response.content.decode()
    assert not CandidacyDecision.objects.exists()


@pytest.mark.parametrize("data", [{}, {"kind": "maybe", "seen_outcome": "suitable"},
                                  {"kind": "agree"}])
def test_bad_decision_input_gives_errors_and_saves_nothing(as_user, clinician_a, knee_a,
                                                           intake_for, data):
    intake_for(knee_a)
    response = decide(as_user(clinician_a), knee_a, **data)
    assert response.status_code == 200
    assert "The decision was not recorded" in response.content.decode()
    assert not CandidacyDecision.objects.exists()


def test_snapshot_does_not_change_when_the_intake_is_edited(as_user, clinician_a, knee_a,
                                                            intake_for):
    intake_for(knee_a)
    client = as_user(clinician_a)
    decide(client, knee_a, kind="agree", seen_outcome="suitable")
    before = CandidacyDecision.objects.get()
    Intake.objects.filter(episode=knee_a).update(active_infection=True)
    BodyMeasurement.objects.filter(patient=knee_a.patient).update(weight_kg=120)
    html = client.get(f"/consultation/episodes/{knee_a.pk}/").content.decode()
    assert 'data-outcome="not_suitable"' in html  # today's assessment sees the edit
    after = CandidacyDecision.objects.get()
    assert after.facts == before.facts and after.assessment == before.assessment
    assert after.facts["comorbidities"]["active_infection"] is False
    # Re-read years later: the snapshot and the stored protocol give the same assessment.
    again = assess(facts_from_dict(after.facts), after.protocol.protocol(), after.assessed_on)
    assert again.to_dict() == after.assessment


def test_a_decision_is_never_edited(as_user, clinician_a, knee_a, intake_for):
    intake_for(knee_a)
    decide(as_user(clinician_a), knee_a, kind="agree", seen_outcome="suitable")
    decision = CandidacyDecision.objects.get()
    decision.reason = "changed later"
    with pytest.raises(DecisionImmutable):
        decision.save()


def test_a_new_decision_supersedes_the_old(as_user, clinician_a, knee_a, intake_for):
    intake_for(knee_a)
    client = as_user(clinician_a)
    decide(client, knee_a, kind="agree", seen_outcome="suitable")
    decide(client, knee_a, kind="decline", seen_outcome="suitable", reason="Patient moved away")
    html = client.get(f"/consultation/episodes/{knee_a.pk}/").content.decode()
    assert CandidacyDecision.objects.count() == 2
    assert html.count("(superseded)") == 1


@pytest.mark.parametrize("who", ["coordinator_a", "lab_a", "admin_a"])
def test_only_clinicians_decide(request, as_user, knee_a, intake_for, who):
    intake_for(knee_a)
    response = decide(as_user(request.getfixturevalue(who)), knee_a, kind="agree",
                      seen_outcome="suitable")
    assert response.status_code == 403
    assert not CandidacyDecision.objects.exists()


def test_other_site_clinician_cannot_decide(as_user, clinician_b, knee_a, intake_for):
    intake_for(knee_a)
    response = decide(as_user(clinician_b), knee_a, kind="agree", seen_outcome="suitable")
    assert response.status_code == 404
    assert not CandidacyDecision.objects.exists()


# A result whose rules need a reason cannot be agreed without one (the procedure gate would
# refuse it later; the decision is refused now).

def test_agreeing_without_a_reason_is_refused_by_the_service(clinician_a, kl4_knee):
    from django.utils import timezone

    from orthoregen.web.consultation import services
    with pytest.raises(services.DecisionNeedsReason) as refused:
        services.decision_record(kl4_knee, kind="agree", reason="  ",
                                 seen_outcome="suitable_discuss", by=clinician_a,
                                 on_date=timezone.localdate())
    assert "KNEE-GRADE-02" in refused.value.message_dict["reason"][0]
    assert not CandidacyDecision.objects.exists()


def test_the_form_says_a_reason_is_required_and_refuses_agreeing_without_one(
        as_user, clinician_a, kl4_knee):
    client = as_user(clinician_a)
    page = client.get(f"/consultation/episodes/{kl4_knee.pk}/").content.decode()
    assert "Agreeing with this result needs a written reason" in page
    assert "Reason <span class=\"req\">(required)</span>" in page
    response = decide(client, kl4_knee, kind="agree", seen_outcome="suitable_discuss")
    assert response.status_code == 200
    assert response.context["decision_form"].errors["reason"] == [
        "Agreeing with this result needs a written reason: KNEE-GRADE-02 need a reason to "
        "proceed."]
    assert not CandidacyDecision.objects.exists()


def test_agreeing_with_a_reason_is_recorded_and_passes_the_gate_on_the_decision(
        as_user, clinician_a, kl4_knee):
    from django.utils import timezone

    from orthoregen.web.consultation import services
    decide(as_user(clinician_a), kl4_knee, kind="agree", seen_outcome="suitable_discuss",
           reason="KL 4 discussed: limited substrate; arthroplasty declined for now.")
    decision = CandidacyDecision.objects.get()
    assert decision.kind == "agree" and decision.reason.startswith("KL 4 discussed")
    gate = services.procedure_gate(kl4_knee, timezone.localdate())
    assert not any("need a written reason" in reason for reason in gate.reasons)


def test_agreeing_to_defer_needs_no_reason_and_never_lets_a_procedure_proceed(
        as_user, clinician_a, knee_a, intake_for):
    import datetime as dt

    from django.utils import timezone

    from orthoregen.web.consultation import services
    from orthoregen.web.consultation.models import PriorInjection
    intake_for(knee_a)
    PriorInjection.objects.create(patient=knee_a.patient, agent="corticosteroid",
                                  joint="knee", side="left",
                                  given_on=timezone.localdate() - dt.timedelta(days=10))
    response = decide(as_user(clinician_a), knee_a, kind="agree", seen_outcome="defer",
                      reason="noted")
    assert response.status_code == 302
    gate = services.procedure_gate(knee_a, timezone.localdate())
    assert not gate.may_proceed
