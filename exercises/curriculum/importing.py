"""A checked curriculum file applied to the database, in one transaction.

Import guarantees:

* The file is validated completely before anything is written (``validation``); a
  problem is reported with where it is (``modules[0].exercises[2].kind: ...``) and
  nothing changes. The writes happen in one transaction: all of them or none.
* Modules and exercises are matched by slug, steps by order within their exercise.
  Missing things are created. Something that exists and already equals the file is
  left alone. Something that exists and *differs* is kept as it is (staff may have
  edited it in the admin) unless ``force`` is given; the summary names it.
* Nothing is deleted except steps of an exercise that ``force`` overwrites.
* Partners' answers are never corrupted: an ``Answer`` keeps the words it answered
  (``prompt_snapshot``), steps are updated in place so answers stay linked, and a
  step whose answer type changes under existing answers is replaced rather than
  mutated (its answers keep their snapshot; ``Answer.step`` becomes NULL).
* Every overwritten exercise is saved through ``Exercise.save``, so its version is
  bumped and a partner's form built from the old wording is recognised as stale.

"Equals the file" is decided with the same row → dict functions the export uses
(``serialization``), so an exported file imports back as unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction

from exercises import content_versions
from exercises.models import Exercise, Module, Step

from .serialization import exercise_as_data, module_as_data, step_as_data, working_steps
from .validation import validate_curriculum

# Any constant will do: it only has to be the same for every process importing content.
_IMPORT_LOCK_ID = 0x7472_7573_7472


@dataclass
class Tally:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # exist, differ from the file, left as they are


@dataclass
class ImportSummary:
    modules: Tally = field(default_factory=Tally)
    exercises: Tally = field(default_factory=Tally)
    steps_created: int = 0
    steps_updated: int = 0
    steps_deleted: int = 0
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.modules.created or self.modules.updated or self.exercises.created or self.exercises.updated)

    def lines(self) -> list[str]:
        out = []
        for name, tally in (("Modules", self.modules), ("Exercises", self.exercises)):
            out.append(
                f"{name}: {len(tally.created)} created, {len(tally.updated)} updated, "
                f"{len(tally.unchanged)} unchanged, {len(tally.kept)} kept as edited here."
            )
        out.append(f"Steps: {self.steps_created} created, {self.steps_updated} updated, {self.steps_deleted} removed.")
        kept = self.modules.kept + self.exercises.kept
        if kept:
            out.append(
                "Kept because they differ from the file (edited here?): "
                f"{', '.join(kept)}. Use --force to replace them with the file's version."
            )
        if self.dry_run:
            out.append("Dry run: nothing was saved.")
        return out


def import_curriculum(data: Any, *, force: bool = False, dry_run: bool = False) -> ImportSummary:
    """Validate ``data`` (see the module docstring for the rules), then apply it in one transaction."""
    modules = validate_curriculum(data)
    summary = ImportSummary(dry_run=dry_run)
    with transaction.atomic():
        # Two imports at once (two deploys, two `make run`s) would race on the slugs: take turns.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_IMPORT_LOCK_ID])
        for module_data in modules:
            module = _apply_module(module_data, force=force, summary=summary)
            for exercise_data in module_data["exercises"]:
                _apply_exercise(module, exercise_data, force=force, summary=summary)
        if dry_run:
            transaction.set_rollback(True)
    return summary


def _without(data: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != key}


def _apply_module(data: dict[str, Any], *, force: bool, summary: ImportSummary) -> Module:
    fields = _without(data, "exercises")
    module = Module.objects.filter(slug=fields["slug"]).first()
    if module is None:
        module = Module.objects.create(**fields)
        summary.modules.created.append(module.slug)
    elif module_as_data(module) == fields:
        summary.modules.unchanged.append(module.slug)
    elif force:
        for name, value in fields.items():
            setattr(module, name, value)
        module.save()
        summary.modules.updated.append(module.slug)
    else:
        summary.modules.kept.append(module.slug)
    return module


def _apply_exercise(module: Module, data: dict[str, Any], *, force: bool, summary: ImportSummary) -> None:
    fields = _without(data, "steps")
    exercise = (
        Exercise.objects.filter(slug=fields["slug"])
        .prefetch_related(models.Prefetch("steps", queryset=working_steps()))
        .first()
    )
    if exercise is None:
        exercise = Exercise.objects.create(module=module, **fields)
        for step_data in data["steps"]:
            Step.objects.create(exercise=exercise, **step_data)
            summary.steps_created += 1
        summary.exercises.created.append(exercise.slug)
    elif exercise.module_id == module.pk and exercise_as_data(exercise) == data:
        summary.exercises.unchanged.append(exercise.slug)
    elif force:
        exercise.module = module
        text = {name: fields.pop(name) for name in content_versions.TEXT_FIELDS}
        for name, value in fields.items():
            setattr(exercise, name, value)
        exercise.save()
        content_versions.text_change(exercise, **text)
        _sync_steps(exercise, data["steps"], summary)
        content_versions.publish(exercise)  # an import is staff publishing: couples who started keep theirs
        summary.exercises.updated.append(exercise.slug)
    else:
        summary.exercises.kept.append(exercise.slug)


def _sync_steps(exercise: Exercise, steps: list[dict[str, Any]], summary: ImportSummary) -> None:
    """Make the exercise's draft steps equal ``steps``, matching by order (content_versions keeps old versions)."""
    by_order: dict[int, Step] = {}
    leftovers: list[Step] = []
    for step in exercise.steps.all():
        if step.order in by_order:
            leftovers.append(step)  # a second step with the same order (only possible outside the admin)
        else:
            by_order[step.order] = step
    for data in steps:
        step = by_order.pop(data["order"], None)
        if step is None:
            content_versions.step_add(exercise, **data)
            summary.steps_created += 1
        elif step_as_data(step) != data:
            content_versions.step_change(step, **data)
            summary.steps_updated += 1
    for step in [*leftovers, *by_order.values()]:
        content_versions.step_remove(step)  # runs that asked it keep it, and answers keep their words
        summary.steps_deleted += 1
