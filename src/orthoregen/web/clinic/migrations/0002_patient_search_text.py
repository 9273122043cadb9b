"""The patient's search line (clinic.search), filled for existing patients, and on
PostgreSQL a pg_trgm GIN index so that LIKE '%word%' is answered from the index.

The index is created only on PostgreSQL (SQLite has neither GIN nor pg_trgm), so it is
kept outside Django's model state; pg_trgm is a trusted extension since PostgreSQL 13, so
the database's owner may create it (https://www.postgresql.org/docs/current/pgtrgm.html).
"""

from django.db import migrations, models

from orthoregen.web.clinic.search import search_text_of

BATCH = 2000
INDEX = "clinic_patient_search_trgm"


def backfill(apps, schema_editor):
    Patient = apps.get_model("clinic", "Patient")
    rows = Patient.objects.using(schema_editor.connection.alias).order_by("pk") \
        .only("pk", "family_name", "given_name", "mrn", "email", "phone")
    last = 0
    while batch := list(rows.filter(pk__gt=last)[:BATCH]):
        for patient in batch:
            patient.search_text = search_text_of(
                family_name=patient.family_name, given_name=patient.given_name,
                mrn=patient.mrn, email=patient.email, phone=patient.phone)
        Patient.objects.using(schema_editor.connection.alias) \
            .bulk_update(batch, ["search_text"], batch_size=BATCH)
        last = batch[-1].pk


def trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON clinic_patient "
                          "USING gin (search_text gin_trgm_ops)")


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ("clinic", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="patient",
            name="search_text",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(trigram_index, drop_trigram_index),
    ]
