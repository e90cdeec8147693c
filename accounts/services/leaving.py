"""Leaving a couple space: immediate, and final for that space."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts import emails
from accounts.models import Couple, Membership, User
from exercises.daily.notices import leave_notice


@transaction.atomic
def couple_leave(*, couple: Couple, user: User) -> None:
    """Close the couple space for both partners at once.

    Afterwards neither partner reaches anything of the closed space through the
    couple views (the scoping door only opens active couples); each keeps their
    own account and writing. Pending invitations and therapist links end with the space.
    The partner who stays gets a neutral notice in the app and by email.
    """
    couple = Couple.objects.select_for_update().get(pk=couple.pk)
    if couple.ended_at is not None:
        return
    now = timezone.now()
    couple.ended_at = now
    couple.save(update_fields=["ended_at"])
    couple.invitations.pending().update(revoked_at=now)
    couple.therapist_invitations.pending().update(withdrawn_at=now)
    couple.therapist_links.filter(ended_at__isnull=True).update(ended_at=now)
    staying = [
        m.user for m in couple.memberships.filter(left_at__isnull=True).exclude(user=user).select_related("user")
    ]
    for partner in staying:
        _tell_space_closed(partner)  # while still partners: afterwards row security would refuse the notice
    Membership.objects.filter(couple=couple, left_at__isnull=True).exclude(user=user).update(
        left_at=now, closed_notice_pending=True
    )
    Membership.objects.filter(couple=couple, user=user, left_at__isnull=True).update(left_at=now)


def _tell_space_closed(partner: User) -> None:
    """The one notice the partner who stays receives, whether the other left or deleted their account.

    Never why, never who: the two must read the same (the README promises it).
    """
    leave_notice(
        partner,
        kind="space_closed",
        title="Your shared space has closed",
        body="Your own account and writing are still yours. You can start a new space whenever you like.",
        url=reverse("couple:dashboard"),
    )
    # robust: a mail server hiccup after the commit is logged; it never undoes the closing.
    transaction.on_commit(lambda: emails.space_closed(partner), robust=True)


def closed_notice_for(user: User) -> Membership | None:
    """The membership whose closing this person has not yet acknowledged, if any."""
    return Membership.objects.filter(user=user, closed_notice_pending=True).order_by("-left_at").first()


def closed_notice_dismiss(*, user: User) -> None:
    Membership.objects.filter(user=user, closed_notice_pending=True).update(closed_notice_pending=False)
