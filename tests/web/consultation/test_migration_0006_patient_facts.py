"""The one-way move of patient-level facts (consultation 0006) run on real rows.

The test database is at the latest migration. Migration 0006 declares no reverse (a fact that
no longer belongs to one joint cannot be put back into the intake it came from without
guessing), so the test goes back as far as it can for real (to 0006, unapplying 0007 and
0008), removes only the record that 0006 was applied, writes intakes with the models of that
state (consultation at 0005), runs 0006 forwards for real and checks what moved. Then it
checks that going back is refused by name, and migrates to the latest state again whatever
happened.

A transactional test (migrations change the schema, which needs real commits), once per
database; most of its time is Django rendering the migration states.
"""

import datetime as dt

import pytest
from django.db.migrations.exceptions import IrreversibleError
from tests.web.migrating import back_to_latest, migrate, models_as_applied

BEFORE = [("consultation", "0005_patient_level_facts_a")]
MOVE = [("consultation", "0006_patient_level_facts_data")]
KNEE_ON, HIP_ON = dt.date(2026, 1, 10), dt.date(2026, 3, 1)
pytestmark = pytest.mark.django_db(transaction=True)


def _intakes_at_0005(apps) -> dict[str, object]:
    """One patient, two joints: the hip's intake (newer) was carried forward from the knee's."""
    site = apps.get_model("accounts", "Site").objects.create(code="mig", name="Migration site")
    user = apps.get_model("accounts", "User").objects.create(username="mig-clinician",
                                                             password="!")
    patient = apps.get_model("clinic", "Patient").objects.create(
        site=site, mrn="MIG-1", family_name="Okafor", given_name="Ada",
        date_of_birth=dt.date(1960, 5, 4), sex="female")
    episode = apps.get_model("clinic", "JointEpisode")
    knee = episode.objects.create(patient=patient, joint="knee", side="right",
                                  diagnosis_code="M17.11", grade_scale="kellgren_lawrence")
    hip = episode.objects.create(patient=patient, joint="hip", side="left",
                                 diagnosis_code="M16.12", grade_scale="kellgren_lawrence")
    intake = apps.get_model("consultation", "Intake")
    knee_intake = intake.objects.create(
        episode=knee, recorded_on=KNEE_ON, entered_by=user, diabetes=True, current_smoker=True,
        malignancy_status="never", height_cm=170.0, weight_kg=80.0)
    hip_intake = intake.objects.create(  # diabetes and malignancy not asked again
        episode=hip, recorded_on=HIP_ON, entered_by=user, diabetes=None, current_smoker=False,
        malignancy_status="", height_cm=170.0, weight_kg=80.0, carried_forward_from=knee_intake)
    lab = apps.get_model("consultation", "LabResult")
    lab.objects.create(intake=knee_intake, test="hba1c_percent", value=6.1,
                       collected_on=dt.date(2026, 1, 5), entered_by=user)
    lab.objects.create(intake=hip_intake, test="hba1c_percent", value=6.1,  # the copy
                       collected_on=dt.date(2026, 1, 5), entered_by=user)
    lab.objects.create(intake=hip_intake, test="alt_iu_l", value=30.0,
                       collected_on=dt.date(2026, 2, 20), entered_by=user)
    return {"patient_id": patient.pk, "user_id": user.pk}


def test_0006_moves_the_intakes_facts_to_the_patient_and_refuses_to_go_back():
    with back_to_latest() as executor:
        migrate(executor, MOVE)  # unapplies 0007 and 0008 for real
        executor.recorder.record_unapplied(*MOVE[0])  # 0006 has no reverse: only its record
        made = _intakes_at_0005(models_as_applied(executor))
        migrate(executor, MOVE)
        apps = models_as_applied(executor)

        conditions = apps.get_model("consultation", "PatientConditions").objects.get()
        assert conditions.patient_id == made["patient_id"]
        assert conditions.asked_on == HIP_ON  # the latest intake gives the date
        assert conditions.current_smoker is False  # the latest answer wins
        assert conditions.diabetes is True  # not asked at the hip: the knee's answer is kept
        assert conditions.malignancy_status == "never"
        assert conditions.entered_by_id == made["user_id"]

        # The hip's height and weight were carried forward unchanged: one measurement.
        measurements = apps.get_model("consultation", "BodyMeasurement").objects.all()
        assert [(m.measured_on, m.height_cm, m.weight_kg) for m in measurements] == [
            (KNEE_ON, 170.0, 80.0)]

        labs = apps.get_model("consultation", "LabResult").objects.order_by("pk")
        assert {lab.patient_id for lab in labs} == {made["patient_id"]}
        assert [(lab.test, lab.removed_at is not None) for lab in labs] == [
            ("hba1c_percent", False), ("hba1c_percent", True), ("alt_iu_l", False)]
        assert labs[1].removal_reason.startswith("duplicate: a copy carried forward")

        with pytest.raises(IrreversibleError, match="0006_patient_level_facts_data"):
            migrate(executor, BEFORE)
        assert apps.get_model("consultation", "PatientConditions").objects.count() == 1
