"""Server-side prepared statements for the hottest small reads (PostgreSQL; plain queries elsewhere).

PostgreSQL spends longer planning a small join than running it: the cached
dashboard's one query (``accounts.scoping.seats_for``) planned in 0.33 ms and ran
in 0.07 ms. A statement prepared once per database connection is planned once.
``Statement`` also keeps the ORM from building and compiling the same queryset on
every request (the dashboard's check-in card: 2 ms of ORM for a 0.4 ms read).
Prepared statements live as long as the connection and survive a rolled-back
transaction; a new connection (``CONN_MAX_AGE``, a restart) prepares again. They
do not survive a pooler in transaction mode (PgBouncer): set
``DATABASE_PREPARED_STATEMENTS=0`` behind one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Model, QuerySet

_PLACEHOLDER = re.compile(r"%s|%%")


def _numbered(sql: str) -> tuple[str, int]:
    """Django's ``%s`` placeholders as PostgreSQL's ``$1, $2, …`` (and ``%%`` as ``%``)."""
    count = 0

    def number(match: re.Match) -> str:
        nonlocal count
        if match.group() == "%%":
            return "%"
        count += 1
        return f"${count}"

    return _PLACEHOLDER.sub(number, sql), count


def _preparing() -> bool:
    return connection.vendor == "postgresql" and settings.DATABASE_PREPARED_STATEMENTS


def fetch_all(name: str, sql: str, params: list) -> list[tuple]:
    """The rows of ``sql`` (Django placeholders) with ``params``, through the statement ``name`` on PostgreSQL."""
    with connection.cursor() as cursor:
        if not _preparing():
            cursor.execute(sql, params)
            return cursor.fetchall()
        raw = connection.connection
        known = getattr(connection, "_trustrepair_prepared", None)
        if known is None or known[0] is not raw:  # a new connection knows no statement yet
            known = connection._trustrepair_prepared = (raw, set())
        if name not in known[1]:
            numbered, count = _numbered(sql)
            if count != len(params):
                raise ValueError(f"{name}: {count} placeholders, {len(params)} parameters")
            cursor.execute(f"PREPARE {name} AS {numbered}")
            known[1].add(name)
        cursor.execute(f"EXECUTE {name} ({', '.join(['%s'] * len(params))})", params)
        return cursor.fetchall()


@dataclass(frozen=True)
class Statement:
    """A queryset of whole model rows compiled once, run as a prepared statement (``statement()`` makes one).

    Building and compiling a queryset with a few ``Q`` conditions costs the ORM more than
    running it; this compiles it once per process.
    """

    name: str
    model: type[Model]
    sql: str
    slots: tuple  # per placeholder: a ``_Value`` (filled in from ``objects(**values)``) or a constant of the query

    def objects(self, **values) -> list[Model]:
        """The rows as model instances, the query's stand-ins replaced by ``values`` (by name)."""
        params = [values[slot.name] if isinstance(slot, _Value) else slot for slot in self.slots]
        if not _preparing():  # the ORM's raw() applies what a backend needs to convert (dates on SQLite)
            return list(self.model._default_manager.raw(self.sql, params))
        fields = [field.attname for field in self.model._meta.concrete_fields]
        return [self.model.from_db(connection.alias, fields, row) for row in fetch_all(self.name, self.sql, params)]


@dataclass(frozen=True)
class _Value:
    name: str


def statement(name: str, queryset: QuerySet, stand_ins: dict[object, str]) -> Statement:
    """``queryset`` (built with a distinct stand-in for each value that varies) as a ``Statement``.

    ``stand_ins`` maps each stand-in to the name ``Statement.objects`` takes its value by.
    Any other parameter the ORM made (a constant of the query) stays as it is. Stand-ins are
    matched by their text, as a backend may have adapted them (a date to a string).
    """
    model = queryset.model
    for field in model._meta.concrete_fields:
        if field.get_db_converters(connection):  # a prepared row would skip them
            raise ValueError(f"{name}: {model.__name__}.{field.name} converts values read from the database")
    fields = [field.attname for field in model._meta.concrete_fields]
    sql, params = queryset.values_list(*fields).query.sql_with_params()
    by_text = {str(stand_in): value_name for stand_in, value_name in stand_ins.items()}
    slots = tuple(_Value(by_text[str(param)]) if str(param) in by_text else param for param in params)
    unused = set(stand_ins.values()) - {slot.name for slot in slots if isinstance(slot, _Value)}
    if unused:
        raise ValueError(f"{name}: stand-ins not found among the query's parameters: {sorted(unused)}")
    return Statement(name, model, sql, slots)
