"""Where a couple stands in the curriculum: per exercise, per module, and what is unlocked.

The one definition of "complete", "unlocked" and "waiting for your partner",
used by the dashboard, exercise pages, the progress page, the weekly summary and
the therapist's caseload. Computed from plain facts read in a fixed number of
queries (one per kind of record, ``facts_for``) for one couple or a whole
caseload, whatever their history; nothing is cached, so a partner's action or a
staff edit shows on the very next request.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum

from django.db.models import Q, Value

from accounts.models import Couple, User
from exercises.models import (
    Agreement,
    AgreementCheck,
    Appreciation,
    Exercise,
    Module,
    ModuleUnlock,
    Question,
    QuestionAnswer,
    Response,
    Ritual,
    RitualDone,
    Run,
    Statement,
    StatementResponse,
)
from exercises.models.choices import PAIRED_KINDS, Audience, Kind
from exercises.roles import fits, revealed_fractures, roles_from_rows
from exercises.stages import STAGES


class Status(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting_for_partner"
    COMPLETE = "complete"

    @property
    def label(self) -> str:
        return {
            "not_started": "Not started",
            "in_progress": "In progress",
            "waiting_for_partner": "Waiting for your partner",
            "complete": "Complete",
        }[self.value]


@dataclass
class ExerciseProgress:
    exercise: Exercise
    status: Status
    for_me: bool  # the exercise's audience fits me
    applies: bool = True  # False when it fits neither partner (e.g. for "the partner who caused harm" when nobody is)


@dataclass
class ModuleProgress:
    module: Module
    exercises: list[ExerciseProgress]
    unlocked: bool
    done: bool

    @property
    def completed(self) -> int:
        return sum(e.status == Status.COMPLETE for e in self.exercises)

    @property
    def total(self) -> int:
        return len(self.exercises)


@dataclass
class CoupleProgress:
    modules: list[ModuleProgress]
    roles: dict[int, set[str]] = field(default_factory=dict)  # from onboarding, for callers that need them too
    curriculum: tuple[list[Module], list[Exercise]] = ((), ())  # the published modules and exercises it was read with
    by_exercise: dict[int, ExerciseProgress] = field(default_factory=dict)

    def __post_init__(self):
        self.by_exercise = {e.exercise.pk: e for m in self.modules for e in m.exercises}

    def is_unlocked(self, exercise: Exercise) -> bool:
        return any(m.unlocked for m in self.modules if m.module.pk == exercise.module_id)

    @property
    def current_module(self) -> ModuleProgress | None:
        return next((m for m in self.modules if not m.done), None)

    @property
    def current_stage(self):
        module = self.current_module
        if module is None:
            return STAGES[-1]
        keys = module.module.stages or [STAGES[0].key]
        return next((s for s in STAGES if s.key == keys[0]), STAGES[0])

    def stage_states(self) -> list[tuple]:
        """(stage, "done" | "current" | "ahead") for the journey."""
        done_stages = {key for m in self.modules if m.done for key in m.module.stages}
        current = self.current_stage
        return [(s, "current" if s == current else ("done" if s.key in done_stages else "ahead")) for s in STAGES]

    def next_for(self) -> ExerciseProgress | None:
        """The next exercise for me: unlocked, meant for me, not complete, not only waiting on my partner."""
        for module in self.modules:
            if not module.unlocked:
                continue
            for item in module.exercises:
                if item.for_me and item.status in (Status.NOT_STARTED, Status.IN_PROGRESS):
                    return item
        return None

    def waiting_on_partner(self) -> list[ExerciseProgress]:
        return [e for m in self.modules if m.unlocked for e in m.exercises if e.status == Status.WAITING]

    def in_progress_for_me(self) -> list[ExerciseProgress]:
        return [
            e for m in self.modules if m.unlocked for e in m.exercises if e.for_me and e.status == Status.IN_PROGRESS
        ]


def _paired_status(exercise, me, partner, roles, run, responses) -> Status:
    """``run`` is ``(run id, revealed)`` or None; ``responses`` maps (run id, user id) to "submitted"."""
    if run is None:
        return Status.NOT_STARTED
    run_id, revealed = run
    if revealed:
        return Status.COMPLETE
    mine = responses.get((run_id, me))
    if not fits(exercise.audience, roles.get(me)):
        return Status.WAITING  # my partner's exercise
    if mine:
        return Status.WAITING
    # The partner's draft is theirs alone: only their submission says anything here.
    started = mine is not None or (partner is not None and responses.get((run_id, partner)) is True)
    return Status.IN_PROGRESS if started else Status.NOT_STARTED


def run_status(exercise, run_id: int, revealed: bool, me: int, partner: int | None, roles, submitted) -> Status:
    """One run's status for ``me`` from the ids of those who ``submitted``: the rule above, for a single run.

    The services use it to tell when a submission leaves the submitter "waiting for your partner".
    """
    responses = {(run_id, user_id): True for user_id in submitted}
    return _paired_status(exercise, me, partner, roles, (run_id, revealed), responses)


def published_curriculum() -> tuple[list[Module], list[Exercise]]:
    """Published modules and exercises (each with its module), in order. Two queries."""
    modules = list(Module.objects.published())
    exercises = list(Exercise.objects.published().select_related("module").order_by("module__order", "order", "pk"))
    return modules, exercises


# --- the couples' facts: what progress is computed from ------------------------------------------


@dataclass
class Facts:
    """Plain data about one couple's records, the same for both partners."""

    roles: dict[int, set[str]] = field(default_factory=dict)
    unlocked_ids: set[int] = field(default_factory=set)
    runs: dict[int, tuple[int, bool]] = field(default_factory=dict)  # exercise id -> (run id, revealed)
    aftermath_started: set[int] = field(default_factory=set)
    aftermath_revealed: set[int] = field(default_factory=set)
    responses: dict[tuple[int, int], bool] = field(default_factory=dict)  # (run id, user id) -> submitted
    flags: set[str] = field(default_factory=set)  # names from ``_FLAGS`` that hold for the couple
    senders: set[int] = field(default_factory=set)  # who has sent an appreciation


