"""The patient chart's data versions: one row per patient and the global row 0.

This migration creates the table, gives every patient already registered a first version
and installs the triggers that write it (clinic/chart_triggers.py); they are installed again
after every migrate, which this migration's own run (a test's executor) does not emit.
Reverse: drops the triggers and the table, so nothing writes a table that is gone.
"""

from django.db import migrations

from orthoregen.web.clinic import chart_triggers

NEW_VERSION = {"postgresql": "floor(random() * 9007199254740991)::bigint",
               "sqlite": "random()"}


def create(apps, schema_editor):
    connection = schema_editor.connection
    new = NEW_VERSION[connection.vendor]
    schema_editor.execute("CREATE TABLE clinic_chartversion "
                          "(patient_id bigint PRIMARY KEY, version bigint NOT NULL)")
    schema_editor.execute(f"INSERT INTO clinic_chartversion (patient_id, version) "
                          f"SELECT id, {new} FROM clinic_patient")
    schema_editor.execute(f"INSERT INTO clinic_chartversion (patient_id, version) "
                          f"VALUES (0, {new})")
    chart_triggers.install(connection)


def drop(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c "
                           "ON c.oid = t.tgrelid WHERE t.tgname LIKE 'chart_version_%%'")
            for table, name in cursor.fetchall():
                cursor.execute(f'DROP TRIGGER "{name}" ON "{table}"')
            cursor.execute("DROP FUNCTION IF EXISTS chart_version_bump(bigint[]) CASCADE")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                           "AND name LIKE 'chart_version_%%'")
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP TRIGGER "{name}"')
    schema_editor.execute("DROP TABLE clinic_chartversion")


class Migration(migrations.Migration):

    dependencies = [
        ("clinic", "0004_patient_preferred_language"),
        # Every table the chart reads exists before the triggers are installed on them.
        ("accounts", "0006_governed_signature_meanings"),
        ("cellbank", "0008_default_release_specs_for_every_site"),
        ("consultation", "0009_consent_document_lifecycle"),
        ("followup", "0007_section_order_indexes"),
        ("imaging", "0001_mri_studies_and_reads"),
        ("safety", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop)]
