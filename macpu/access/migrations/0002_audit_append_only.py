"""On PostgreSQL the audit tables refuse UPDATE, DELETE and TRUNCATE, for every role (the owner too: removing the
triggers takes an ALTER TABLE, which the exported chain head then shows up). SQLite has no such triggers."""

from django.db import migrations

TABLES = ("access_auditevent", "access_auditsubject")

FUNCTION = """
CREATE OR REPLACE FUNCTION macpu_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'The audit trail is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""


def harden(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION macpu_audit_append_only()"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION macpu_audit_append_only()"
        )


def soften(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS macpu_audit_append_only()")


class Migration(migrations.Migration):
    dependencies = [("access", "0001_audit_trail_and_access")]

    operations = [migrations.RunPython(harden, soften)]
