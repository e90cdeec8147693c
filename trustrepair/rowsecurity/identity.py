"""Who the database is acting for, set with ``SET LOCAL`` at the start of every transaction.

``acting_as(person)`` names the person (and the database role) for a stretch of
code: a request (``IdentityMiddleware``), a Celery task (``acts_for``,
``acts_as_jobs``). While it holds, every transaction the connection begins
starts with ``set_config('role', …, true), set_config('trustrepair.person', …,
true)``, sent in front of its first statement, so it costs no round trip. Both
settings end with the transaction: a connection reused by the next request, or
shared through a transaction-mode pooler, carries nothing over. The policies
read the person with ``tr_person()``; with nobody named (the staff admin, a
signed-out visitor), the protected tables show no rows.
"""

from __future__ import annotations

import inspect
from contextlib import contextmanager
from functools import wraps

from django.db import connections
from django.db.backends.signals import connection_created
from psycopg2.extensions import TRANSACTION_STATUS_IDLE, TRANSACTION_STATUS_INTRANS, adapt

from . import roles
from .tables import touches_protected

PERSON = "trustrepair.person"
LOGIN = ("none", "")  # no identity: the login role as it is, and nobody named


def _statement(identity: tuple[str, str]) -> str:
    role, person = (adapt(value).getquoted().decode() for value in identity)
    return f"SELECT set_config('role', {role}, true), set_config('{PERSON}', {person}, true);"


def current(using: str = "default") -> tuple[str, str] | None:
    return getattr(connections[using], "rowsecurity_identity", None)


def _in_transaction(connection) -> bool:
    raw = connection.connection
    return raw is not None and raw.info.transaction_status == TRANSACTION_STATUS_INTRANS


def _apply_now(connection, identity: tuple[str, str]) -> None:
    with connection.connection.cursor() as cursor:
        cursor.execute(_statement(identity))


@contextmanager
def acting_as(person_id: int | None, *, role: str | None = None, using: str = "default"):
    """Act for ``person_id`` (None: nobody) as ``role`` (default: the application role) until the block ends.

    Inside a transaction already open (a test, a task run from a request) the
    identity changes at once and the one before comes back on the way out.
    """
    connection = connections[using]
    before = current(using)
    identity = (role or roles.app_role(), "" if person_id is None else str(int(person_id)))
    connection.rowsecurity_identity = identity
    if _in_transaction(connection):
        _apply_now(connection, identity)
    try:
        yield
    finally:
        connection.rowsecurity_identity = before
        if _in_transaction(connection):
            _apply_now(connection, before or LOGIN)


def acting_as_jobs(using: str = "default"):
    """Act across people as the jobs role, which reaches only the tables in ``tables.JOBS``."""
    return acting_as(None, role=roles.jobs_role(), using=using)


def _begin_with_identity(execute, sql, params, many, context):
    """The execute wrapper: a statement that begins a transaction carries the identity in front of it."""
    connection = context["connection"]
    identity = getattr(connection, "rowsecurity_identity", None)
    if identity is not None and connection.connection.info.transaction_status == TRANSACTION_STATUS_IDLE:
        if many:
            # executemany repeats one statement: set the identity first, which in a transaction holds
            # for the rest of it. (In autocommit it would be lost: such writes go in atomic().)
            if not connection.get_autocommit():
                _apply_now(connection, identity)
            elif touches_protected(str(sql)):
                raise RuntimeError("Use transaction.atomic() around executemany on protected rows.")
        else:
            if not isinstance(sql, str):  # a psycopg2 sql.Composed
                sql = sql.as_string(connection.connection)
            sql = _statement(identity) + sql
    return execute(sql, params, many, context)


def _install(sender, connection, **kwargs):
    if connection.alias != "default":
        return  # the keyring database holds no row security (trustrepair/keyring/roles.py)
    if _begin_with_identity not in connection.execute_wrappers:
        connection.execute_wrappers.append(_begin_with_identity)


connection_created.connect(_install, dispatch_uid="rowsecurity-identity")


def acts_for(person_argument: str):
    """Task decorator: the task acts for the person whose id its ``person_argument`` holds."""

    def decorator(function):
        signature = inspect.signature(function)

        @wraps(function)
        def wrapper(*args, **kwargs):
            with acting_as(signature.bind(*args, **kwargs).arguments[person_argument]):
                return function(*args, **kwargs)

        return wrapper

    return decorator


def acts_as_jobs(function):
    """Task decorator: the task acts across people, as the jobs role."""

    @wraps(function)
    def wrapper(*args, **kwargs):
        with acting_as_jobs():
            return function(*args, **kwargs)

    return wrapper


class IdentityMiddleware:
    """Each request acts for the signed-in person; the staff admin and signed-out visitors for nobody."""

    def __init__(self, get_response):
        from django.urls import reverse

        self.get_response = get_response
        self.admin_prefix = reverse("admin:index")

    def __call__(self, request):
        user = request.user
        person = None
        if user.is_authenticated and not request.path.startswith(self.admin_prefix):
            person = user.pk
        with acting_as(person):
            return self.get_response(request)
