"""Creating a couple space and filling its second seat through an invitation."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import emails
from accounts.models import Couple, CoupleEvent, Invitation, Membership, User
from accounts.models.couple import INVITATION_TTL, hash_token, normalise_code


class PairingError(Exception):
    """A pairing step that cannot go ahead; ``str(error)`` is safe to show to the person."""


def _has_active_couple(user: User) -> bool:
    return Membership.objects.filter(user=user, left_at__isnull=True, couple__ended_at__isnull=True).exists()


@transaction.atomic
def couple_create(*, user: User) -> Couple:
    if _has_active_couple(user):
        raise PairingError("You already have a couple space.")
    couple = Couple.objects.create(created_by=user)
    try:
        with transaction.atomic():
            Membership.objects.create(couple=couple, user=user, slot=1)
    except IntegrityError:
        raise PairingError("You already have a couple space.") from None
    CoupleEvent.objects.create(couple=couple, actor=user, kind=CoupleEvent.Kind.CREATED)
    return couple


def _check_can_invite(couple: Couple, inviter: User) -> None:
    if couple.is_complete:
        raise PairingError("Your partner has already joined your couple space.")


def invitation_send_by_email(*, couple: Couple, inviter: User, email: str) -> Invitation:
    """Create a link invitation and email it. The raw token exists only in that email."""
    email = email.strip().lower()
    _check_can_invite(couple, inviter)
    if email == inviter.email.lower():
        raise PairingError("That is your own address. Invite your partner with the address they use.")
    # Sent whoever owns the address, so that the answer never tells whether it has an account
    # or a couple space; the invitation page explains to its reader what stands in the way.
    token = Invitation.new_token()
    with transaction.atomic():
        invitation = Invitation.objects.create(
            couple=couple,
            inviter=inviter,
            kind=Invitation.Kind.LINK,
            email=email,
            token_hash=hash_token(token),
            expires_at=timezone.now() + INVITATION_TTL,
        )
    emails.couple_invitation(invitation, token)
    return invitation


def invitation_create_code(*, couple: Couple, inviter: User) -> Invitation:
    _check_can_invite(couple, inviter)
    for _ in range(5):  # a collision among live codes is rare; try a fresh code if it happens
        try:
            with transaction.atomic():
                return Invitation.objects.create(
                    couple=couple,
                    inviter=inviter,
                    kind=Invitation.Kind.CODE,
                    code=Invitation.new_code(),
                    expires_at=timezone.now() + INVITATION_TTL,
                )
        except IntegrityError:
            continue
    raise PairingError("We could not make a code just now. Please try again.")


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, user: User) -> None:
    if invitation.status == "pending":
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])


def invitation_by_token(token: str) -> Invitation | None:
    return Invitation.objects.select_related("inviter", "couple").filter(token_hash=hash_token(token)).first()


def invitation_by_code(code: str) -> Invitation | None:
    code = normalise_code(code)
    if not code:
        return None
    return Invitation.objects.select_related("inviter", "couple").filter(code=code).first()


INVALID_INVITATION = "This invitation cannot be used. Ask your partner for a new link or code."
MESSAGES = {
    "used": "This invitation has already been used. Ask your partner for a new one.",
    "revoked": "This invitation was withdrawn. Ask your partner for a new one.",
    "expired": "This invitation has expired (they last 72 hours). Ask your partner for a new one.",
}


WRONG_ADDRESS = (
    "This invitation was sent to a different email address. Sign in with the address it was sent to, "
    "or ask your partner to invite the address you use here."
)


def _owns_address(user: User, email: str) -> bool:
    """Whether ``email`` is one of ``user``'s confirmed addresses: an emailed link is for that address only."""
    return user.emailaddress_set.filter(verified=True, email__iexact=email).exists()


def invitation_accept(*, invitation: Invitation, user: User) -> Couple:
    """Seat ``user`` in the invitation's couple.

    The invitation row is locked, and the database allows one person per seat and
    one active couple per person, so two simultaneous accepts cannot both win:
    the loser gets a ``PairingError`` with a clear message.
    """
    if not user.emailaddress_set.filter(verified=True).exists():
        raise PairingError("Please confirm your email address first; then open the invitation again.")
    try:
        with transaction.atomic():
            invitation = Invitation.objects.select_for_update().select_related("couple").get(pk=invitation.pk)
            status = invitation.status
            if status != "pending":
                raise PairingError(MESSAGES[status])
            couple = invitation.couple
            if not couple.is_active:
                raise PairingError(INVALID_INVITATION)
            if invitation.inviter_id == user.pk or couple.memberships.filter(user=user).exists():
                raise PairingError("This is your own invitation. Send it to your partner.")
            if invitation.email and not _owns_address(user, invitation.email):
                raise PairingError(WRONG_ADDRESS)
            if _has_active_couple(user):
                raise PairingError("You already have a couple space. Leave it first if you want to join this one.")
            Membership.objects.create(couple=couple, user=user, slot=2)
            now = timezone.now()
            invitation.accepted_at = now
            invitation.accepted_by = user
            invitation.save(update_fields=["accepted_at", "accepted_by"])
            # The couple is full: no other invitation may be used any more.
            couple.invitations.pending().exclude(pk=invitation.pk).update(revoked_at=now)
            CoupleEvent.objects.create(couple=couple, actor=user, kind=CoupleEvent.Kind.JOINED)
            return couple
    except IntegrityError:
        # Someone else took the seat (or this person joined another couple) a moment ago.
        raise PairingError(
            "This invitation was just used by someone else, or you joined another couple space a moment ago."
        ) from None
