"""The start-up check: the application role cannot own a table or bypass row security.

Run by ``manage.py check --database default``, by migrate, and on start of the
web app (``trustrepair/wsgi.py``), Celery workers and beat (``trustrepair/celery.py``),
which refuse to start when it fails.
"""

from __future__ import annotations

from django.core.checks import Error, Tags, register
from django.db import connections

from . import roles, tables

NOT_BUILT = "the row-security migrations have not run (manage.py migrate)"


def problems(using: str = "default") -> list[str]:
    """What is wrong with the wall on this database, in plain words; empty when it stands."""
    app = roles.app_role()
    found = []
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT to_regprocedure('tr_person()')")
        if cursor.fetchone()[0] is None:
            return [NOT_BUILT]
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [app])
        row = cursor.fetchone()
        if row is None:
            return [f"the application role {app} does not exist (run migrations)"]
        if row[0] or row[1]:
            found.append(f"the application role {app} is a superuser or may bypass row security")
        cursor.execute(
            "SELECT r.rolname FROM pg_roles r WHERE r.rolname <> %s AND pg_has_role(%s, r.oid, 'MEMBER')"
            " AND (r.rolsuper OR r.rolbypassrls)",
            [app, app],
        )
        found += [
            f"the application role {app} is a member of {name}, which bypasses row security" for (name,) in cursor
        ]
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner"
            " WHERE c.relkind IN ('r', 'p', 'v', 'm') AND pg_has_role(%s, r.oid, 'MEMBER')",
            [app],
        )
        found += [f"the application role {app} owns the table {name}" for (name,) in cursor]
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relname = ANY(%s) AND relkind = 'r'"
            " AND NOT (relrowsecurity AND relforcerowsecurity)",
            [sorted(tables.PROTECTED)],
        )
        found += [f"row security is not forced on {name}" for (name,) in cursor]
    return found


def refuse_to_start(using: str = "default") -> None:
    found = problems(using)
    if found:
        raise SystemExit("Refusing to start: " + "; ".join(found) + ". See docs/privacy.md, 'The second wall'.")


@register(Tags.database)
def row_security_check(app_configs=None, databases=None, **kwargs):
    if not databases or "default" not in databases:
        return []
    found = problems()
    if found == [NOT_BUILT]:
        return []  # migrate is about to build it; the web app and workers refuse to start without it
    return [Error(message, id="rowsecurity.E001") for message in found]