# Couple-wide facts, each "some row exists": (name, model, path from the model to the couple, extra filter).
_FLAGS = (
    ("statement_heard", StatementResponse, "statement__couple_id", Q(heard_enough=True)),
    ("has_statement", Statement, "couple_id", Q()),
    ("questions_any", Question, "couple_id", Q()),
    ("questions_answered", QuestionAnswer, "question__couple_id", Q()),
    ("kept_confirmed", AgreementCheck, "agreement__couple_id", Q(kept=True, confirmed_at__isnull=False)),
    ("has_agreement", Agreement, "couple_id", Q()),
    ("ritual_done", RitualDone, "ritual__couple_id", Q()),
    ("has_ritual", Ritual, "couple_id", Q()),
)


def facts_for(couple_ids: list[int]) -> dict[int, Facts]:
    """Facts for each couple, in six queries however many couples and however long their history."""
    facts = {pk: Facts() for pk in couple_ids}
    if not facts:
        return facts
    answers = defaultdict(list)
    rows = revealed_fractures().filter(response__couple_id__in=couple_ids)
    for couple_id, user_id, role in rows.values_list("response__couple_id", "response__user_id", "role"):
        answers[couple_id].append((user_id, role))
    for couple_id, pairs in answers.items():
        facts[couple_id].roles = roles_from_rows(pairs)
    for couple_id, module_id in ModuleUnlock.objects.filter(couple_id__in=couple_ids).values_list(
        "couple_id", "module_id"
    ):
        facts[couple_id].unlocked_ids.add(module_id)
    runs = Run.objects.filter(couple_id__in=couple_ids)
    for couple_id, run_id, exercise_id, incident_id, revealed_at in runs.values_list(
        "couple_id", "id", "exercise_id", "incident_id", "revealed_at"
    ):
        mine = facts[couple_id]
        if incident_id:
            mine.aftermath_started.add(exercise_id)
            if revealed_at:
                mine.aftermath_revealed.add(exercise_id)
        else:
            mine.runs[exercise_id] = (run_id, revealed_at is not None)
    responses = Response.objects.filter(run__couple_id__in=couple_ids, run__incident__isnull=True)
    for couple_id, run_id, user_id, submitted_at in responses.values_list(
        "run__couple_id", "run_id", "user_id", "submitted_at"
    ):
        facts[couple_id].responses[(run_id, user_id)] = submitted_at is not None
    # One UNION for the couple-wide flags; order_by() drops each model's default ordering, which a UNION refuses.
    parts = [
        model.objects.filter(extra, **{f"{path}__in": couple_ids}).values_list(path, Value(name)).order_by().distinct()
        for name, model, path, extra in _FLAGS
    ]
    for couple_id, name in parts[0].union(*parts[1:]):
        facts[couple_id].flags.add(name)
    senders = Appreciation.objects.filter(couple_id__in=couple_ids).order_by().distinct()
    for couple_id, sender_id in senders.values_list("couple_id", "sender_id"):
        facts[couple_id].senders.add(sender_id)
    return facts


