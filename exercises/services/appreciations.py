"""Appreciations (Attach): short notes of thanks and admiration from one partner to the other.

``appreciation_send`` is the one place an appreciation is created, so anything
that must happen when one is sent (a notification, later) hooks on here.

Invariants:

- An appreciation goes to the other partner of the same couple; without a
  partner there is nobody to send it to yet.
- It is shared, never private: visibility is "couple" or "couple + therapist".
- Sent words are not edited afterwards.
- The same words sent again within a minute (a double click, a second tab)
  return the first appreciation instead of making another; sends for one
  couple are serialised by a row lock so two requests cannot both miss it.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import Couple, User
from exercises.daily.notifications import notify_appreciation_received
from exercises.models import Appreciation
from exercises.models.choices import Visibility
from exercises.services import sent_just_now

SHARED_VISIBILITIES = (Visibility.COUPLE.value, Visibility.COUPLE_THERAPIST.value)
TEXT_LIMIT = Appreciation._meta.get_field("text").max_length


class AppreciationError(Exception):
    """An appreciation that cannot be sent; ``str(error)`` is safe to show."""


@transaction.atomic
def appreciation_send(*, couple: Couple, sender: User, kind: str, text: str, visibility: str) -> Appreciation:
    text = (text or "").strip()
    recipient = couple.partner_of(sender)
    if recipient is None:
        raise AppreciationError("Your partner hasn't joined yet. Once they have, you can send them appreciations.")
    if kind not in Appreciation.Kind.values:
        raise AppreciationError("Please choose what kind of appreciation this is.")
    if visibility not in SHARED_VISIBILITIES:
        raise AppreciationError("Please choose who can read it.")
    if not text:
        raise AppreciationError("Please write a few words for your partner.")
    if len(text) > TEXT_LIMIT:
        raise AppreciationError(f"Please keep it under {TEXT_LIMIT} characters.")
    Couple.objects.select_for_update().filter(pk=couple.pk).first()
    recent = sent_just_now(Appreciation.objects.filter(couple=couple, sender=sender), text=text)
    if recent is not None:
        return recent
    appreciation = Appreciation.objects.create(
        couple=couple, sender=sender, recipient=recipient, kind=kind, text=text, visibility=visibility
    )
    # Same transaction: the in-app notice exists exactly when the appreciation does (email follows the commit).
    notify_appreciation_received(appreciation)
    return appreciation


def appreciations_mark_seen(*, couple: Couple, user: User) -> int:
    """Mark everything ``user`` has received as seen (opening the page does this); returns how many."""
    seen = Appreciation.objects.filter(couple=couple, recipient=user, seen_at__isnull=True).update(
        seen_at=timezone.now()
    )
    return seen
