"""What a therapist may ever read, and when a couple last did anything they share.

Every therapist-side read goes through these filters, so the rules live in one
place (``accounts.scoping`` decides *which* scopes a therapist has; this module
decides what each scope lets through):

- progress: modules, exercises, dates, the shared timeline, agreements kept/missed (counts, never their text);
- trends: check-in *ratings* (felt safety, trust) a partner let reach a therapist, never mood or the written need;
- writing: only what a partner marked for the therapist (visibility "couple + therapist", or a question
  saved for the therapist) and, for step-by-step answers, only after the reveal.

Private writing, safety-check answers and onboarding answers (baselines
included) are never read here at all. The caseload (``caseload``) and the
one-couple page (``couple_review``) both build on these reads and on the
shared trend helpers below.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from django.db.models import Max, Q

from accounts.models import Couple, CoupleEvent
from exercises.models import (
    Agreement,
    AgreementCheck,
    Appreciation,
    CheckIn,
    Question,
    QuestionAnswer,
    Response,
    RitualDone,
    Run,
    Statement,
)
from exercises.models.choices import Visibility

SAFETY_COLOUR, TRUST_COLOUR = "#1f5e57", "#8a4b2a"  # match .legend--safety / .legend--trust in app.css


def therapist_checkins(couple_ids, partner_ids, since: date):
    """Check-in ratings a partner let reach a therapist: marked therapist-visible and not kept private.

    ``values()`` only: mood and the written need are never loaded.
    """
    return (
        CheckIn.objects.filter(
            couple_id__in=couple_ids, user_id__in=partner_ids, local_date__gte=since, therapist_visible=True
        )
        .exclude(share=CheckIn.Share.NOTHING)
        .values("couple_id", "user_id", "local_date", "safety", "trust")
        .order_by("local_date")
    )


def shared_questions(couple: Couple):
    """Questions the couple shares with their therapist: marked "couple + therapist" or saved for them."""
    return (
        Question.objects.filter(couple=couple)
        .filter(Q(visibility=Visibility.COUPLE_THERAPIST) | Q(saved_for_therapist=True))
        .exclude(visibility=Visibility.PRIVATE)
    )


def last_activity_by_couple(progress_ids: list[int], trends_ids: list[int]) -> dict[int, datetime]:
    """The latest shared activity per couple, in one query.

    Counts only what the couple shares (events, submitted and revealed
    exercises, non-private writing, agreement and ritual logs) and, for couples
    who share trends, therapist-visible check-ins. Private drafts never count.
    """
    if not progress_ids:
        return {}
    ids = progress_ids
    shared = ~Q(visibility=Visibility.PRIVATE)
    # A model without Meta.ordering goes first: Django would otherwise add its default ORDER BY to the UNION.
    parts = [
        Run.objects.filter(couple_id__in=ids, revealed_at__isnull=False)
        .values_list("couple_id")
        .annotate(last=Max("revealed_at")),
        CoupleEvent.objects.filter(couple_id__in=ids).values_list("couple_id").annotate(last=Max("created_at")),
        Response.objects.filter(run__couple_id__in=ids, submitted_at__isnull=False)
        .values_list("run__couple_id")
        .annotate(last=Max("submitted_at")),
        Statement.objects.filter(shared, couple_id__in=ids).values_list("couple_id").annotate(last=Max("created_at")),
        Question.objects.filter(shared, couple_id__in=ids).values_list("couple_id").annotate(last=Max("created_at")),
        QuestionAnswer.objects.filter(question__couple_id__in=ids)
        .exclude(question__visibility=Visibility.PRIVATE)
        .values_list("question__couple_id")
        .annotate(last=Max("created_at")),
        Appreciation.objects.filter(shared, couple_id__in=ids)
        .values_list("couple_id")
        .annotate(last=Max("created_at")),
        Agreement.objects.filter(couple_id__in=ids).values_list("couple_id").annotate(last=Max("created_at")),
        AgreementCheck.objects.filter(agreement__couple_id__in=ids)
        .values_list("agreement__couple_id")
        .annotate(last=Max("created_at")),
        RitualDone.objects.filter(ritual__couple_id__in=ids)
        .values_list("ritual__couple_id")
        .annotate(last=Max("created_at")),
    ]
    both = [pk for pk in trends_ids if pk in set(ids)]
    if both:
        parts.append(
            CheckIn.objects.filter(couple_id__in=both, therapist_visible=True)
            .exclude(share=CheckIn.Share.NOTHING)
            .values_list("couple_id")
            .annotate(last=Max("created_at"))
        )
    latest: dict[int, datetime] = {}
    for couple_id, when in parts[0].order_by().union(*(p.order_by() for p in parts[1:]), all=True):
        if when is not None and (couple_id not in latest or when > latest[couple_id]):
            latest[couple_id] = when
    return latest


# --- Trend helpers (caseload sparklines and the couple page's charts) ---------------


def daily_means(rows, days: int, start: date, key: str) -> list[float | None]:
    """Per-day mean of ``key`` over ``days`` days from ``start``; later rows land on the last day, gaps are None."""
    buckets: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        index = min((row["local_date"] - start).days, days - 1)
        if index >= 0:
            buckets[index].append(row[key])
    return [sum(b) / len(b) if (b := buckets.get(i)) else None for i in range(days)]
