"""Whose export it is: their couple spaces, and how the other people of those spaces are named.

Read once per export and handed to every section, so each section limits itself
to the same spaces and names people the same way (a person erased later reads
"Former partner", from their display name).
"""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import Membership, User
from exercises.models.choices import Visibility

VISIBILITY_LABELS = dict(Visibility.choices)


@dataclass(frozen=True)
class Scope:
    user: User
    memberships: list[Membership]  # the person's own, oldest first
    couple_ids: list[int]
    names: dict[int, str]  # user id → display name, for the other people of their spaces
    partner_in: dict[int, str]  # couple id → the partner's display name


def scope_for(user: User) -> Scope:
    memberships = list(Membership.objects.filter(user=user).select_related("couple").order_by("joined_at", "pk"))
    couple_ids = [m.couple_id for m in memberships]
    others = list(Membership.objects.filter(couple_id__in=couple_ids).exclude(user=user).select_related("user"))
    return Scope(
        user=user,
        memberships=memberships,
        couple_ids=couple_ids,
        names={m.user_id: m.user.display_name for m in others},
        partner_in={m.couple_id: m.user.display_name for m in others},
    )


def who(user_id: int | None, scope: Scope) -> str:
    """How a person is named in the file: "me", the other person's name, or "" for nobody."""
    if user_id is None:
        return ""
    return "me" if user_id == scope.user.pk else scope.names.get(user_id, "")


def visible_to_me(visibility: str) -> bool:
    return visibility != Visibility.PRIVATE
