"""One couple, for the therapist: the sections of the therapist's page for a couple.

Each section (progress, trends, writing) is read only when the couple's
consents grant that scope; the therapist's own notes, recommendations and the
modules they unlocked are always shown. Separate from ``caseload`` because it
reads one couple in depth rather than every couple in summary. (Not to be
confused with ``couple_views``, the couple's own side of therapist review.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Max, Prefetch, Q
from django.utils import timezone

from accounts.models import Couple, CoupleEvent, TherapistNote, User
from exercises.models import (
    Agreement,
    Answer,
    Appreciation,
    ModuleUnlock,
    QuestionAnswer,
    Recommendation,
    Response,
    Run,
    Statement,
)
from exercises.models.choices import Visibility
from exercises.progress import Status, progress_for

from .access import Scopes
from .charts import Line, TrendChart, trend_chart
from .readable import SAFETY_COLOUR, TRUST_COLOUR, daily_means, shared_questions, therapist_checkins

TREND_DAYS = 56


THERAPIST_STATUS = {
    Status.NOT_STARTED: "Not started",
    Status.IN_PROGRESS: "In progress",
    Status.WAITING: "In progress",
    Status.COMPLETE: "Complete",
}


@dataclass
class TimelineItem:
    when: datetime
    text: str


@dataclass
class PartnerTrend:
    partner: User
    chart: TrendChart
    ratings: list[dict]


@dataclass
class SharedAnswer:
    prompt: str
    text: str
    revisions: int


@dataclass
class SharedResponse:
    response: Response
    answers: list[SharedAnswer]


def display_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def _progress_section(couple: Couple) -> dict:
    partners = couple.partners()
    progress = progress_for(couple=couple, user=partners[0])
    revealed = dict(
        Run.objects.filter(couple=couple, revealed_at__isnull=False, incident__isnull=True).values_list(
            "exercise_id", "revealed_at"
        )
    )
    modules = [
        {
            "module": m.module,
            "unlocked": m.unlocked,
            "done": m.done,
            "completed": m.completed,
            "exercises": [
                {
                    "exercise": e.exercise,
                    "status": THERAPIST_STATUS[e.status],
                    "complete": e.status == Status.COMPLETE,
                    "revealed_at": revealed.get(e.exercise.pk),
                }
                for e in m.exercises
            ],
        }
        for m in progress.modules
    ]
    names = {p.pk: p.get_short_name() for p in partners}
    events = [
        TimelineItem(e.created_at, f"{names.get(e.actor_id, 'A former partner')} {e.get_kind_display()}")
        for e in CoupleEvent.objects.filter(couple=couple).order_by("-created_at", "-pk")[:40]
    ]
    reveals = [
        TimelineItem(run.revealed_at, f"Both finished “{run.exercise.title}” and saw each other's answers")
        for run in Run.objects.filter(couple=couple, revealed_at__isnull=False)
        .select_related("exercise")
        .order_by("-revealed_at")[:40]
    ]
    timeline = sorted(events + reveals, key=lambda item: item.when, reverse=True)[:40]
    confirmed = Q(checks__confirmed_at__isnull=False)
    agreements = list(
        Agreement.objects.filter(couple=couple, status__in=[Agreement.Status.ACCEPTED, Agreement.Status.ENDED])
        .annotate(
            kept=Count("checks", filter=confirmed & Q(checks__kept=True)),
            missed=Count("checks", filter=confirmed & Q(checks__kept=False)),
            last_check=Max("checks__occurred_on", filter=confirmed),
        )
        .order_by("-created_at")
        .only("pk", "category", "status", "created_at", "decided_at")
    )
    return {"modules": modules, "timeline": timeline, "agreements": agreements}


def _trends_section(couple: Couple, today: date) -> list[PartnerTrend]:
    start = today - timedelta(days=TREND_DAYS - 1)
    partners = couple.partners()
    rows = list(therapist_checkins([couple.pk], [p.pk for p in partners], start))
    trends = []
    for partner in partners:
        mine = [r for r in rows if r["user_id"] == partner.pk]
        trends.append(
            PartnerTrend(
                partner=partner,
                chart=trend_chart(
                    [
                        Line("Felt safety", daily_means(mine, TREND_DAYS, start, "safety"), SAFETY_COLOUR),
                        Line("Trust", daily_means(mine, TREND_DAYS, start, "trust"), TRUST_COLOUR, dashed=True),
                    ],
                    label=f"{partner.get_short_name()}'s check-ins over the last 8 weeks",
                    width=320,
                    height=80,
                ),
                ratings=list(reversed(mine)),
            )
        )
    return trends


def _writing_section(couple: Couple) -> dict:
    latest_first = Prefetch("answers", queryset=Answer.objects.order_by("step_order", "revision"))
    responses = []
    for response in (
        Response.objects.filter(
            run__couple=couple,
            run__revealed_at__isnull=False,
            submitted_at__isnull=False,
            visibility=Visibility.COUPLE_THERAPIST,
        )
        .select_related("run__exercise", "user")
        .prefetch_related(latest_first)
        .order_by("-run__revealed_at", "user_id")
    ):
        by_step: dict = {}
        for answer in response.answers.all():
            key = answer.step_id or ("gone", answer.prompt_snapshot)
            by_step.setdefault(key, []).append(answer)
        answers = [
            SharedAnswer(prompt=revs[-1].prompt_snapshot, text=display_value(revs[-1].value), revisions=len(revs))
            for revs in by_step.values()
        ]
        responses.append(SharedResponse(response=response, answers=answers))
    statements = list(
        Statement.objects.filter(couple=couple, visibility=Visibility.COUPLE_THERAPIST)
        .select_related("author")
        .order_by("-revision")
    )
    questions = list(
        shared_questions(couple)
        .select_related("asker")
        .prefetch_related(
            Prefetch("answers", queryset=QuestionAnswer.objects.select_related("author").order_by("revision"))
        )
        .order_by("-created_at")
    )
    for question in questions:
        question.answer_list = list(question.answers.all())  # oldest first; the last is current
    appreciations = list(
        Appreciation.objects.filter(couple=couple, visibility=Visibility.COUPLE_THERAPIST)
        .select_related("sender", "recipient")
        .order_by("-created_at")[:100]
    )
    return {"responses": responses, "statements": statements, "questions": questions, "appreciations": appreciations}


def couple_view(*, couple: Couple, scopes: Scopes, therapist: User, today: date | None = None) -> dict:
    """Everything on the therapist's page for one couple, limited to ``scopes``. The therapist's own notes always."""
    today = today or timezone.localdate()
    context: dict = {"couple": couple, "scopes": scopes, "partners": couple.partners()}
    if scopes.progress:
        context["progress"] = _progress_section(couple)
    if scopes.trends:
        context["trends"] = _trends_section(couple, today)
    if scopes.writing:
        context["writing"] = _writing_section(couple)
    context["notes"] = list(TherapistNote.objects.filter(couple=couple, therapist=therapist).order_by("-created_at"))
    context["my_recommendations"] = list(
        Recommendation.objects.filter(couple=couple, therapist=therapist, dismissed_at__isnull=True).select_related(
            "exercise"
        )
    )
    context["unlocked_module_ids"] = set(ModuleUnlock.objects.filter(couple=couple).values_list("module_id", flat=True))
    return context