# --- the rules ---------------------------------------------------------------------------------


def _flow_status(done: bool, started: bool) -> Status:
    if done:
        return Status.COMPLETE
    return Status.IN_PROGRESS if started else Status.NOT_STARTED


def status_of(exercise: Exercise, facts: Facts, me: int | None, partner: int | None) -> Status:
    """Where one exercise stands for ``me`` (a user id) with ``partner``. "Complete" is the same for both."""
    kind, flags = exercise.kind, facts.flags
    if kind == Kind.AFTERMATH:
        return _flow_status(exercise.pk in facts.aftermath_revealed, exercise.pk in facts.aftermath_started)
    if kind in PAIRED_KINDS:
        return _paired_status(exercise, me, partner, facts.roles, facts.runs.get(exercise.pk), facts.responses)
    if kind == Kind.ACCOUNTABILITY:
        if "statement_heard" not in flags and "has_statement" not in flags:
            return Status.NOT_STARTED if fits(Audience.CAUSED, facts.roles.get(me)) else Status.WAITING
        return _flow_status("statement_heard" in flags, True)
    if kind == Kind.QUESTIONS_LOG:
        return _flow_status("questions_answered" in flags, "questions_any" in flags)
    if kind == Kind.AGREEMENTS:
        return _flow_status("kept_confirmed" in flags, "has_agreement" in flags)
    if kind == Kind.RITUALS:
        return _flow_status("ritual_done" in flags, "has_ritual" in flags)
    if kind == Kind.APPRECIATIONS:
        everyone = {pk for pk in (me, partner) if pk is not None}
        if everyone and everyone <= facts.senders:
            return Status.COMPLETE
        return Status.WAITING if me in facts.senders else _flow_status(False, bool(facts.senders))
    return Status.NOT_STARTED


def progress_from(
    curriculum: tuple[list[Module], list[Exercise]], facts: Facts, me: int | None, partner: int | None
) -> CoupleProgress:
    """The couple's progress seen by ``me``: statuses, and which modules are unlocked and done."""
    modules, exercises = curriculum
    roles = facts.roles
    partners = [pk for pk in (me, partner) if pk is not None]
    grouped: dict[int, list[ExerciseProgress]] = defaultdict(list)
    for exercise in exercises:
        grouped[exercise.module_id].append(
            ExerciseProgress(
                exercise=exercise,
                status=status_of(exercise, facts, me, partner),
                for_me=fits(exercise.audience, roles.get(me)),
                applies=not partners or any(fits(exercise.audience, roles.get(pk)) for pk in partners),
            )
        )
    result, previous_done = [], True
    for module in modules:
        items = grouped.get(module.pk, [])
        done = bool(items) and all(i.status == Status.COMPLETE for i in items if i.exercise.required and i.applies)
        unlocked = module.unlock_rule == Module.Unlock.OPEN or module.pk in facts.unlocked_ids or previous_done
        result.append(ModuleProgress(module=module, exercises=items, unlocked=unlocked, done=done))
        previous_done = done
    return CoupleProgress(modules=result, roles=roles, curriculum=curriculum)


def progress_for(*, couple: Couple, user: User) -> CoupleProgress:
    """Where ``couple`` stands, seen by ``user``. Eight queries, whatever the couple's history."""
    partner = couple.partner_of(user)
    facts = facts_for([couple.pk])[couple.pk]
    return progress_from(published_curriculum(), facts, user.pk, partner.pk if partner else None)


def progress_by_couple(couples: list[Couple]) -> dict[int, CoupleProgress]:
    """Each couple's progress (seen by its first partner: "complete", "unlocked" and "done" are the same for both).

    Eight queries for any number of couples (their partners already loaded).
    """
    if not couples:
        return {}
    curriculum = published_curriculum()
    facts = facts_for([c.pk for c in couples])
    result = {}
    for couple in couples:
        ids = [p.pk for p in couple.partners()] + [None, None]
        result[couple.pk] = progress_from(curriculum, facts[couple.pk], ids[0], ids[1])
    return result
