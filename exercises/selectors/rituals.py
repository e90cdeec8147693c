"""Reads of the rituals flow: the page, and the count the dashboard shows."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count, Max, Q

from accounts.models import Couple
from exercises.models import Ritual

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
