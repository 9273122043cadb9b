"""Every access record is in the chain; on PostgreSQL the table refuses UPDATE and DELETE.

The trigger stops the application and anyone using its database role from changing the
trail; it is not a defence against the database's owner, who can disable it, which is why
the records also carry the hash chain that `orthoregen audit verify` walks.
"""

from django.db import migrations, models

APPEND_ONLY = """
CREATE FUNCTION audit_accessrecord_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_accessrecord is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_accessrecord_append_only
    BEFORE UPDATE OR DELETE ON audit_accessrecord
    FOR EACH ROW EXECUTE FUNCTION audit_accessrecord_append_only();
"""

DROP_APPEND_ONLY = """
DROP TRIGGER IF EXISTS audit_accessrecord_append_only ON audit_accessrecord;
DROP FUNCTION IF EXISTS audit_accessrecord_append_only();
"""


class PostgreSQLOnly(migrations.RunSQL):
    """RunSQL that applies on PostgreSQL alone; SQLite has its single write lock and verify."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):

    dependencies = [("audit", "0003_chain_existing_records")]

    operations = [
        migrations.AlterField(
            model_name="accessrecord",
            name="sequence",
            field=models.PositiveBigIntegerField(editable=False, unique=True),
        ),
        PostgreSQLOnly(APPEND_ONLY, DROP_APPEND_ONLY),
    ]
