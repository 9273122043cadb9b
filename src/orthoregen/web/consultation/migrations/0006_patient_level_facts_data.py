"""Move comorbidities, smoking, height, weight and laboratory results from each joint's intake
to the patient.

- Comorbidities and smoking: the patient's latest intake (by intake date, then last save)
  gives each answer; an answer it left "not asked" is taken from the next latest intake that
  gave one, so no recorded answer is lost. Its date is that intake's date.
- Height and weight: one dated measurement per intake that recorded them, dated with the
  intake, except an intake whose values were carried forward unchanged from another (a copy
  is not a measurement).
- Laboratory results: each row takes the patient of its intake. A row carried forward from
  another intake (same test, value and collection date as a row already moved for the
  patient) is kept but marked removed, with the reason, so nothing is deleted.

Not reversible: after the move an answer no longer belongs to one joint, so it cannot be
put back into the one intake it came from without guessing.
"""

from django.db import migrations
from django.utils import timezone

CONDITIONS = ("diabetes", "inflammatory_arthritis", "malignancy_status",
              "malignancy_last_active_on", "bleeding_disorder", "immunodeficiency",
              "childbearing_potential", "effective_contraception", "current_smoker")
DUPLICATE = "duplicate: a copy carried forward between intakes when laboratory results " \
            "moved to the patient"


def forwards(apps, schema_editor):
    Intake = apps.get_model("consultation", "Intake")
    intakes = list(Intake.objects.select_related("episode")
                   .order_by("-recorded_on", "-entered_at", "-pk"))
    _conditions(apps, intakes)
    _measurements(apps, intakes)
    _labs(apps)


def _conditions(apps, intakes):
    PatientConditions = apps.get_model("consultation", "PatientConditions")
    chosen: dict[int, dict] = {}
    for intake in intakes:  # newest first
        patient_id = intake.episode.patient_id
        values = chosen.setdefault(patient_id, {"asked_on": intake.recorded_on,
                                                "entered_by_id": intake.entered_by_id})
        for name in CONDITIONS:
            value = getattr(intake, name)
            if values.get(name) in (None, "") and value not in (None, ""):
                values[name] = value
    PatientConditions.objects.bulk_create(
        [PatientConditions(patient_id=patient_id, **values)
         for patient_id, values in chosen.items()], batch_size=2000)


def _measurements(apps, intakes):
    BodyMeasurement = apps.get_model("consultation", "BodyMeasurement")
    by_pk = {intake.pk: intake for intake in intakes}
    rows = []
    for intake in intakes:
        if intake.height_cm is None and intake.weight_kg is None:
            continue
        source = by_pk.get(intake.carried_forward_from_id)
        if source is not None and (source.height_cm, source.weight_kg) == (
                intake.height_cm, intake.weight_kg):
            continue
        rows.append(BodyMeasurement(
            patient_id=intake.episode.patient_id, measured_on=intake.recorded_on,
            height_cm=intake.height_cm, weight_kg=intake.weight_kg,
            entered_by_id=intake.entered_by_id, recorded_by_id=intake.entered_by_id))
    BodyMeasurement.objects.bulk_create(rows, batch_size=2000)


def _labs(apps):
    LabResult = apps.get_model("consultation", "LabResult")
    seen: set[tuple] = set()
    now = timezone.now()
    for row in LabResult.objects.select_related("intake__episode").order_by("pk").iterator():
        row.patient_id = row.intake.episode.patient_id
        row.recorded_at, row.recorded_by_id = row.entered_at, row.entered_by_id
        key = (row.patient_id, row.test, row.value, row.collected_on)
        if key in seen and row.removed_at is None:
            row.removed_at, row.removal_reason = now, DUPLICATE
        seen.add(key)
        row.save(update_fields=["patient", "recorded_at", "recorded_by", "removed_at",
                                "removal_reason"])
    HistoricalLabResult = apps.get_model("consultation", "HistoricalLabResult")
    Intake = apps.get_model("consultation", "Intake")
    patients = dict(Intake.objects.values_list("pk", "episode__patient_id"))
    for old in HistoricalLabResult.objects.iterator():
        old.patient_id = patients.get(old.intake_id)
        old.recorded_at, old.recorded_by_id = old.entered_at, old.entered_by_id
        old.save(update_fields=["patient", "recorded_at", "recorded_by"])


class Migration(migrations.Migration):
    dependencies = [("consultation", "0005_patient_level_facts_a")]
    operations = [migrations.RunPython(forwards)]
