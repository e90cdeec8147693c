"""Reads of therapist review, for both sides.

The therapist-side reads take a couple and the ``Scopes`` returned by the door
(``accounts.scoping``) and return only what those scopes allow:

- progress: modules, exercises, dates, the shared timeline, agreements kept/missed (counts, never their text);
- trends: check-in *ratings* (felt safety, trust) a partner let reach a therapist, never mood or the written need;
- writing: only what a partner marked for the therapist (visibility "couple + therapist", or a question
  saved for the therapist) and, for step-by-step answers, only after the reveal.

Private writing, safety-check answers and onboarding answers (baselines
included) are never read here at all.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Max, Prefetch, Q
from django.utils import timezone

from accounts.models import (
    AccessLogEntry,
    Consent,
    Couple,
    CoupleEvent,
    TherapistLink,
    TherapistNote,
    User,
)
from exercises.models import (
    Agreement,
    AgreementCheck,
    Answer,
    Appreciation,
    CheckIn,
    ModuleUnlock,
    Question,
    QuestionAnswer,
    Recommendation,
    Response,
    RitualDone,
    Run,
    Statement,
)
from exercises.models.choices import Visibility
from exercises.progress import CoupleProgress, ModuleProgress, Status, progress_by_couple, progress_for

from .access import Scopes
from .charts import Line, chart

SPARK_DAYS = 28
TREND_DAYS = 56
SAFETY_DROP = 3  # points, within FLAG_WINDOW
FLAG_WINDOW = timedelta(days=7)
QUIET_AFTER = timedelta(days=7)
SAFETY_COLOUR, TRUST_COLOUR = "#1f5e57", "#8a4b2a"  # match .legend--safety / .legend--trust in app.css


# --- What a therapist may ever read -----------------------------------------------


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


# --- Caseload ------------------------------------------------------------------------


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
    sparkline: str = ""
    flags: list[Flag] = field(default_factory=list)

    @property
    def current_module(self) -> ModuleProgress | None:
        return next((m for m in self.modules if not m.done), None)


def _daily_means(rows, days: int, start: date, key: str) -> list[float | None]:
    buckets: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        index = min((row["local_date"] - start).days, days - 1)
        if index >= 0:
            buckets[index].append(row[key])
    return [sum(b) / len(b) if (b := buckets.get(i)) else None for i in range(days)]


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
            row.sparkline = chart(
                [
                    Line("Felt safety", _daily_means(mine, SPARK_DAYS, start, "safety"), SAFETY_COLOUR),
                    Line("Trust", _daily_means(mine, SPARK_DAYS, start, "trust"), TRUST_COLOUR, dashed=True),
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


# --- One couple, for the therapist ---------------------------------------------------


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
    chart: str
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
                chart=chart(
                    [
                        Line("Felt safety", _daily_means(mine, TREND_DAYS, start, "safety"), SAFETY_COLOUR),
                        Line("Trust", _daily_means(mine, TREND_DAYS, start, "trust"), TRUST_COLOUR, dashed=True),
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


# --- The couple's side ------------------------------------------------------------------


@dataclass
class PartnerConsent:
    partner: User
    consent: Consent | None  # the active one, or None


@dataclass
class LinkView:
    link: TherapistLink
    consents: list[PartnerConsent]
    mine: Consent | None
    scopes: Scopes | None  # what the therapist sees now; None while a consent is missing

    @property
    def active(self) -> bool:
        return self.scopes is not None and self.link.therapist.therapist_profile.is_verified


def couple_links(*, couple: Couple, user: User) -> list[LinkView]:
    """The couple's open therapist links: who, each partner's active consent and since when. Three queries."""
    from .access import scopes_from_consents

    partners = couple.partners()
    links = (
        TherapistLink.objects.filter(couple=couple, ended_at__isnull=True)
        .select_related("therapist__therapist_profile")
        .prefetch_related(Prefetch("consents", queryset=Consent.objects.filter(revoked_at__isnull=True)))
        .order_by("created_at")
    )
    views = []
    for link in links:
        active = {c.partner_id: c for c in link.consents.all()}
        views.append(
            LinkView(
                link=link,
                consents=[PartnerConsent(partner=p, consent=active.get(p.pk)) for p in partners],
                mine=active.get(user.pk),
                scopes=scopes_from_consents(link.consents.all(), [p.pk for p in partners]),
            )
        )
    return views


def access_log_for(couple: Couple):
    """The couple's "who has seen what", newest first."""
    return AccessLogEntry.objects.filter(couple=couple).order_by("-created_at", "-pk")


def recommendations_for(couple: Couple, progress: CoupleProgress) -> list[Recommendation]:
    """Open therapist recommendations for the couple dashboard (one query), newest first.

    Each has ``exercise`` (with ``module``, from the curriculum ``progress`` was read with)
    and ``therapist`` loaded. Only published exercises are returned, and those already
    complete are left out: a suggestion shows until it is done or dismissed.
    """
    published = {exercise.pk: exercise for exercise in progress.curriculum[1]}
    done = {pk for pk, item in progress.by_exercise.items() if item.status == Status.COMPLETE}
    items = []
    for recommendation in (
        Recommendation.objects.filter(couple=couple, dismissed_at__isnull=True)
        .select_related("therapist")
        .order_by("-created_at")
    ):
        exercise = published.get(recommendation.exercise_id)
        if exercise is not None and exercise.pk not in done:
            recommendation.exercise = exercise
            items.append(recommendation)
    return items
