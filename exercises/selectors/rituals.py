"""Reads of the rituals flow: the page, and the count the dashboard shows."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count, Max, Q
from django.utils import timezone

from accounts.models import Couple
from exercises.models import Ritual, RitualDone

RECENT_DAYS = 30


def rituals_page(*, couple: Couple, today: date) -> list[Ritual]:
    """The couple's rituals (active first), each with ``last_done`` and ``recent_count``
    (times done in the last 30 days, today included) — one query however many there are."""
    since = today - timedelta(days=RECENT_DAYS - 1)
    return list(
        Ritual.objects.filter(couple=couple)
        .annotate(
            last_done=Max("done__done_on"),
            recent_count=Count("done", filter=Q(done__done_on__gte=since, done__done_on__lte=today)),
        )
        .order_by("-active", "-created_at")
    )


def rituals_done_recently(couple: Couple, days: int = 7) -> int:
    """How many ritual moments the couple marked done in the last ``days`` days, today included.

    Counted by calendar day in the server's time zone (UTC): the couple has no
    single time zone, and a day's difference at the edge does not matter for a
    gentle "you did this N times" on the dashboard.
    """
    since = timezone.localdate() - timedelta(days=days - 1)
    return RitualDone.objects.filter(ritual__couple=couple, done_on__gte=since).count()
