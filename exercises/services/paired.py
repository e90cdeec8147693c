"""Step-by-step exercises: drafts, submission, simultaneous reveal and revisions.

Reveal rule (the invariant every read relies on): a partner's answers become
readable by the other partner only once ``Run.revealed_at`` is set, and it is
set in the same transaction as the last participant's submission, under a row
lock on the run, so two partners submitting at the same moment both end up
revealed and neither sees anything earlier.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Couple, User
from exercises.content_versions import run_catch_up, run_steps
from exercises.daily import waiting
from exercises.daily.scheduling import local_today
from exercises.models import Answer, Exercise, Incident, Response, Run, Step
from exercises.models.choices import DEFAULT_VISIBILITY, Audience, Visibility
from exercises.progress import Status, run_status
from exercises.roles import fits, roles_by_user
from exercises.services import sent_just_now


class ExerciseError(Exception):
    """A step that cannot go ahead; the message is safe to show."""


class DraftConflict(ExerciseError):
    """This tab's words differ from what was saved elsewhere meanwhile; nothing was saved.

    ``draft`` is the newest draft revision, so the page can offer to save again
    once the person has looked; ``sent`` says the answers were already submitted.
    """

    def __init__(self, message: str, *, draft: int, sent: bool):
        super().__init__(message)
        self.draft = draft
        self.sent = sent


ALREADY_SENT = (
    "You already sent your answers to this exercise, from another tab or window. What you typed here "
    "was not saved: it is kept below so you can copy anything you want to keep. Once you have both "
    "finished, you can add to or change any answer."
)
CHANGED_ELSEWHERE = (
    "Your draft was changed in another tab or window after you opened this page. What you typed here "
    "was not saved: it is kept below. Compare it with the other tab, then save again from the one you want to keep."
)


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
        run.exercise = exercise
        run_catch_up(run)
        return run
    try:
        with transaction.atomic():
            return Run.objects.create(couple=couple, exercise=exercise, content_version=exercise.version)
    except IntegrityError:  # the partner opened it at the same moment
        return Run.objects.get(couple=couple, exercise=exercise, incident__isnull=True)


def happened_on_problem(happened_on: dt.date | None, *, today: dt.date) -> str | None:
    """Why an incident cannot have happened on this day (``today`` on the writer's own clock), or None."""
    if happened_on is not None and happened_on > today:
        return "That day hasn't come yet. Pick today or an earlier day, or leave it empty."
    return None


@transaction.atomic
def incident_create(*, couple: Couple, user: User, exercise: Exercise, title: str, happened_on=None) -> Run:
    """Open an incident to work through. The same one sent twice within a minute (a double click) is one.

    An incident in the future is refused (``ExerciseError``): it is something that happened.
    """
    if problem := happened_on_problem(happened_on, today=local_today(user)):
        raise ExerciseError(problem)
    Couple.objects.select_for_update().filter(pk=couple.pk).first()
    title = title.strip()
    just_made = sent_just_now(
        Run.objects.filter(
            couple=couple,
            exercise=exercise,
            incident__created_by=user,
            incident__happened_on=happened_on,
        )
        .select_related("incident")
        .order_by("-incident__created_at"),
        since="incident__created_at",
        incident__title=title,
    )
    if just_made is not None:
        return just_made
    incident = Incident.objects.create(couple=couple, created_by=user, title=title, happened_on=happened_on)
    return Run.objects.create(couple=couple, exercise=exercise, incident=incident, content_version=exercise.version)


def response_get_or_create(*, run: Run, user: User) -> Response:
    response, _ = Response.objects.get_or_create(
        run=run, user=user, defaults={"visibility": DEFAULT_VISIBILITY[run.exercise.kind]}
    )
    return response


def _steps_by_id(run: Run) -> dict[int, Step]:
    return {step.pk: step for step in run_steps(run)}


def _holds(response: Response, answers: dict[int, tuple]) -> bool:
    """Whether ``response`` already says exactly ``answers`` (its latest revision of each step)."""
    stored = {a.step_id: (a.value, a.guess) for a in response.answers.order_by("revision")}
    return all(stored.get(step_id, (None, None)) == tuple(pair) for step_id, pair in answers.items())


def _check_not_stale(response: Response, answers: dict[int, tuple], seen: tuple[int | None, str]) -> None:
    """Refuse words from a tab that is behind: submitted elsewhere, or a draft saved by another tab since.

    ``seen`` is (the draft revision the tab last saw, the tab's name). Sending
    what is already stored is never a conflict (a double click), and neither is
    a save this tab made itself that it has not heard back from yet (the blur
    autosave racing the submit).
    """
    if _holds(response, answers):
        return
    if response.is_submitted:
        raise DraftConflict(ALREADY_SENT, draft=response.draft_revision, sent=True)
    based_on, tab = seen
    if based_on is not None and based_on != response.draft_revision and response.draft_tab != tab:
        raise DraftConflict(CHANGED_ELSEWHERE, draft=response.draft_revision, sent=False)


@transaction.atomic
def draft_save(
    *,
    run: Run,
    user: User,
    answers: dict[int, tuple],
    visibility: str | None = None,
    seen: tuple[int | None, str] = (None, ""),
) -> Response:
    """Keep unfinished words. Before submission nobody else can read them, so rows are updated in place.

    ``seen`` is what the tab knew (see ``_check_not_stale``); a tab that is
    behind is refused (``DraftConflict``) rather than overwriting newer words.
    """
    # The run first, then the response, as response_submit does: creating the
    # response while a submit holds the run would deadlock with it.
    Run.objects.select_for_update().filter(pk=run.pk).first()
    response = response_get_or_create(run=run, user=user)
    response = Response.objects.select_for_update().get(pk=response.pk)
    _check_not_stale(response, answers, seen)
    if response.is_submitted:
        return response  # the same words again after submitting: nothing to keep
    response.run = run  # whose key seals the answers is read from the run's couple
    if visibility in Visibility.values and visibility != response.visibility:
        response.visibility = visibility
        # "Only me" is sealed with the person's own key, shared words with the couple's.
        for answer in response.answers.all():
            answer.response = response
            answer.reseal()
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
    response.draft_revision += 1
    response.draft_tab = seen[1]
    response.save(update_fields=["draft_saved_at", "draft_revision", "draft_tab", "visibility"])
    return response


@transaction.atomic
def response_submit(
    *, run: Run, user: User, answers: dict[int, tuple], visibility: str, seen: tuple[int | None, str] = (None, "")
) -> Response:
    """Submit one partner's answers, once; reveal when every participant has submitted.

    The same answers sent twice are one submission; different words from a tab
    that is behind raise ``DraftConflict`` and change nothing.
    """
    run = Run.objects.select_for_update().select_related("exercise", "couple").get(pk=run.pk)
    if user not in participants(run):
        raise ExerciseError("This exercise is meant for your partner. You will see it once they have finished.")
    response = response_get_or_create(run=run, user=user)
    response = Response.objects.select_for_update().get(pk=response.pk)
    _check_not_stale(response, answers, seen)
    if response.is_submitted:
        return response  # a double click: the first submission stands
    draft_save(run=run, user=user, answers=answers, visibility=visibility)
    response.refresh_from_db()
    response.submitted_at = timezone.now()
    response.save(update_fields=["submitted_at"])
    submitted = set(run.responses.filter(submitted_at__isnull=False).values_list("user_id", flat=True))
    roles = roles_by_user(run.couple)
    waiting_for = participants(run, roles)
    waiting.turn_taken(run, user)
    if all(p is not None and p.pk in submitted for p in waiting_for):
        run.revealed_at = timezone.now()
        run.save(update_fields=["revealed_at"])
        return response
    for partner in waiting_for:
        if partner is None or partner.pk in submitted:
            continue
        # Told only when the app itself now shows the submitter "waiting for your partner" (the one rule).
        status = run_status(run.exercise, run.pk, False, user.pk, partner.pk, roles, submitted)
        if status == Status.WAITING:
            waiting.your_turn(run, partner)
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
            for partner in couple.partners():  # it no longer waits for anyone
                waiting.turn_taken(run, partner)


@transaction.atomic
def answer_revise(*, run: Run, user: User, step: Step, value, guess=None) -> tuple[Answer, bool]:
    """Change an answer after the reveal: a new revision, so the partner can see what changed.

    Returns the current answer and whether it is new: saving the same words
    again (no change, a double click) adds no identical version.
    """
    if run.revealed_at is None:
        raise ExerciseError("You can change your answers after you have both finished.")
    response = Response.objects.select_for_update().get(run=run, user=user)
    current = response.answers.filter(step=step).order_by("-revision").first()
    if current is not None and (current.value, current.guess) == (value, guess):
        return current, False
    answer = Answer.objects.create(
        response=response,
        step=step,
        revision=(current.revision if current else 0) + 1,
        value=value,
        guess=guess,
        prompt_snapshot=step.prompt,
        step_order=step.order,
    )
    return answer, True


@transaction.atomic
def joint_note_save(*, run: Run, user: User, text: str) -> Run:
    run = Run.objects.select_for_update().get(pk=run.pk)
    if run.revealed_at is None:
        raise ExerciseError("The shared note opens once you have both answered.")
    run.joint_note = text.strip()
    run.joint_note_by = user
    run.save(update_fields=["joint_note", "joint_note_by"])
    return run
