"""Felt safety and trust over time, for me and (as far as they shared) for my partner."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from accounts.models import Couple, OnboardingResponse, User
from exercises.daily.scheduling import local_today
from exercises.models import CheckIn

RANGES = {"week": 7, "month": 30}
SHARED_RATINGS = (CheckIn.Share.RATINGS, CheckIn.Share.EVERYTHING)
# Fewer days than this draw a near-empty chart that looks broken: the page lists them instead, and says
# when the chart will appear (templates/insights/includes/chart_to_come.html). The therapist's charts too.
MIN_CHART_POINTS = 3


def days_before_chart(points: int) -> int:
    """How many more days with ratings a chart needs before it is drawn (0: draw it)."""
    return max(MIN_CHART_POINTS - points, 0)


@dataclass(frozen=True)
class Series:
    """One person's ratings, one slot per day of the range (None where they did not check in, or did not share)."""

    person: str
    days: list[dt.date]
    safety: list[int | None]
    trust: list[int | None]
    baseline: tuple[int, int] | None = None  # (safety, trust) from onboarding; only ever the viewer's own

    @property
    def has_data(self) -> bool:
        return any(v is not None for v in self.safety + self.trust)

    @property
    def points(self) -> int:
        return len(self.rows())

    @property
    def charted(self) -> bool:
        return self.points_to_chart == 0

    @property
    def points_to_chart(self) -> int:
        return days_before_chart(self.points)

    def rows(self):
        return [
            (day, s, t)
            for day, s, t in zip(self.days, self.safety, self.trust, strict=True)
            if s is not None or t is not None
        ]


def _series(person: str, days: list[dt.date], checkins: list[CheckIn], baseline=None) -> Series:
    by_day = {c.local_date: c for c in checkins}
    return Series(
        person=person,
        days=days,
        safety=[by_day[d].safety if d in by_day else None for d in days],
        trust=[by_day[d].trust if d in by_day else None for d in days],
        baseline=baseline,
    )


def trends_for(*, couple: Couple | None, user: User, range_key: str = "week") -> dict:
    """My series and my partner's shared series over the last 7 or 30 of *my* local days.

    Each check-in is stored on its author's own local date, so a partner in
    another time zone lands on the day they lived it; the window is the
    viewer's. The partner's ratings appear only for check-ins they chose to
    share in this couple space.
    """
    length = RANGES.get(range_key, RANGES["week"])
    today = local_today(user)
    days = [today - dt.timedelta(days=offset) for offset in range(length - 1, -1, -1)]
    partner = couple.partner_of(user) if couple else None
    # My own check-ins are mine wherever I wrote them; my partner's only as shared in *this* space:
    # what they shared with someone before does not follow them here.
    wanted = Q(user=user)
    if partner is not None:
        wanted |= Q(user=partner, couple=couple)
    checkins = list(
        CheckIn.objects.filter(wanted, local_date__gte=days[0], local_date__lte=days[-1]).only(
            "user_id", "local_date", "safety", "trust", "share"
        )
    )
    mine = [c for c in checkins if c.user_id == user.pk]
    baseline_row = (
        OnboardingResponse.objects.filter(couple=couple, user=user)
        .values_list("baseline_safety", "baseline_trust")
        .first()
        if couple
        else None
    )
    result = {
        "range": range_key if range_key in RANGES else "week",
        "days": days,
        "me": _series("You", days, mine, baseline_row),
    }
    if partner is not None:
        shared = [c for c in checkins if c.user_id == partner.pk and c.share in SHARED_RATINGS]
        result["partner"] = _series(partner.get_short_name(), days, shared)
    return result
