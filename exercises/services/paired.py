"""Step-by-step exercises: drafts, submission, simultaneous reveal and revisions.

Reveal rule (the invariant every read relies on): a partner's answers become
readable by the other partner only once ``Run.revealed_at`` is set, and it is
set in the same transaction as the last participant's submission, under a row
lock on the run, so two partners submitting at the same moment both end up
revealed and neither sees anything earlier.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import Couple, User
from exercises.models import Answer, Exercise, Incident, Response, Run, Step
from exercises.models.choices import DEFAULT_VISIBILITY, Audience, Visibility
from exercises.roles import fits, roles_by_user


class ExerciseError(Exception):
    """A step that cannot go ahead; the message is safe to show."""


def participants(run: Run, roles: dict[int, set[str]] | None = None) -> list[User]:
    """The partners this run waits for: everyone the exercise's audience fits (``roles``: if already read)."""
    roles = roles_by_user(run.couple) if roles is None else roles
    partners = run.couple.partners()
    chosen = [p for p in partners if fits(run.exercise.audience, roles.get(p.pk))]
    if run.exercise.audience == Audience.BOTH and len(partners) < 2:
        # Both partners answer; while the second seat is empty the run cannot reveal.
        return [*partners, None]
    return chosen


def run_get_or_create(*, couple: Couple, exercise: Exercise) -> Run:
    run = Run.objects.filter(couple=couple, exercise=exercise, incident__isnull=True).first()
    if run:
        return run
    try:
        with transaction.atomic():
            return Run.objects.create(couple=couple, exercise=exercise)
    except IntegrityError:  # the partner opened it at the same moment
        return Run.objects.get(couple=couple, exercise=exercise, incident__isnull=True)


@transaction.atomic
def incident_create(*, couple: Couple, user: User, exercise: Exercise, title: str, happened_on=None) -> Run:
    incident = Incident.objects.create(couple=couple, created_by=user, title=title.strip(), happened_on=happened_on)
    return Run.objects.create(couple=couple, exercise=exercise, incident=incident)


def response_get_or_create(*, run: Run, user: User) -> Response:
    response, _ = Response.objects.get_or_create(
        run=run, user=user, defaults={"visibility": DEFAULT_VISIBILITY[run.exercise.kind]}
    )
    return response


def _steps_by_id(run: Run) -> dict[int, Step]:
    return {step.pk: step for step in run.exercise.steps.all()}


@transaction.atomic
def draft_save(*, run: Run, user: User, answers: dict[int, tuple], visibility: str | None = None) -> Response:
    """Keep unfinished words. Before submission nobody else can read them, so rows are updated in place."""
    response = response_get_or_create(run=run, user=user)
    response = Response.objects.select_for_update().get(pk=response.pk)
    if response.is_submitted:
        return response  # a late autosave after submitting changes nothing
    steps = _steps_by_id(run)
    for step_id, (value, guess) in answers.items():
        step = steps.get(step_id)
        if step is None:
            continue
        Answer.objects.update_or_create(
            response=response,
            step=step,
            revision=1,
            defaults={"value": value, "guess": guess, "prompt_snapshot": step.prompt, "step_order": step.order},
        )
    response.draft_saved_at = timezone.now()
    if visibility in Visibility.values:
        response.visibility = visibility
    response.save(update_fields=["draft_saved_at", "visibility"])
    return response


@transaction.atomic
def response_submit(*, run: Run, user: User, answers: dict[int, tuple], visibility: str) -> Response:
    """Submit one partner's answers, once; reveal when every participant has submitted."""
    run = Run.objects.select_for_update().select_related("exercise", "couple").get(pk=run.pk)
    if user not in participants(run):
        raise ExerciseError("This exercise is meant for your partner. You will see it once they have finished.")
    response = response_get_or_create(run=run, user=user)
    if response.is_submitted:
        return response  # double click or second tab: the first submission stands
    draft_save(run=run, user=user, answers=answers, visibility=visibility)
    response.refresh_from_db()
    response.submitted_at = timezone.now()
    response.save(update_fields=["submitted_at"])
    submitted = set(run.responses.filter(submitted_at__isnull=False).values_list("user_id", flat=True))
    if all(p is not None and p.pk in submitted for p in participants(run)):
        run.revealed_at = timezone.now()
        run.save(update_fields=["revealed_at"])
    return response


@transaction.atomic
def runs_reveal_ready(*, couple: Couple) -> None:
    """Reveal the couple's open runs whose participants have all submitted.

    Called when the onboarding answers are revealed: roles count from then on,
    so a run may now wait for fewer people than when its answers came in.
    """
    runs = list(
        Run.objects.select_for_update(of=("self",))
        .filter(couple=couple, revealed_at__isnull=True)
        .select_related("exercise")
    )
    if not runs:
        return
    roles = roles_by_user(couple)
    submitted = set(Response.objects.filter(run__in=runs, submitted_at__isnull=False).values_list("run_id", "user_id"))
    now = timezone.now()
    for run in runs:
        run.couple = couple
        waiting_for = participants(run, roles)
        if waiting_for and all(p is not None and (run.pk, p.pk) in submitted for p in waiting_for):
            run.revealed_at = now
            run.save(update_fields=["revealed_at"])


@transaction.atomic
def answer_revise(*, run: Run, user: User, step: Step, value, guess=None) -> Answer:
    """Change an answer after the reveal: a new revision, so the partner can see what changed."""
    if run.revealed_at is None:
        raise ExerciseError("You can change your answers after you have both finished.")
    response = Response.objects.select_for_update().get(run=run, user=user)
    latest = response.answers.filter(step=step).aggregate(latest=Max("revision"))["latest"] or 0
    return Answer.objects.create(
        response=response,
        step=step,
        revision=latest + 1,
        value=value,
        guess=guess,
        prompt_snapshot=step.prompt,
        step_order=step.order,
    )


@transaction.atomic
def joint_note_save(*, run: Run, user: User, text: str) -> Run:
    run = Run.objects.select_for_update().get(pk=run.pk)
    if run.revealed_at is None:
        raise ExerciseError("The shared note opens once you have both answered.")
    run.joint_note = text.strip()
    run.joint_note_by = user
    run.save(update_fields=["joint_note", "joint_note_by"])
    return run
