"""Reads of the accountability statement: where the couple stands, and the history of versions."""

from __future__ import annotations

from django.db.models import Q
from django.db.models.functions import Coalesce

from accounts.models import Couple, User
from exercises.models import Statement
from exercises.models.choices import Visibility
from exercises.roles import CAUSED, HURT, roles_by_user


def _shared(couple: Couple):
    return Statement.objects.filter(couple=couple).exclude(visibility=Visibility.PRIVATE)


def statement_history(couple: Couple, user: User) -> list[Statement]:
    """Every version ``user`` may read, oldest first, each with its response (``statement.response_or_none``).

    The flow only writes shared versions; a private row (never created by the
    app) would still be shown to its author alone.
    """
    rows = list(
        Statement.objects.filter(couple=couple)
        .filter(~Q(visibility=Visibility.PRIVATE) | Q(author=user))
        .select_related("author", "response", "response__author")
        .order_by("revision")
    )
    for row in rows:
        row.response_or_none = getattr(row, "response", None)
    return rows


def _writer_rank(roles: set[str] | None) -> int:
    """0: said they caused the hurt (only); 1: has not said yet; 2: said both; 3: said only hurt."""
    if not roles:
        return 1
    if CAUSED not in roles:
        return 3
    return 2 if HURT in roles else 0


def first_writers(couple: Couple, roles: dict[int, set[str]]) -> list[User]:
    """Who may write the first version: partners on the side that caused the hurt, likeliest first.

    A partner who has not said yet is not kept out (``exercises.roles.fits``).
    """
    ranked = sorted(couple.partners(), key=lambda p: _writer_rank(roles.get(p.pk)))
    return [p for p in ranked if _writer_rank(roles.get(p.pk)) < 3]


def latest_shared(couple: Couple):
    """The newest shared version as (author id, answered, heard enough) rows: at most one. For the dashboard."""
    return (
        _shared(couple)
        .order_by("-revision")
        .values_list("author_id", Q(response__isnull=False), Coalesce("response__heard_enough", False))[:1]
    )


def whose_turn(couple: Couple, roles: dict, *, author: User | None, answered: bool, heard_enough: bool) -> User | None:
    """The partner whose turn it is, given the newest shared version (``author`` None when there is none yet)."""
    if author is None:
        candidates = first_writers(couple, roles)
        ranks = [_writer_rank(roles.get(p.pk)) for p in candidates]
        # Only a clear turn is announced: two partners who could equally write are not nagged.
        if len(candidates) == 1 or (len(candidates) == 2 and ranks[0] < ranks[1]):
            return candidates[0]
        return None
    if heard_enough:
        return None
    return author if answered else couple.partner_of(author)


def accountability_state(couple: Couple, roles: dict[int, set[str]] | None = None) -> dict:
    """Where the statement stands, for the page and the dashboard.

    Keys: ``latest`` (the newest shared version or None), ``response`` (the
    response to it or None), ``writer`` (who writes, once known), ``waiting_for``
    (the partner whose turn it is, or None when nobody's is or it is unclear),
    ``complete`` (the hurt partner feels heard enough to go on), ``roles``.
    """
    roles = roles_by_user(couple) if roles is None else roles
    latest = _shared(couple).select_related("author", "response").order_by("-revision").first()
    response = getattr(latest, "response", None) if latest else None
    complete = bool(response and response.heard_enough)
    writer = latest.author if latest else None
    waiting_for = whose_turn(
        couple,
        roles,
        author=latest.author if latest else None,
        answered=response is not None,
        heard_enough=complete,
    )
    return {
        "latest": latest,
        "response": response,
        "writer": writer,
        "waiting_for": waiting_for,
        "complete": complete,
        "roles": roles,
    }
