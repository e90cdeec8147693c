"""The emotional bank account: a gentle weekly picture of small deposits and withdrawals.

Counts come from what the app already has; the page puts them into words
rather than a score, and never counts streaks or missed days.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.db.models import Count, Q

from accounts.models import Couple, User
from exercises.models import AgreementCheck, Appreciation, CheckIn, RitualDone
from exercises.models.choices import Visibility

from .trends import local_today


@dataclass(frozen=True)
class Week:
    start: dt.date
    end: dt.date
    appreciations_sent: int
    appreciations_received: int
    agreements_kept: int
    agreements_missed: int
    rituals_done: int
    checkins: int

    @property
    def deposits(self) -> int:
        return (
            self.appreciations_sent
            + self.appreciations_received
            + self.agreements_kept
            + self.rituals_done
            + self.checkins
        )

    @property
    def withdrawals(self) -> int:
        return self.agreements_missed

    @property
    def words(self) -> str:
        if self.deposits == 0 and self.withdrawals == 0:
            return "A quiet week. Even one small deposit, like a thank-you or a short check-in, counts."
        if self.withdrawals == 0:
            return "Only deposits this week. Small moments like these are how trust is rebuilt."
        if self.deposits >= 2 * self.withdrawals:
            return "Mostly deposits this week, with a harder moment or two. That is what real repair looks like."
        return "A harder week. Naming a missed agreement honestly is itself a step; a small deposit can follow."


def week_for(*, couple: Couple, user: User, today: dt.date | None = None) -> Week:
    """The last seven of the viewer's local days, for the couple, in a fixed number of queries."""
    end = today or local_today(user)
    start = end - dt.timedelta(days=6)
    partner = couple.partner_of(user)
    zone = zoneinfo.ZoneInfo(user.time_zone)
    since = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    # An appreciation the partner kept private is theirs alone: not even its existence is counted here.
    appreciations = Appreciation.objects.filter(couple=couple, created_at__gte=since, created_at__lt=until).aggregate(
        sent=Count("pk", filter=Q(sender=user)),
        received=Count("pk", filter=Q(recipient=user) & ~Q(visibility=Visibility.PRIVATE)),
    )
    checks = AgreementCheck.objects.filter(
        agreement__couple=couple, confirmed_at__isnull=False, occurred_on__gte=start, occurred_on__lte=end
    ).aggregate(kept_count=Count("pk", filter=Q(kept=True)), missed_count=Count("pk", filter=Q(kept=False)))
    # My check-ins, and the partner's only as far as they shared them.
    checkins = Q(user=user)
    if partner is not None:
        checkins |= Q(user=partner) & ~Q(share=CheckIn.Share.NOTHING)
    return Week(
        start=start,
        end=end,
        appreciations_sent=appreciations["sent"],
        appreciations_received=appreciations["received"],
        agreements_kept=checks["kept_count"],
        agreements_missed=checks["missed_count"],
        rituals_done=RitualDone.objects.filter(ritual__couple=couple, done_on__gte=start, done_on__lte=end).count(),
        checkins=CheckIn.objects.filter(checkins, couple=couple, local_date__gte=start, local_date__lte=end).count(),
    )
