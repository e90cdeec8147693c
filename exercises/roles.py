"""Which side of the hurt each partner is on, from their onboarding answers."""

from __future__ import annotations

from accounts.models import Couple, FractureAnswer, User
from exercises.models.choices import Audience

HURT, CAUSED = Audience.HURT.value, Audience.CAUSED.value


def roles_by_user(couple: Couple) -> dict[int, set[str]]:
    """user id -> {"hurt", "caused"} (both when they said "both"); one query for the couple.

    A partner who has not onboarded yet has no entry.
    """
    return roles_from_rows(
        FractureAnswer.objects.filter(response__couple=couple).values_list("response__user_id", "role")
    )


def roles_from_rows(rows) -> dict[int, set[str]]:
    """user id -> roles, from (user id, onboarding role) pairs ("both" counts as both sides)."""
    roles: dict[int, set[str]] = {}
    for user_id, role in rows:
        mine = roles.setdefault(user_id, set())
        mine.update({HURT, CAUSED} if role == "both" else {role})
    return roles


def fits(audience: str, roles: set[str] | None) -> bool:
    """Whether an exercise for ``audience`` is meant for a partner with ``roles``.

    Someone who has not said yet (``None`` or empty) is offered everything.
    """
    return audience == Audience.BOTH or not roles or audience in roles


def is_asker(couple: Couple, user: User) -> bool:
    return fits(HURT, roles_by_user(couple).get(user.pk))
