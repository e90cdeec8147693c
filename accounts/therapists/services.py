"""Every change in therapist review: profiles, verification, linking, consent, notes, recommendations, unlocks.

Invariants kept here (and by the database constraints on the models):

- A link is *active* only while both current partners hold an active consent;
  the scopes are their intersection (``accounts.therapists.access``).
- A consent is never edited: a change revokes the active row and adds a new
  one, so the couple's history of what they allowed stays intact.
- Each call is safe to repeat (a double click changes nothing the second time).
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import (
    Consent,
    Couple,
    Membership,
    TherapistInvitation,
    TherapistLink,
    TherapistNote,
    TherapistProfile,
    User,
)
from accounts.models.couple import hash_token, normalise_code
from exercises.models import Exercise, Module, ModuleUnlock, Recommendation

from . import emails

INVITATION_TTL = timedelta(days=7)


class TherapistError(Exception):
    """A therapist-review step that cannot go ahead; ``str(error)`` is safe to show."""


# --- Profiles ------------------------------------------------------------------


@transaction.atomic
def profile_create(
    *, user: User, display_name: str, practice_name: str, licence_number: str, region: str
) -> TherapistProfile:
    """Sign-up as a therapist. The profile starts unverified: no couple data until staff verify it."""
    existing = TherapistProfile.objects.filter(user=user).first()
    if existing is not None:
        return existing  # a double submit
    if display_name.strip() and display_name.strip() != user.display_name:
        user.display_name = display_name.strip()
        user.save(update_fields=["display_name"])
    try:
        with transaction.atomic():
            return TherapistProfile.objects.create(
                user=user,
                practice_name=practice_name.strip(),
                licence_number=licence_number.strip(),
                region=region.strip(),
            )
    except IntegrityError:
        return TherapistProfile.objects.get(user=user)


@transaction.atomic
def profile_verify(*, profile: TherapistProfile, verified_by: User) -> bool:
    """Staff confirm a therapist's licence. Returns False when it was already verified (nothing changes)."""
    changed = TherapistProfile.objects.filter(pk=profile.pk, verified_at__isnull=True).update(
        verified_at=timezone.now(), verified_by=verified_by
    )
    return changed == 1


@transaction.atomic
def profile_unverify(*, profile: TherapistProfile) -> bool:
    """Withdraw verification (e.g. a lapsed licence): the therapist sees no couple data from the next request."""
    return (
        TherapistProfile.objects.filter(pk=profile.pk, verified_at__isnull=False).update(
            verified_at=None, verified_by=None
        )
        == 1
    )


# --- Linking -------------------------------------------------------------------


def _check_partner(couple: Couple, user: User) -> None:
    if not Membership.objects.filter(couple=couple, user=user, left_at__isnull=True).exists():
        raise TherapistError("This is not your couple space.")


def _link_create(
    *, couple: Couple, therapist: User, origin: str, created_by: User | None, email: str = ""
) -> TherapistLink:
    if couple.memberships.filter(user=therapist, left_at__isnull=True).exists():
        raise TherapistError("A partner of this couple cannot also be its therapist.")
    existing = TherapistLink.objects.filter(couple=couple, therapist=therapist, ended_at__isnull=True).first()
    if existing is not None:
        return existing  # already linked: nothing to do
    try:
        with transaction.atomic():
            return TherapistLink.objects.create(
                couple=couple, therapist=therapist, origin=origin, created_by=created_by, invited_email=email
            )
    except IntegrityError:  # the same link made a moment ago by the other partner
        return TherapistLink.objects.get(couple=couple, therapist=therapist, ended_at__isnull=True)


@transaction.atomic
def link_by_practice_code(*, couple: Couple, partner: User, code: str) -> TherapistLink:
    """A partner enters the practice code their therapist gave them. Only verified therapists' codes work."""
    _check_partner(couple, partner)
    code = normalise_code(code)
    profile = (
        TherapistProfile.objects.select_related("user").filter(practice_code=code, verified_at__isnull=False).first()
    )
    if profile is None or not profile.user.is_active:
        raise TherapistError("We don't recognise that practice code. Check it with your therapist.")
    return _link_create(couple=couple, therapist=profile.user, origin=TherapistLink.Origin.CODE, created_by=partner)


def invitation_send(*, couple: Couple, inviter: User, email: str) -> str:
    """Email a therapist a single-use link (valid 7 days) and return its token.

    Sending to the same address again replaces the earlier link, so only the
    newest one works.
    """
    _check_partner(couple, inviter)
    email = email.strip().lower()
    if any(p.email.lower() == email for p in couple.partners()):
        raise TherapistError("That address belongs to one of you. Enter your therapist's address.")
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        TherapistInvitation.objects.pending().filter(couple=couple, email=email).update(withdrawn_at=now)
        TherapistInvitation.objects.create(
            couple=couple,
            inviter=inviter,
            email=email,
            token_hash=hash_token(token),
            expires_at=now + INVITATION_TTL,
        )
    emails.therapist_invitation(email=email, inviter=inviter, token=token)
    return token


@transaction.atomic
def invitation_accept(*, invitation: TherapistInvitation, therapist: User) -> TherapistLink:
    """The invited therapist accepts, once: a pending link, active once both partners consent."""
    if therapist.email.lower() != invitation.email.lower():
        raise TherapistError("This invitation was sent to a different address.")
    if not TherapistProfile.objects.filter(user=therapist).exists():
        raise TherapistError("Create your therapist profile first.")
    invitation = TherapistInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None or invitation.withdrawn_at is not None:
        raise TherapistError("This invitation has already been used, or the couple withdrew it.")
    couple = Couple.objects.active().filter(pk=invitation.couple_id).first()
    if couple is None:
        raise TherapistError("This couple space no longer exists.")
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return _link_create(
        couple=couple,
        therapist=therapist,
        origin=TherapistLink.Origin.INVITED,
        created_by=invitation.inviter,
        email=invitation.email,
    )


