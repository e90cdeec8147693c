"""Make the therapist access log append-only in the database itself, below the ORM and the admin."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION accounts_accesslog_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'accounts_accesslogentry is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accounts_accesslog_no_update_or_delete
    BEFORE UPDATE OR DELETE ON accounts_accesslogentry
    FOR EACH ROW EXECUTE FUNCTION accounts_accesslog_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS accounts_accesslog_no_update_or_delete ON accounts_accesslogentry;
DROP FUNCTION IF EXISTS accounts_accesslog_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_therapists")]
    operations = [migrations.RunPython(forwards, backwards)]
