"""Content versions: staff edit a draft of an exercise's steps; couples only ever meet published versions.

``Exercise.version`` is the published version; the draft is ``version + 1``.
A step belongs to the versions ``since <= v < until`` (``until`` empty: still
in the draft). A step that is in a published version is never edited in place:
a change ends the old row where the draft begins and starts a new row there,
so a couple's run keeps exactly the questions it was started with (its
``content_version``), and their answers keep the words they answered.
Publishing moves the exercise on to its draft in one update.

The title and introduction are not asked, so runs do not keep old ones: the
draft holds its own (``draft_title``, ``draft_introduction``) until staff
publish, and from then on everybody reads the new text.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf

from exercises.models import Exercise, Response, Run, Step

STEP_FIELDS = ("order", "prompt", "help_text", "answer_type", "choices", "required", "ask_guess")
TEXT_FIELDS = ("title", "introduction")


def steps_in(exercise: Exercise, version: int) -> list[Step]:
    """The exercise's steps in ``version``, in order (reads a prefetched ``steps`` without a query)."""
    return [s for s in exercise.steps.all() if s.since <= version and (s.until is None or s.until > version)]


def published_steps(exercise: Exercise) -> list[Step]:
    return steps_in(exercise, exercise.version)


def draft_steps(exercise: Exercise) -> list[Step]:
    return steps_in(exercise, exercise.version + 1)


def run_steps(run: Run) -> list[Step]:
    """What this couple's run asks: the version it was started with."""
    return steps_in(run.exercise, run.content_version)


def with_draft_flag(exercises: QuerySet) -> QuerySet:
    """Annotate ``has_draft``: the draft differs from the published version, in its text or its steps."""
    draft = OuterRef("version") + 1
    changed_steps = Step.objects.filter(exercise=OuterRef("pk")).filter(Q(since=draft) | Q(until=draft))
    text_changed = ~Q(draft_title="") | ~Q(draft_introduction="")
    return exercises.annotate(has_draft=text_changed | Exists(changed_steps))


def has_draft_changes(exercise: Exercise) -> bool:
    return with_draft_flag(Exercise.objects.filter(pk=exercise.pk)).filter(has_draft=True).exists()


def draft_text(exercise: Exercise) -> dict[str, str]:
    """The title and introduction as the draft has them (what the preview shows and staff edit)."""
    return {name: _draft_value(exercise, name) for name in TEXT_FIELDS}


def _draft_value(exercise: Exercise, name: str) -> str:
    return getattr(exercise, f"draft_{name}") or getattr(exercise, name)  # both are required: empty is unchanged


@transaction.atomic
def text_change(exercise: Exercise, **fields: str) -> None:
    """Put a new title or introduction in the draft; the same words as published clear the draft's own."""
    exercise = Exercise.objects.select_for_update().get(pk=exercise.pk)
    for name, value in fields.items():
        setattr(exercise, f"draft_{name}", "" if value == getattr(exercise, name) else value)
    exercise.save(update_fields=[f"draft_{name}" for name in fields] + ["updated_at"])


def step_add(exercise: Exercise, **fields) -> Step:
    return Step.objects.create(exercise=exercise, since=exercise.version + 1, **fields)


@transaction.atomic
def step_change(step: Step, **fields) -> Step:
    """Change a step in the draft; a published step is ended and a changed copy starts in the draft."""
    step = Step.objects.select_for_update().select_related("exercise").get(pk=step.pk)
    draft = step.exercise.version + 1
    if all(getattr(step, name) == value for name, value in fields.items()):
        return step
    if step.since == draft:  # only in the draft so far: nobody has seen it
        for name, value in fields.items():
            setattr(step, name, value)
        step.save()
        return step
    Step.objects.filter(pk=step.pk).update(until=draft)
    copy = {name: getattr(step, name) for name in STEP_FIELDS} | fields
    return Step.objects.create(exercise=step.exercise, since=draft, **copy)


@transaction.atomic
def step_remove(step: Step) -> None:
    """Take a step out of the draft; published versions keep it."""
    step = Step.objects.select_for_update().select_related("exercise").get(pk=step.pk)
    draft = step.exercise.version + 1
    if step.since == draft:
        step.delete()
    else:
        Step.objects.filter(pk=step.pk).update(until=draft)


@transaction.atomic
def publish(exercise: Exercise) -> bool:
    """Make the draft the published version. False when the draft has no changes (nothing moves)."""
    exercise = Exercise.objects.select_for_update().get(pk=exercise.pk)
    if not has_draft_changes(exercise):
        return False
    Exercise.objects.filter(pk=exercise.pk).update(
        version=F("version") + 1,
        **{name: Coalesce(NullIf(f"draft_{name}", Value("")), name) for name in TEXT_FIELDS},
        **{f"draft_{name}": "" for name in TEXT_FIELDS},
    )
    return True


@transaction.atomic
def discard_draft(exercise: Exercise) -> None:
    """Throw away unpublished changes: the draft is the published version again."""
    exercise = Exercise.objects.select_for_update().get(pk=exercise.pk)
    Exercise.objects.filter(pk=exercise.pk).update(**{f"draft_{name}": "" for name in TEXT_FIELDS})
    draft = exercise.version + 1
    Step.objects.filter(exercise=exercise, since=draft).delete()
    Step.objects.filter(exercise=exercise, until=draft).update(until=None)


def run_catch_up(run: Run) -> None:
    """Move a run nobody has answered anything in yet to the published version: nothing to keep."""
    if run.content_version == run.exercise.version:
        return
    # Asked of the responses, not the answers: row security hides a partner's unrevealed answers.
    written = Q(draft_saved_at__isnull=False) | Q(submitted_at__isnull=False)
    if Response.objects.filter(run=run).filter(written).exists():
        return  # someone started: the run keeps the version they started
    Run.objects.filter(pk=run.pk, content_version=run.content_version).update(content_version=run.exercise.version)
    run.content_version = run.exercise.version