def invitation_withdraw(*, invitation: TherapistInvitation, partner: User) -> bool:
    """Either partner withdraws an unused invitation: its link stops working at once."""
    _check_partner(invitation.couple, partner)
    withdrawn = TherapistInvitation.objects.pending().filter(pk=invitation.pk).update(withdrawn_at=timezone.now())
    return withdrawn == 1


@transaction.atomic
def link_end(*, link: TherapistLink, partner: User) -> None:
    """Either partner removes the therapist: the link ends and every active consent on it is revoked."""
    _check_partner(link.couple, partner)
    now = timezone.now()
    link = TherapistLink.objects.select_for_update().get(pk=link.pk)
    if link.ended_at is None:
        link.ended_at = now
        link.save(update_fields=["ended_at"])
    Consent.objects.filter(link=link, revoked_at__isnull=True).update(revoked_at=now)
    # Ending means ending: no unused link to the same therapist lets them back in.
    TherapistInvitation.objects.pending().filter(couple=link.couple, email__iexact=link.therapist.email).update(
        withdrawn_at=now
    )


# --- Consent -------------------------------------------------------------------


@transaction.atomic
def consent_grant(*, link: TherapistLink, partner: User, progress: bool, trends: bool, writing: bool) -> Consent:
    """Give (or change) this partner's consent. A change revokes the active row and adds a new one."""
    if not (progress or trends or writing):
        raise TherapistError("Choose at least one thing to share, or stop sharing instead.")
    link = TherapistLink.objects.select_for_update().select_related("couple").get(pk=link.pk)
    if link.ended_at is not None:
        raise TherapistError("This therapist is no longer linked to your couple space.")
    _check_partner(link.couple, partner)
    current = Consent.objects.filter(link=link, partner=partner, revoked_at__isnull=True).first()
    wanted = {"progress": progress, "trends": trends, "writing": writing}
    if current is not None:
        if all(getattr(current, name) == value for name, value in wanted.items()):
            return current  # the same choice sent twice
        current.revoked_at = timezone.now()
        current.save(update_fields=["revoked_at"])
    return Consent.objects.create(link=link, partner=partner, **wanted)


@transaction.atomic
def consent_revoke(*, link: TherapistLink, partner: User) -> bool:
    """This partner stops sharing. The therapist is shut out from their next request. False if nothing was active."""
    _check_partner(link.couple, partner)
    revoked = Consent.objects.filter(link=link, partner=partner, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return revoked == 1


# --- Therapist actions -------------------------------------------------------------


NOTE_LIMIT = TherapistNote._meta.get_field("text").max_length


def _clean_note(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise TherapistError("Write something first.")
    if len(text) > NOTE_LIMIT:
        raise TherapistError(f"A note can be up to {NOTE_LIMIT} characters; this one has {len(text)}.")
    return text


@transaction.atomic
def note_create(*, couple: Couple, therapist: User, text: str) -> TherapistNote:
    text = _clean_note(text)
    latest = TherapistNote.objects.filter(couple=couple, therapist=therapist).order_by("-created_at").first()
    if latest is not None and latest.text == text:
        return latest  # a double submit
    return TherapistNote.objects.create(couple=couple, therapist=therapist, text=text)


@transaction.atomic
def note_update(*, note: TherapistNote, therapist: User, text: str) -> TherapistNote:
    if note.therapist_id != therapist.pk:
        raise TherapistError("You can only change your own notes.")
    text = _clean_note(text)
    if text != note.text:
        note.text = text
        note.updated_at = timezone.now()
        note.save(update_fields=["text", "updated_at"])
    return note


@transaction.atomic
def recommend(*, couple: Couple, therapist: User, exercise: Exercise, note: str = "") -> Recommendation:
    """Suggest an exercise; it shows on the couple's dashboard. The same open suggestion is not repeated."""
    if not Exercise.objects.published().filter(pk=exercise.pk).exists():
        raise TherapistError("That exercise is not available.")
    note = (note or "").strip()
    limit = Recommendation._meta.get_field("note").max_length
    if len(note) > limit:
        raise TherapistError(f"The note can be up to {limit} characters; this one has {len(note)}.")
    open_one = Recommendation.objects.filter(
        couple=couple, therapist=therapist, exercise=exercise, dismissed_at__isnull=True
    ).first()
    if open_one is not None:
        if note and note != open_one.note:
            open_one.note = note
            open_one.save(update_fields=["note"])
        return open_one
    return Recommendation.objects.create(couple=couple, therapist=therapist, exercise=exercise, note=note)


@transaction.atomic
def recommendation_dismiss(*, recommendation: Recommendation, partner: User) -> None:
    """Either partner puts a suggestion away; it leaves the dashboard. Repeating it changes nothing."""
    _check_partner(recommendation.couple, partner)
    Recommendation.objects.filter(pk=recommendation.pk, dismissed_at__isnull=True).update(dismissed_at=timezone.now())


@transaction.atomic
def module_unlock(*, couple: Couple, therapist: User, module: Module) -> ModuleUnlock:
    """Open a module early for this couple, whatever its unlock rule. Repeating it changes nothing."""
    if not Module.objects.published().filter(pk=module.pk).exists():
        raise TherapistError("That module is not available.")
    unlock, _ = ModuleUnlock.objects.get_or_create(couple=couple, module=module, defaults={"unlocked_by": therapist})
    return unlock
