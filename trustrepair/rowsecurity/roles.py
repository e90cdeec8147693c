"""The three database roles and the grants that tie them to the tables.

- the **owner** (``DATABASE_OWNER_URL``) runs migrations and owns every table;
- the **application role** (``DATABASE_APP_ROLE``) is what the web app, Celery
  workers and beat act as: it owns nothing, is neither superuser nor
  ``BYPASSRLS``, and sees a protected row only through its policies;
- the **jobs role** (``DATABASE_JOBS_ROLE``) logs in never: the application role
  switches to it for the few jobs that act across people, and it may touch only
  the tables in ``tables.JOBS``.

Migrations create the two roles when the owner may (a superuser or CREATEROLE,
as in ``make run`` and ``make test``); in production a DBA creates them once
(docs/privacy.md) and migrations only grant.
"""

from __future__ import annotations

from contextlib import contextmanager

import dj_database_url
from django.conf import settings
from django.db import connections
from psycopg2 import sql

from . import tables


def app_role() -> str:
    return settings.DATABASE_APP_ROLE


def jobs_role() -> str:
    return settings.DATABASE_JOBS_ROLE


LOGIN_KEYS = ("USER", "PASSWORD", "HOST", "PORT")


def _log_in(connection, values: dict) -> None:
    connection.close()
    connection.settings_dict.update(values)


@contextmanager
def as_owner(alias: str = "default"):
    """Log ``alias`` in as the owner for the block (migrations, demo and benchmark seeding).

    Without ``DATABASE_OWNER_URL`` the login stays as it is (tests log in as the owner).
    """
    connection = connections[alias]
    saved = {key: connection.settings_dict[key] for key in LOGIN_KEYS}
    owner = settings.KEYRING_OWNER_URL if alias == "keyring" else settings.DATABASE_OWNER_URL
    if owner and connection.in_atomic_block:
        raise RuntimeError("as_owner() logs in again: start it outside any transaction.")
    if owner:
        parsed = dj_database_url.parse(owner)
        _log_in(connection, {key: parsed[key] for key in LOGIN_KEYS})
    connection.rowsecurity_owner = True
    try:
        yield
    finally:
        connection.rowsecurity_owner = False
        if owner:
            _log_in(connection, saved)


def _exists(cursor, role: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
    return cursor.fetchone() is not None


def _may_create_roles(cursor) -> bool:
    cursor.execute("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user")
    return bool(cursor.fetchone()[0])


def ensure_roles(cursor) -> None:
    """Create the application and jobs roles when missing and the owner may; grant the switch between them.

    NOINHERIT on the application role: it holds the jobs role's rights only after an
    explicit ``SET ROLE``, never in an ordinary request.
    """
    app, jobs = sql.Identifier(app_role()), sql.Identifier(jobs_role())
    missing = [role for role in (app_role(), jobs_role()) if not _exists(cursor, role)]
    if missing:
        if not _may_create_roles(cursor):
            raise RuntimeError(
                f"The database roles {', '.join(missing)} do not exist and the role running migrations may not "
                "create them. Create them once as described in docs/privacy.md."
            )
        if app_role() in missing:
            cursor.execute(
                sql.SQL("CREATE ROLE {} LOGIN NOINHERIT NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE").format(app)
            )
        if jobs_role() in missing:
            cursor.execute(sql.SQL("CREATE ROLE {} NOLOGIN NOINHERIT NOSUPERUSER NOBYPASSRLS").format(jobs))
    cursor.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", [app_role(), jobs_role()])
    if not cursor.fetchone()[0]:
        cursor.execute(sql.SQL("GRANT {} TO {}").format(jobs, app))
    # A login that is not the application role itself (the owner in tests, in migrations) must be
    # able to switch to both for the same policies to apply to it.
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    if not cursor.fetchone()[0]:
        for role in (app, jobs):
            cursor.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(role))


def grant(cursor) -> None:
    """What each role may touch, re-applied after every migration so a new table is never left out."""
    app, jobs = sql.Identifier(app_role()), sql.Identifier(jobs_role())
    cursor.execute("SELECT current_database()")
    database = sql.Identifier(cursor.fetchone()[0])
    cursor.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(database, app))
    cursor.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}, {}").format(app, jobs))
    cursor.execute(sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(app))
    cursor.execute(sql.SQL("GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {}").format(app))
    cursor.execute(sql.SQL("GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {}, {}").format(app, jobs))
    cursor.execute("SELECT to_regprocedure('tr_erase_writing(bigint, bigint)')")
    if cursor.fetchone()[0] is not None:  # erasure is the person's own act, never a job's
        cursor.execute(sql.SQL("REVOKE EXECUTE ON FUNCTION tr_erase_writing(bigint, bigint) FROM {}").format(jobs))
    # The jobs role: the open tables to read, and exactly its protected tables.
    cursor.execute(sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {}").format(jobs))
    for table in sorted(tables.OPEN):
        cursor.execute("SELECT to_regclass(%s)", [table])
        if cursor.fetchone()[0] is not None:
            cursor.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(sql.Identifier(table), jobs))
    for table, privileges in tables.JOBS.items():
        cursor.execute(sql.SQL(f"GRANT {privileges} ON {{}} TO {{}}").format(sql.Identifier(table), jobs))
    cursor.execute(sql.SQL("GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {}").format(jobs))
