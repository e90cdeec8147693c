"""Which side of the hurt each partner is on, from their onboarding answers."""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from accounts.models import Couple, FractureAnswer, OnboardingResponse, User
from exercises.models.choices import Audience

HURT, CAUSED = Audience.HURT.value, Audience.CAUSED.value


def revealed_fractures():
    """Onboarding fracture answers whose couple has seen them: both partners have answered.

    The one door to onboarding roles. A role is part of an onboarding answer, so
    until the simultaneous reveal it must not change anything the other partner
    can see (whose turn it is, who an exercise waits for, what is offered); until
    then nobody has a role and everything is offered to both.
    """
    other_answered = OnboardingResponse.objects.filter(couple_id=OuterRef("response__couple_id")).exclude(
        user_id=OuterRef("response__user_id")
    )
    return FractureAnswer.objects.filter(Exists(other_answered))


def roles_by_user(couple: Couple) -> dict[int, set[str]]:
    """user id -> {"hurt", "caused"} (both when they said "both"); one query for the couple.

    Empty until both partners' onboarding answers are revealed (``revealed_fractures``).
    """
    return roles_from_rows(
        revealed_fractures().filter(response__couple=couple).values_list("response__user_id", "role")
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
