"""Where a couple stands in the curriculum: per exercise, per module, and what is unlocked.

Computed for the whole curriculum in a fixed number of queries (one per kind of
record), whatever the couple's history, so the dashboard and exercise pages
stay fast for couples with months of answers. Those queries' results (plain
facts, no model objects) are cached under the couple's data version, which
every write to the couple's data bumps (``accounts.couple_cache``), and the
published curriculum is kept in each process for the current curriculum version:
a page shows a partner's action, or a staff edit, on the very next request.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q

from accounts import couple_cache
from accounts.models import Couple, FractureAnswer, OnboardingResponse, User
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
from exercises.roles import fits, roles_by_user, roles_from_rows
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
    def completed_count(self) -> int:
        return sum(e.status == Status.COMPLETE for e in self.exercises)


@dataclass
class CoupleProgress:
    modules: list[ModuleProgress]
    roles: dict[int, set[str]] = field(default_factory=dict)  # from onboarding, for callers that need them too
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
    mine = responses.get((run_id, me.pk))
    if not fits(exercise.audience, roles.get(me.pk)):
        return Status.WAITING  # my partner's exercise
    if mine:
        return Status.WAITING
    started = mine is not None or (partner is not None and (run_id, partner.pk) in responses)
    return Status.IN_PROGRESS if started else Status.NOT_STARTED


# --- the published curriculum, kept in this process for the curriculum version it was read at ---

_curriculum: tuple[int, list[Module], list[Exercise]] | None = None


def published_curriculum(version: int | None = None) -> tuple[list[Module], list[Exercise]]:
    """Published modules and exercises (each with its module), in order; read again when staff change content.

    The objects are shared by every request of this process: read them, never change them.
    """
    global _curriculum
    if version is None:
        version = couple_cache.content_version()
    if _curriculum is None or _curriculum[0] != version:
        modules = list(Module.objects.published())
        exercises = list(Exercise.objects.published().select_related("module").order_by("module__order", "order", "pk"))
        _curriculum = (version, modules, exercises)
    return _curriculum[1], _curriculum[2]


# --- the couple's facts: what progress is computed from, cached under the couple's data version ---


def _couple_facts(couple: Couple) -> dict:
    """Plain data about the couple's records (no model objects), the same for both partners.

    On PostgreSQL in one statement (``_couple_facts_sql``); elsewhere through the ORM, one query per kind
    of record (``_couple_facts_orm``, the readable definition: tests check that both agree).
    """
    if connection.vendor == "postgresql":
        return _couple_facts_sql(couple)
    return _couple_facts_orm(couple)


@functools.cache
def _facts_sql() -> str:
    """One statement for all of ``_couple_facts_orm``; table names come from the models, the couple id is a parameter."""
    t = {model.__name__: model._meta.db_table for model in (Run, Response, StatementResponse, Question)}
    t |= {model.__name__: model._meta.db_table for model in (AgreementCheck, RitualDone, Appreciation, ModuleUnlock)}
    t |= {
        "FractureAnswer": FractureAnswer._meta.db_table,
        "OnboardingResponse": OnboardingResponse._meta.db_table,
        "Statement": Statement._meta.db_table,
        "QuestionAnswer": QuestionAnswer._meta.db_table,
        "Agreement": Agreement._meta.db_table,
        "Ritual": Ritual._meta.db_table,
    }
    return f"""SELECT
  (SELECT COALESCE(json_agg(json_build_array(o.user_id, f.role)), '[]') FROM {t["FractureAnswer"]} f
     JOIN {t["OnboardingResponse"]} o ON o.id = f.response_id WHERE o.couple_id = %(c)s),
  (SELECT COALESCE(json_agg(module_id), '[]') FROM {t["ModuleUnlock"]} WHERE couple_id = %(c)s),
  (SELECT COALESCE(json_agg(json_build_array(id, exercise_id, incident_id IS NOT NULL, revealed_at IS NOT NULL)), '[]')
     FROM {t["Run"]} WHERE couple_id = %(c)s),
  (SELECT COALESCE(json_agg(json_build_array(p.run_id, p.user_id, p.submitted_at IS NOT NULL)), '[]')
     FROM {t["Response"]} p JOIN {t["Run"]} r ON r.id = p.run_id WHERE r.couple_id = %(c)s AND r.incident_id IS NULL),
  EXISTS(SELECT 1 FROM {t["StatementResponse"]} sr JOIN {t["Statement"]} s ON s.id = sr.statement_id
     WHERE s.couple_id = %(c)s AND sr.heard_enough),
  EXISTS(SELECT 1 FROM {t["Statement"]} WHERE couple_id = %(c)s),
  EXISTS(SELECT 1 FROM {t["Question"]} WHERE couple_id = %(c)s),
  EXISTS(SELECT 1 FROM {t["QuestionAnswer"]} a JOIN {t["Question"]} q ON q.id = a.question_id WHERE q.couple_id = %(c)s),
  EXISTS(SELECT 1 FROM {t["AgreementCheck"]} k JOIN {t["Agreement"]} g ON g.id = k.agreement_id
     WHERE g.couple_id = %(c)s AND k.kept AND k.confirmed_at IS NOT NULL),
  EXISTS(SELECT 1 FROM {t["Agreement"]} WHERE couple_id = %(c)s),
  EXISTS(SELECT 1 FROM {t["RitualDone"]} d JOIN {t["Ritual"]} r ON r.id = d.ritual_id WHERE r.couple_id = %(c)s),
  EXISTS(SELECT 1 FROM {t["Ritual"]} WHERE couple_id = %(c)s),
  (SELECT COALESCE(json_agg(DISTINCT sender_id), '[]') FROM {t["Appreciation"]} WHERE couple_id = %(c)s)
