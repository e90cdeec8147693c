"""Onboarding answers with simultaneous reveal, and the private safety check."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Couple, CoupleEvent, FractureAnswer, OnboardingResponse, SafetyCheck, User
from accounts.models.onboarding import MIRROR_ROLE, Fracture, Role
from accounts.safety import protect_if_worrying
from exercises.services.paired import runs_reveal_ready


@transaction.atomic
def onboarding_submit(
    *, couple: Couple, user: User, roles: dict[str, str], other_fracture: str, baseline_safety: int, baseline_trust: int
) -> OnboardingResponse:
    """Record one partner's answers once. A second submit (double click, second tab) changes nothing."""
    existing = OnboardingResponse.objects.filter(couple=couple, user=user).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            response = OnboardingResponse.objects.create(
                couple=couple,
                user=user,
                other_fracture=other_fracture.strip(),
                baseline_safety=baseline_safety,
                baseline_trust=baseline_trust,
            )
    except IntegrityError:
        return OnboardingResponse.objects.get(couple=couple, user=user)
    FractureAnswer.objects.bulk_create(FractureAnswer(response=response, kind=k, role=r) for k, r in roles.items())
    CoupleEvent.objects.create(couple=couple, actor=user, kind=CoupleEvent.Kind.ONBOARDED)
    if OnboardingResponse.objects.filter(couple=couple).exclude(user=user).exists():
        # The reveal: roles count from now on, and an exercise may now wait for one partner only.
        runs_reveal_ready(couple=couple)
    return response


def both_answered(*, couple: Couple) -> bool:
    return OnboardingResponse.objects.filter(couple=couple).count() >= 2


@dataclass(frozen=True)
class FractureRow:
    label: str
    mine: str | None
    theirs: str | None

    @property
    def agree(self) -> bool:
        return self.mine is not None and self.theirs is not None and MIRROR_ROLE[Role(self.mine)] == self.theirs

    @property
    def mine_label(self) -> str:
        return Role(self.mine).label if self.mine else "Not chosen"

    @property
    def theirs_label(self) -> str:
        return Role(self.theirs).label if self.theirs else "Not chosen"


@dataclass(frozen=True)
class SharedPicture:
    rows: list[FractureRow]
    my_other: str
    their_other: str

    @property
    def differences(self) -> int:
        return sum(not row.agree for row in self.rows)


def shared_picture(*, couple: Couple, user: User) -> SharedPicture | None:
    """Both partners' fractures side by side — or None until both have submitted (simultaneous reveal)."""
    responses = list(OnboardingResponse.objects.filter(couple=couple).prefetch_related("fractures"))
    partner = couple.partner_of(user)
    if partner is None or len(responses) < 2:
        return None
    mine = next(r for r in responses if r.user_id == user.pk)
    theirs = next(r for r in responses if r.user_id == partner.pk)
    my_roles = {f.kind: f.role for f in mine.fractures.all()}
    their_roles = {f.kind: f.role for f in theirs.fractures.all()}
    rows = [
        FractureRow(label=kind.label, mine=my_roles.get(kind.value), theirs=their_roles.get(kind.value))
        for kind in Fracture
        if kind.value in my_roles or kind.value in their_roles
    ]
    return SharedPicture(rows=rows, my_other=mine.other_fracture, their_other=theirs.other_fracture)


@transaction.atomic
def safety_check_save(*, user: User, **answers) -> SafetyCheck:
    """Save the person's private answers; worrying ones quietly protect them (accounts/safety.py)."""
    check, _ = SafetyCheck.objects.update_or_create(user=user, defaults={**answers, "updated_at": timezone.now()})
    protect_if_worrying(check)
    return check
