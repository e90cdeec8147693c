"""Leaving a couple space: immediate, and final for that space."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import Couple, Membership, User


@transaction.atomic
def couple_leave(*, couple: Couple, user: User) -> None:
    """Close the couple space for both partners at once.

    Afterwards neither partner reaches anything of the closed space through the
    couple views (the scoping door only opens active couples); each keeps their
    own account and writing. Pending invitations and therapist links end with the space.
    """
    couple = Couple.objects.select_for_update().get(pk=couple.pk)
    if couple.ended_at is not None:
        return
    now = timezone.now()
    couple.ended_at = now
    couple.save(update_fields=["ended_at"])
    couple.invitations.pending().update(revoked_at=now)
    couple.therapist_links.filter(ended_at__isnull=True).update(ended_at=now)
    Membership.objects.filter(couple=couple, left_at__isnull=True).exclude(user=user).update(
        left_at=now, closed_notice_pending=True
    )
    Membership.objects.filter(couple=couple, user=user, left_at__isnull=True).update(left_at=now)


def closed_notice_for(user: User) -> Membership | None:
    """The membership whose closing this person has not yet acknowledged, if any."""
    return Membership.objects.filter(user=user, closed_notice_pending=True).order_by("-left_at").first()


def closed_notice_dismiss(*, user: User) -> None:
    Membership.objects.filter(user=user, closed_notice_pending=True).update(closed_notice_pending=False)