"""  # noqa: S608


def _couple_facts_sql(couple: Couple) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(_facts_sql(), {"c": couple.pk})
        row = cursor.fetchone()
    (roles, unlocked, run_rows, response_rows, heard, has_statement, questions_any, questions_answered) = row[:8]
    kept_confirmed, has_agreement, ritual_done, has_ritual, senders = row[8:]
    runs = {}
    aftermath_started, aftermath_revealed = set(), set()
    for run_id, exercise_id, is_incident, revealed in run_rows:
        if is_incident:
            aftermath_started.add(exercise_id)
            if revealed:
                aftermath_revealed.add(exercise_id)
        else:
            runs[exercise_id] = (run_id, revealed)
    return {
        "roles": roles_from_rows(roles),
        "unlocked_ids": set(unlocked),
        "runs": runs,
        "aftermath_started": aftermath_started,
        "aftermath_revealed": aftermath_revealed,
        "responses": {(run_id, user_id): submitted for run_id, user_id, submitted in response_rows},
        "statement_heard": heard,
        "has_statement": has_statement,
        "questions_any": questions_any,
        "questions_answered": questions_answered,
        "kept_confirmed": kept_confirmed,
        "has_agreement": has_agreement,
        "ritual_done": ritual_done,
        "has_ritual": has_ritual,
        "senders": set(senders),
    }


def _couple_facts_orm(couple: Couple) -> dict:
    runs = {}
    aftermath_started, aftermath_revealed = set(), set()
    for run_id, exercise_id, incident_id, revealed_at in Run.objects.filter(couple=couple).values_list(
        "id", "exercise_id", "incident_id", "revealed_at"
    ):
        if incident_id:
            aftermath_started.add(exercise_id)
            if revealed_at:
                aftermath_revealed.add(exercise_id)
        else:
            runs[exercise_id] = (run_id, revealed_at is not None)
    responses = {
        (run_id, user_id): submitted_at is not None
        for run_id, user_id, submitted_at in Response.objects.filter(
            run__couple=couple, run__incident__isnull=True
        ).values_list("run_id", "user_id", "submitted_at")
    }
    statement = StatementResponse.objects.filter(statement__couple=couple).aggregate(
        any=Count("pk"), heard=Count("pk", filter=Q(heard_enough=True))
    )
    questions = Question.objects.filter(couple=couple).aggregate(
        any=Count("pk", distinct=True), answered=Count("pk", filter=Q(answers__isnull=False), distinct=True)
    )
    return {
        "roles": roles_by_user(couple),
        "unlocked_ids": set(ModuleUnlock.objects.filter(couple=couple).values_list("module_id", flat=True)),
        "runs": runs,
        "aftermath_started": aftermath_started,
        "aftermath_revealed": aftermath_revealed,
        "responses": responses,
        "statement_heard": bool(statement["heard"]),
        "has_statement": couple.statements.exists(),
        "questions_any": bool(questions["any"]),
        "questions_answered": bool(questions["answered"]),
        "kept_confirmed": AgreementCheck.objects.filter(
            agreement__couple=couple, kept=True, confirmed_at__isnull=False
        ).exists(),
        "has_agreement": couple.agreements.exists(),
        "ritual_done": RitualDone.objects.filter(ritual__couple=couple).exists(),
        "has_ritual": couple.rituals.exists(),
        # order_by(): the model's default ordering would otherwise make DISTINCT return every row.
        "senders": set(
            Appreciation.objects.filter(couple=couple).order_by().values_list("sender_id", flat=True).distinct()
        ),
    }


def couple_facts(couple: Couple, version: int) -> dict:
    key = couple_cache.couple_key("progress", couple.pk, version)
    facts = cache.get(key)
    if facts is None:
        facts = _couple_facts(couple)
        cache.set(key, facts, timeout=couple_cache.DATA_TTL)
    return facts


def progress_for(*, couple: Couple, user: User, versions: tuple[int, int] | None = None) -> CoupleProgress:
    """Where ``couple`` stands, seen by ``user``. ``versions``: ``couple_cache.versions(couple.pk)`` if already read."""
    data_version, content_version = versions or couple_cache.versions(couple.pk)
    partner = couple.partner_of(user)
    modules, exercises = published_curriculum(content_version)
    facts = couple_facts(couple, data_version)
    roles = facts["roles"]
    unlocked_ids = facts["unlocked_ids"]
    runs, responses = facts["runs"], facts["responses"]
    aftermath_started, aftermath_revealed = facts["aftermath_started"], facts["aftermath_revealed"]
    senders = facts["senders"]

    def status_of(exercise: Exercise) -> Status:
        kind = exercise.kind
        if kind in PAIRED_KINDS and kind != Kind.AFTERMATH:
            return _paired_status(exercise, user, partner, roles, runs.get(exercise.pk), responses)
        if kind == Kind.AFTERMATH:
            if exercise.pk in aftermath_revealed:
                return Status.COMPLETE
            return Status.IN_PROGRESS if exercise.pk in aftermath_started else Status.NOT_STARTED
        if kind == Kind.ACCOUNTABILITY:
            if facts["statement_heard"]:
                return Status.COMPLETE
            if not facts["has_statement"]:
                return Status.NOT_STARTED if fits(Audience.CAUSED, roles.get(user.pk)) else Status.WAITING
            return Status.IN_PROGRESS
        if kind == Kind.QUESTIONS_LOG:
            if facts["questions_answered"]:
                return Status.COMPLETE
            return Status.IN_PROGRESS if facts["questions_any"] else Status.NOT_STARTED
        if kind == Kind.AGREEMENTS:
            if facts["kept_confirmed"]:
                return Status.COMPLETE
            return Status.IN_PROGRESS if facts["has_agreement"] else Status.NOT_STARTED
        if kind == Kind.RITUALS:
            if facts["ritual_done"]:
                return Status.COMPLETE
            return Status.IN_PROGRESS if facts["has_ritual"] else Status.NOT_STARTED
        if kind == Kind.APPRECIATIONS:
            everyone = {user.pk} | ({partner.pk} if partner else set())
            if everyone <= senders:
                return Status.COMPLETE
            if user.pk in senders:
                return Status.WAITING
            return Status.IN_PROGRESS if senders else Status.NOT_STARTED
        return Status.NOT_STARTED

    partners = [user] + ([partner] if partner else [])
    grouped: dict[int, list[ExerciseProgress]] = defaultdict(list)
    for exercise in exercises:
        grouped[exercise.module_id].append(
            ExerciseProgress(
                exercise=exercise,
                status=status_of(exercise),
                for_me=fits(exercise.audience, roles.get(user.pk)),
                applies=any(fits(exercise.audience, roles.get(p.pk)) for p in partners),
            )
        )

    result, previous_done = [], True
    for module in modules:
        items = grouped.get(module.pk, [])
        done = bool(items) and all(i.status == Status.COMPLETE for i in items if i.exercise.required and i.applies)
        unlocked = module.unlock_rule == Module.Unlock.OPEN or module.pk in unlocked_ids or previous_done
        result.append(ModuleProgress(module=module, exercises=items, unlocked=unlocked, done=done))
        previous_done = done
    return CoupleProgress(modules=result, roles=roles)
