"""Reads of the appreciations flow: the page, and the counts the dashboard shows."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet

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


def unseen_appreciations(couple: Couple, user: User) -> int:
    """How many appreciations ``user`` has received and not opened yet."""
    return unseen(couple, user).count()


def appreciation_counts(couple: Couple, since: dt.datetime | dt.date) -> dict[int, dict[str, int]]:
    """user id -> ``{"sent": n, "received": m}`` since ``since`` (a datetime, or a date meaning its start in UTC).

    Every current partner has an entry, with zeros when nothing was sent.
    """
    if not isinstance(since, dt.datetime):
        since = dt.datetime.combine(since, dt.time.min, tzinfo=dt.UTC)
    counts = {p.pk: {"sent": 0, "received": 0} for p in couple.partners()}
    rows = (
        Appreciation.objects.filter(couple=couple, created_at__gte=since)
        .values("sender_id", "recipient_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        counts.setdefault(row["sender_id"], {"sent": 0, "received": 0})["sent"] += row["n"]
        counts.setdefault(row["recipient_id"], {"sent": 0, "received": 0})["received"] += row["n"]
    return counts
