"""Move the injection, surgery and medication rows from each joint's intake to the patient.

Each row takes the patient of the intake it was entered on and keeps its values, author and
dates (its first recording is taken as its last entry). A patient's histories count as taken
(PatientHistory.*_reviewed) when any of the patient's intakes had said so. Reversible: a row
goes back to the patient's earliest intake.
"""

from django.db import migrations

FLAGS = ("injections_reviewed", "surgeries_reviewed", "medications_reviewed")
TABLES = ("PriorInjection", "PriorSurgery", "Medication")


def forwards(apps, schema_editor):
    Intake = apps.get_model("consultation", "Intake")
    PatientHistory = apps.get_model("consultation", "PatientHistory")
    for name in TABLES:
        model = apps.get_model("consultation", name)
        for row in model.objects.select_related("intake__episode").iterator():
            row.patient_id = row.intake.episode.patient_id
            row.recorded_at = row.entered_at
            row.recorded_by_id = row.entered_by_id
            row.save(update_fields=["patient", "recorded_at", "recorded_by"])
        # Their history rows name the patient and the first recording too, so that the
        # past versions read as the rows do now (a removed intake leaves the patient blank).
        historical = apps.get_model("consultation", f"Historical{name}")
        patients = dict(Intake.objects.values_list("pk", "episode__patient_id"))
        for old in historical.objects.iterator():
            old.patient_id = patients.get(old.intake_id)
            old.recorded_at = old.entered_at
            old.recorded_by_id = old.entered_by_id
            old.save(update_fields=["patient", "recorded_at", "recorded_by"])
    flags: dict[int, dict[str, bool]] = {}
    for intake in Intake.objects.select_related("episode").iterator():
        seen = flags.setdefault(intake.episode.patient_id, dict.fromkeys(FLAGS, False))
        for flag in FLAGS:
            seen[flag] = seen[flag] or getattr(intake, flag)
    PatientHistory.objects.bulk_create(
        [PatientHistory(patient_id=patient_id, **values) for patient_id, values in flags.items()],
        batch_size=2000)


def backwards(apps, schema_editor):
    Intake = apps.get_model("consultation", "Intake")
    PatientHistory = apps.get_model("consultation", "PatientHistory")
    for name in TABLES:
        model = apps.get_model("consultation", name)
        for row in model.objects.iterator():
            first = Intake.objects.filter(episode__patient_id=row.patient_id) \
                .order_by("recorded_on", "pk").first()
            if first is None:
                continue
            row.intake_id = first.pk
            row.save(update_fields=["intake"])
    for history in PatientHistory.objects.iterator():
        Intake.objects.filter(episode__patient_id=history.patient_id).update(
            **{flag: getattr(history, flag) for flag in FLAGS})
    PatientHistory.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("consultation", "0002_patient_history_a")]
    operations = [migrations.RunPython(forwards, backwards)]
