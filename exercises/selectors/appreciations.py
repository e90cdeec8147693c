"""Reads of the appreciations flow: the page, and the counts the dashboard shows."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import Couple, User
from exercises.models import Appreciation


def appreciations_page(*, couple: Couple, user: User) -> tuple[list[Appreciation], list[Appreciation]]:
    """(received, sent) by ``user``, newest first: one query however many there are."""
    rows = list(
        Appreciation.objects.filter(Q(sender=user) | Q(recipient=user), couple=couple).order_by("-created_at", "-pk")
    )
    received = [a for a in rows if a.recipient_id == user.pk]
    sent = [a for a in rows if a.sender_id == user.pk]
    return received, sent


def unseen(couple: Couple, user: User) -> QuerySet[Appreciation]:
    """Appreciations ``user`` has received and not opened yet."""
    return Appreciation.objects.filter(couple=couple, recipient=user, seen_at__isnull=True)
