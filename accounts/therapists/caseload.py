"""The therapist's caseload: one row per linked couple, with its progress, sparkline and flags.

Kept apart from the one-couple page because it is read for every couple at
once and so must stay at a constant number of queries; the flag thresholds
(quiet couples, a fall in felt safety, questions saved for the therapist) live
here with the rows they decorate.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count
from django.utils import timezone

from accounts.models import Couple, User
from exercises.models import Question
from exercises.models.choices import Visibility
from exercises.progress import ModuleProgress, progress_by_couple

from .access import Scopes
from .charts import Line, TrendChart, trend_chart
from .readable import SAFETY_COLOUR, TRUST_COLOUR, daily_means, last_activity_by_couple, therapist_checkins

SPARK_DAYS = 28
SAFETY_DROP = 3  # points, within FLAG_WINDOW
FLAG_WINDOW = timedelta(days=7)
QUIET_AFTER = timedelta(days=7)


@dataclass
class Flag:
    key: str
    text: str


@dataclass
class CaseloadRow:
    couple: Couple
    scopes: Scopes
    partners: list[User]
    modules: list[ModuleProgress] = field(default_factory=list)
    last_activity: datetime | None = None
    sparkline: TrendChart | None = None  # with the trends scope only
    flags: list[Flag] = field(default_factory=list)

    @property
    def current_module(self) -> ModuleProgress | None:
        return next((m for m in self.modules if not m.done), None)


def safety_drop(rows, today: date) -> int:
    """The largest fall in one partner's felt safety within the last week: earlier high minus latest rating."""
    by_user: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for row in rows:
        if row["local_date"] >= today - FLAG_WINDOW:
            by_user[row["user_id"]].append((row["local_date"], row["safety"]))
    worst = 0
    for ratings in by_user.values():
        ratings.sort()
        if len(ratings) > 1:
            worst = max(worst, max(r for _, r in ratings[:-1]) - ratings[-1][1])
    return worst


def caseload_rows(active: list[tuple[Couple, Scopes]], *, now: datetime | None = None) -> list[CaseloadRow]:
    """Everything the caseload shows, in a constant number of queries however many couples and check-ins.

    ``active`` comes from ``accounts.scoping.therapist_caseload`` (couples with their current partners loaded).
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    rows = [CaseloadRow(couple=c, scopes=s, partners=c.partners()) for c, s in active]
    progress_rows = [r for r in rows if r.scopes.progress]
    trend_rows = [r for r in rows if r.scopes.trends]
    writing_rows = [r for r in rows if r.scopes.writing]

    progress = progress_by_couple([r.couple for r in progress_rows])
    activity = last_activity_by_couple([r.couple.pk for r in progress_rows], [r.couple.pk for r in trend_rows])

    checkins: dict[int, list[dict]] = defaultdict(list)
    if trend_rows:
        start = today - timedelta(days=SPARK_DAYS - 1)
        partner_ids = [p.pk for r in trend_rows for p in r.partners]
        for row in therapist_checkins([r.couple.pk for r in trend_rows], partner_ids, start):
            checkins[row["couple_id"]].append(row)

    saved: dict[int, int] = {}
    if writing_rows:
        saved = dict(
            Question.objects.filter(couple_id__in=[r.couple.pk for r in writing_rows], saved_for_therapist=True)
            .exclude(visibility=Visibility.PRIVATE)
            .values_list("couple_id")
            .annotate(n=Count("pk"))
            .order_by()
        )

    for row in rows:
        pk = row.couple.pk
        if row.scopes.progress:
            row.modules = progress[pk].modules if pk in progress else []
            row.last_activity = activity.get(pk)
            if row.last_activity is None:
                row.flags.append(Flag("quiet", "No shared activity yet"))
            elif now - row.last_activity >= QUIET_AFTER:
                row.flags.append(Flag("quiet", "No shared activity for 7 days"))
        if row.scopes.trends:
            start = today - timedelta(days=SPARK_DAYS - 1)
            mine = checkins.get(pk, [])
            row.sparkline = trend_chart(
                [
                    Line("Felt safety", daily_means(mine, SPARK_DAYS, start, "safety"), SAFETY_COLOUR),
                    Line("Trust", daily_means(mine, SPARK_DAYS, start, "trust"), TRUST_COLOUR, dashed=True),
                ],
                label="Check-ins over the last 4 weeks, both partners averaged",
            )
            drop = safety_drop(mine, today)
            if drop >= SAFETY_DROP:
                row.flags.append(Flag("safety", f"Felt safety fell by {drop} points this week"))
        if row.scopes.writing and saved.get(pk):
            n = saved[pk]
            row.flags.append(Flag("question", f"{n} question{'s' if n != 1 else ''} saved for you"))
    return rows
