"""What the application role may do in the keyring database.

Read a key, add one, destroy one (erasure). Never rewrite one: only
``rotate_data_keys``, logged in as the owner, re-wraps keys.
"""

from psycopg2 import sql

from trustrepair.rowsecurity.roles import app_role


def grant(cursor) -> None:
    app = sql.Identifier(app_role())
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [app_role()])
    if cursor.fetchone() is None:
        return  # made by the app database's first migration, or by a DBA (docs/privacy.md)
    cursor.execute("SELECT current_database()")
    database = sql.Identifier(cursor.fetchone()[0])
    cursor.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(database, app))
    cursor.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(app))
    cursor.execute(sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {}").format(app))
    cursor.execute(sql.SQL("GRANT SELECT, INSERT, DELETE ON keyring_datakey TO {}").format(app))
    cursor.execute(sql.SQL("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {}").format(app))
