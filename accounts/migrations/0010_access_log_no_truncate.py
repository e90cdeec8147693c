"""The access log refuses TRUNCATE too (0006 refuses UPDATE and DELETE, which TRUNCATE never fires).

The one way through is a session setting no app code sets: the test suite sets it
so Django's ``flush`` (a TRUNCATE of every table) can reset the database between
transactional tests. Someone who can set it can also drop the trigger; like
0006, this guards against the app and its tools, not the database owner.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION accounts_accesslog_no_truncate() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('trustrepair.flush_access_log', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'accounts_accesslogentry is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accounts_accesslog_no_truncate
    BEFORE TRUNCATE ON accounts_accesslogentry
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_accesslog_no_truncate();
"""
DROP = """
DROP TRIGGER IF EXISTS accounts_accesslog_no_truncate ON accounts_accesslogentry;
DROP FUNCTION IF EXISTS accounts_accesslog_no_truncate();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0009_protection_per_person")]
    operations = [migrations.RunPython(forwards, backwards)]
