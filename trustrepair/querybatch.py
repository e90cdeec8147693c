"""Several ORM querysets answered in one database round trip.

``read_together({"name": (kind, queryset), ...})`` returns ``{"name": value}``
where kind is ``"exists"`` (a bool), ``"count"`` (an int) or ``"rows"`` (a list
of lists, from a ``values_list`` queryset; on PostgreSQL dates and times come
back as ISO strings, see ``as_datetime``). On PostgreSQL the querysets become
the parts of one ``SELECT``, so the page pays for one round trip and one plan
instead of one per queryset; elsewhere (SQLite in development) each is read on
its own, with the same results. The querysets are the selectors' own, so the
rules of who may see what stay in one place.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models import QuerySet

KINDS = ("exists", "count", "rows")


def _part(kind: str, queryset: QuerySet) -> tuple[str, tuple]:
    # The SQL is Django's own compilation of the queryset; values stay in ``params``, never in the text.
    sql, params = queryset.query.sql_with_params()
    if kind == "exists":
        return f"EXISTS({sql})", params
    if kind == "count":
        return f"(SELECT COUNT(*) FROM ({sql}) AS q)", params  # noqa: S608
    return f"(SELECT COALESCE(json_agg(row_to_json(q)), '[]') FROM ({sql}) AS q)", params  # noqa: S608


def _one_by_one(kind: str, queryset: QuerySet):
    if kind == "exists":
        return queryset.exists()
    if kind == "count":
        return queryset.count()
    return [list(row) for row in queryset]


def read_together(parts: dict[str, tuple[str, QuerySet]]) -> dict:
    for kind, _ in parts.values():
        if kind not in KINDS:
            raise ValueError(f"Unknown kind {kind!r}: use one of {KINDS}")
    if connection.vendor != "postgresql":
        return {name: _one_by_one(kind, queryset) for name, (kind, queryset) in parts.items()}
    selects, params = [], []
    for kind, queryset in parts.values():
        sql, part_params = _part(kind, queryset)
        selects.append(sql)
        params.extend(part_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(selects), params)
        row = cursor.fetchone()
    values = {}
    for (name, (kind, _)), value in zip(parts.items(), row, strict=True):
        values[name] = [list(item.values()) for item in value] if kind == "rows" else value
    return values


def as_datetime(value) -> dt.datetime:
    """A timestamp read by ``read_together``: already a datetime, or PostgreSQL's ISO text of one."""
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
