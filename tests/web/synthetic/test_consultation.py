"""The synthetic cohort gains intakes, engine decisions and consents."""

import datetime as dt

from orthoregen.pathways import assess, facts_from_dict
from orthoregen.web.clinic.models import JointEpisode
from orthoregen.web.consultation import services
from orthoregen.web.consultation.facts import facts_from_episode
from orthoregen.web.consultation.models import CandidacyDecision, ConsentRecord, Intake
from orthoregen.web.synthetic import consultation
from orthoregen.web.synthetic.clinic import synth_load

AS_OF = dt.date(2026, 6, 30)
# The consultation stage alone: these tests are about its rows.
CONSULTATION = ("consultation",)


def test_every_episode_gets_an_intake_and_outcomes_vary(site_a, clinician_a):
    synth_load(site_a, 300, seed=4, as_of=AS_OF, stages=CONSULTATION)
    episodes = JointEpisode.objects.count()
    assert Intake.objects.count() == episodes
    outcomes = set(CandidacyDecision.objects.values_list("outcome", flat=True))
    assert {"suitable", "suitable_discuss", "defer", "not_suitable"} <= outcomes
    assert not CandidacyDecision.objects.filter(facts__isnull=True).exists()
    # Overrides carry their reason and the rules that needed it.
    for decision in CandidacyDecision.objects.filter(kind="override"):
        assert decision.reason and decision.rules_needing_reason
    # Consents exist only for decisions that let the procedure go ahead.
    consented = ConsentRecord.objects.values_list("episode", flat=True)
    assert consented
    for decision in CandidacyDecision.objects.filter(episode__in=consented):
        assert decision.outcome in ("suitable", "suitable_discuss")
    assert ConsentRecord.objects.filter(taken_by=clinician_a).count() == len(consented)


def test_stored_snapshots_reproduce_the_engine(site_a, clinician_a):
    synth_load(site_a, 60, seed=8, as_of=AS_OF, stages=CONSULTATION)
    for decision in CandidacyDecision.objects.select_related("protocol"):
        again = assess(facts_from_dict(decision.facts), decision.protocol.protocol(),
                       decision.assessed_on)
        assert again.to_dict() == decision.assessment


def test_class_outcomes_match_the_engine_on_the_database_facts(site_a, clinician_a,
                                                               monkeypatch):
    monkeypatch.setattr(consultation, "SNAPSHOT_SAMPLE", 10)
    synth_load(site_a, 250, seed=9, as_of=AS_OF, stages=CONSULTATION)
    bulk = CandidacyDecision.objects.filter(computed_by="synthetic_bulk")
    assert bulk.count() > 200
    for decision in bulk.select_related("episode__patient", "protocol")[:120]:
        facts = facts_from_episode(decision.episode, decision.assessed_on)
        real = assess(facts, decision.protocol.protocol(), decision.assessed_on)
        assert decision.outcome == real.outcome.value
        assert decision.defer_until == real.defer_until


def test_treated_consented_episodes_pass_the_gate_on_their_consent_day(site_a, clinician_a):
    synth_load(site_a, 120, seed=6, as_of=AS_OF, stages=CONSULTATION)
    consent = ConsentRecord.objects.filter(withdrawn_on__isnull=True).first()
    assert services.procedure_gate(consent.episode, consent.consented_on).may_proceed
    day_before = consent.consented_on - dt.timedelta(days=1)
    assert not services.procedure_gate(consent.episode, day_before).may_proceed
