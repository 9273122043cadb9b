"""No procedure without a current consent and a proceeding candidacy decision (the procedure
gate, docs/candidacy.md#procedure-gate), several joints per session, and the guidance rules
of docs/cell-products.md#image-guidance."""

import datetime as dt

import pytest
from django.utils import timezone

from orthoregen.web.cellbank import services
from orthoregen.web.cellbank.models import Procedure, ProcedureJoint
from orthoregen.web.consultation.models import CandidacyDecision, ConsentRecord
from orthoregen.web.procedures import services as procedures

TODAY = timezone.localdate


def start(patient, episodes, by):
    return procedures.procedure_start(patient, episodes, by=by, performed_on=TODAY(),
                                    time_out_completed=True)


def test_refuses_without_consent_or_decision_and_saves_nothing(knee_a, clinician_a, patient_a):
    with pytest.raises(services.CellbankRefused) as caught:
        start(patient_a, [knee_a], clinician_a)
    assert "Cannot start a procedure on the Left knee" in str(caught.value)
    assert "consent" in str(caught.value).lower() and "decision" in str(caught.value).lower()
    assert not Procedure.objects.exists() and not ProcedureJoint.objects.exists()


def test_refuses_with_a_decision_but_no_consent(knee_a, clinician_a, patient_a, kit):
    kit.clear_for_procedure(knee_a, clinician_a)
    ConsentRecord.objects.all().delete()
    with pytest.raises(services.CellbankRefused, match="(?i)consent"):
        start(patient_a, [knee_a], clinician_a)
    assert not Procedure.objects.exists()


def test_refuses_with_consent_but_a_declined_decision(knee_a, clinician_a, patient_a, kit):
    kit.clear_for_procedure(knee_a, clinician_a)
    CandidacyDecision.objects.all().delete()
    decision = dict(episode=knee_a, kind="decline", outcome="suitable", reason="patient choice",
                    assessed_on=TODAY(), decided_on=TODAY(), decided_by=clinician_a)
    from orthoregen.web.consultation.protocols import protocol_current

    CandidacyDecision.objects.create(protocol=protocol_current(knee_a.patient.site), **decision)
    with pytest.raises(services.CellbankRefused):
        start(patient_a, [knee_a], clinician_a)
    assert not Procedure.objects.exists()


def test_refuses_after_consent_is_withdrawn(knee_a, clinician_a, patient_a, kit):
    kit.clear_for_procedure(knee_a, clinician_a)
    record = ConsentRecord.objects.get()
    record.withdrawn_on = TODAY() - dt.timedelta(days=1)
    record.withdrawal_reason = "changed mind"
    record.save()
    with pytest.raises(services.CellbankRefused, match="(?i)withdrawn"):
        start(patient_a, [knee_a], clinician_a)


def test_one_session_treats_two_joints_and_refuses_if_either_is_not_cleared(
        cleared_knee, clinician_a, patient_a, kit):
    from orthoregen.web.clinic.models import JointEpisode

    right = JointEpisode.objects.create(patient=patient_a, joint="knee", side="right",
                                        diagnosis_code="M17.11",
                                        grade_scale="kellgren_lawrence", grade=2)
    with pytest.raises(services.CellbankRefused, match="Right knee"):
        start(patient_a, [cleared_knee, right], clinician_a)
    assert not Procedure.objects.exists()
    kit.clear_for_procedure(right, clinician_a)
    procedure = start(patient_a, [cleared_knee, right], clinician_a)
    assert {j.episode for j in procedure.joints.all()} == {cleared_knee, right}
    assert ProcedureJoint.history.count() == 2


def test_a_session_treats_the_joints_of_one_patient(cleared_knee, clinician_a, patient_b):
    with pytest.raises(services.CellbankRefused, match="one patient"):
        start(patient_b, [cleared_knee], clinician_a)


@pytest.mark.parametrize("joint, side, code, scale, message", [
    # products.procedure_record DEFAULT_GUIDANCE (CFG): the hip under ultrasound or
    # fluoroscopy, the knee under ultrasound; landmark at neither.
    ("hip", "right", "M16.11", "tonnis", "the hip is injected under fluoroscopy or ultrasound"),
    ("knee", "right", "M17.11", "kellgren_lawrence", "the knee is injected under ultrasound"),
])
def test_landmark_guidance_is_refused(patient_a, clinician_a, kit, joint, side, code, scale,
                                      message):
    from orthoregen.web.clinic.models import JointEpisode

    episode = JointEpisode.objects.create(patient=patient_a, joint=joint, side=side,
                                          diagnosis_code=code, grade_scale=scale, grade=2)
    kit.clear_for_procedure(episode, clinician_a)
    pj = start(patient_a, [episode], clinician_a).joints.get()
    with pytest.raises(services.CellbankRefused, match=message):
        procedures.procedure_joint_update(pj, by=clinician_a, guidance="landmark")
    pj.refresh_from_db()
    assert pj.guidance == "ultrasound"
    allowed = "fluoroscopy" if joint == "hip" else "ultrasound"
    procedures.procedure_joint_update(pj, by=clinician_a, guidance=allowed)


def test_injectate_above_the_joint_maximum_is_refused(session, clinician_a):
    # Project default maximum (docs/cell-products.md#cell-dose-and-volume): knee 10 mL.
    with pytest.raises(services.CellbankRefused, match="11 mL is above the default maximum"):
        procedures.procedure_joint_update(session, by=clinician_a, injectate_volume_ml=11.0)
    procedures.procedure_joint_update(session, by=clinician_a, injectate_volume_ml=10.0)
