"""The whole curriculum as plain data: exported to JSON, imported back, shipped by default.

Format (what ``export_content`` writes and ``import_content`` / ``load_curriculum`` read;
``exercises/curriculum/curriculum.json`` is one of these)::

    {"format": "trustrepair.curriculum", "format_version": 1,
     "modules": [{module fields..., "exercises": [{exercise fields..., "steps": [{step fields...}]}]}]}

Every model field is there except database ids, ``Exercise.version`` and
``Exercise.updated_at``, so export → wipe → import → export gives the same dict.

Import guarantees:

* The file is validated completely before anything is written; a problem is
  reported with where it is (``modules[0].exercises[2].kind: ...``) and nothing
  changes. The writes happen in one transaction: all of them or none.
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
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction

from exercises.models import Answer, Exercise, Module, Step
from exercises.models.choices import AnswerType
from exercises.stages import STAGES

FORMAT = "trustrepair.curriculum"
FORMAT_VERSION = 1
CURRICULUM_PATH = Path(__file__).resolve().parent / "curriculum" / "curriculum.json"

MODULE_FIELDS = ("slug", "title", "order", "stages", "summary", "unlock_rule", "published")
EXERCISE_FIELDS = (
    "slug",
    "title",
    "order",
    "kind",
    "audience",
    "estimated_minutes",
    "introduction",
    "required",
    "status",
)
STEP_FIELDS = ("order", "prompt", "help_text", "answer_type", "choices", "required", "ask_guess")

CHOICE_TYPES = frozenset({AnswerType.SINGLE_CHOICE, AnswerType.MULTIPLE_CHOICE, AnswerType.CHECKLIST})
STAGE_KEYS = tuple(stage.key for stage in STAGES)

# Any constant will do: it only has to be the same for every process importing content.
_IMPORT_LOCK_ID = 0x7472_7573_7472


class CurriculumError(ValueError):
    """A curriculum file that cannot be imported; ``problems`` lists every reason found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def step_choice_problems(answer_type: str, choices: list[str]) -> list[str]:
    """What is wrong with a step's options for its answer type (empty when nothing is).

    Shared by the importer and the admin, so a file and a form obey the same rule.
    """
    label = AnswerType(answer_type).label.lower() if answer_type in AnswerType.values else answer_type
    if answer_type in CHOICE_TYPES:
        problems = []
        if len(choices) < 2:
            problems.append(f"A {label} step needs at least two options.")
        if len(set(choices)) != len(choices):
            problems.append("Each option must be different from the others.")
        return problems
    if choices:
        return [
            f"A {label} step has no options: remove them, or change the answer type "
            "to single choice, multiple choice or checklist."
        ]
    return []


# --- Export -----------------------------------------------------------------------


def _fields(obj: models.Model, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names}


def _step_data(step: Step) -> dict[str, Any]:
    data = _fields(step, STEP_FIELDS)
    data["choices"] = list(data["choices"])
    return data


def _exercise_data(exercise: Exercise) -> dict[str, Any]:
    data = _fields(exercise, EXERCISE_FIELDS)
    data["steps"] = [_step_data(step) for step in exercise.steps.all()]
    return data


def _module_data(module: Module) -> dict[str, Any]:
    data = _fields(module, MODULE_FIELDS)
    data["stages"] = list(data["stages"])
    return data


def export_curriculum() -> dict[str, Any]:
    """Every module, exercise and step (drafts and unpublished modules too), in a stable order."""
    steps = models.Prefetch("steps", queryset=Step.objects.order_by("order", "pk"))
    exercises = models.Prefetch(
        "exercises", queryset=Exercise.objects.order_by("order", "slug").prefetch_related(steps)
    )
    modules = []
    for module in Module.objects.order_by("order", "slug").prefetch_related(exercises):
        data = _module_data(module)
        data["exercises"] = [_exercise_data(exercise) for exercise in module.exercises.all()]
        modules.append(data)
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "modules": modules}


def dumps(data: dict[str, Any]) -> str:
    """The JSON text written by export_content (readable diffs: indented, UTF-8 as is)."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def loads(text: str, *, source: str = "the file") -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CurriculumError(
            [f"{source} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."]
        ) from None
    return data


def load_shipped_curriculum() -> dict[str, Any]:
    return loads(CURRICULUM_PATH.read_text(encoding="utf-8"), source=str(CURRICULUM_PATH))


# --- Validation -------------------------------------------------------------------


class _Validator:
    """Checks a whole file and returns it normalised (defaults filled in), or raises with every problem."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}" if where else message)

    def run(self, data: Any) -> list[dict[str, Any]]:
        if not isinstance(data, dict):
            raise CurriculumError(['The file must hold a JSON object with a "modules" list.'])
        if data.get("format", FORMAT) != FORMAT:
            self.problem("format", f"expected {FORMAT!r}, found {data.get('format')!r}.")
        version = data.get("format_version", FORMAT_VERSION)
        if version != FORMAT_VERSION:
            self.problem("format_version", f"this app reads version {FORMAT_VERSION}, the file is {version!r}.")
        unknown = set(data) - {"format", "format_version", "modules"}
        if unknown:
            self.problem("", f"unknown top-level field(s): {', '.join(sorted(unknown))}.")
        raw_modules = data.get("modules")
        if not isinstance(raw_modules, list):
            self.problem("modules", "missing, or not a list.")
            raise CurriculumError(self.problems)

        modules = [self.module(raw, f"modules[{i}]", i) for i, raw in enumerate(raw_modules)]
        self.unique([m for m in modules if m], "slug", "module slug")
        self.unique([e for m in modules if m for e in m["exercises"] if e], "slug", "exercise slug")
        if self.problems:
            raise CurriculumError(self.problems)
        return modules

    def unique(self, items: list[dict[str, Any]], key: str, what: str) -> None:
        seen: set[Any] = set()
        for item in items:
            value = item.get(key)
            if value in seen:
                self.problem("", f"the {what} {value!r} appears more than once.")
            seen.add(value)

    def fields(
        self, raw: Any, where: str, model: type[models.Model], names: tuple[str, ...], position: int, nested: str
    ):
        """Type-check and model-validate ``names`` of one object; returns the normalised dict or None."""
        if not isinstance(raw, dict):
            self.problem(where, "must be a JSON object.")
            return None
        label = f"{where} ({raw['slug']})" if isinstance(raw.get("slug"), str) else where
        unknown = set(raw) - set(names) - {nested}
        if unknown:
            self.problem(label, f"unknown field(s): {', '.join(sorted(unknown))}.")
        out: dict[str, Any] = {}
        for name in names:
            model_field = model._meta.get_field(name)
            if name not in raw:
                if name == "order":
                    out[name] = position + 1  # hand-written files may rely on list order
                elif model_field.has_default() or model_field.blank:
                    out[name] = model_field.get_default()
                else:
                    self.problem(label, f"the field {name!r} is missing.")
                continue
            value = raw[name]
            if not self.typed(label, name, model_field, value):
                continue
            try:
                model_field.clean(value, None)
            except ValidationError as exc:
                self.problem(label, f"{name}: {self.explain(model_field, value, exc)}")
                continue
            out[name] = value
        return out, label

    def typed(self, where: str, name: str, model_field: models.Field, value: Any) -> bool:
        if isinstance(model_field, models.BooleanField):
            ok, expected = isinstance(value, bool), "true or false"
        elif isinstance(model_field, models.IntegerField):
            ok, expected = isinstance(value, int) and not isinstance(value, bool), "a whole number"
        elif isinstance(model_field, models.JSONField):
            ok = isinstance(value, list) and all(isinstance(item, str) for item in value)
            expected = "a list of strings"
        else:
            ok, expected = isinstance(value, str), "a string"
        if not ok:
            self.problem(where, f"{name} must be {expected}, not {json.dumps(value)}.")
        return ok

    @staticmethod
    def explain(model_field: models.Field, value: Any, exc: ValidationError) -> str:
        if model_field.choices and value not in dict(model_field.flatchoices):
            allowed = ", ".join(str(key) for key, _ in model_field.flatchoices)
            return f"{value!r} is not one of: {allowed}."
        return " ".join(exc.messages)

    def module(self, raw: Any, where: str, position: int) -> dict[str, Any] | None:
        result = self.fields(raw, where, Module, MODULE_FIELDS, position, "exercises")
        if result is None:
            return None
        module, label = result
        for key in module.get("stages", []):
            if key not in STAGE_KEYS:
                self.problem(label, f"stages: {key!r} is not one of: {', '.join(STAGE_KEYS)}.")
        raw_exercises = raw.get("exercises", [])
        if not isinstance(raw_exercises, list):
            self.problem(label, "exercises must be a list.")
            raw_exercises = []
        module["exercises"] = [
            self.exercise(item, f"{label}.exercises[{i}]", i) for i, item in enumerate(raw_exercises)
        ]
        return module

    def exercise(self, raw: Any, where: str, position: int) -> dict[str, Any] | None:
        result = self.fields(raw, where, Exercise, EXERCISE_FIELDS, position, "steps")
        if result is None:
            return None
        exercise, label = result
        raw_steps = raw.get("steps", [])
        if not isinstance(raw_steps, list):
            self.problem(label, "steps must be a list.")
            raw_steps = []
        steps = [self.step(item, f"{label}.steps[{i}]", i) for i, item in enumerate(raw_steps)]
        exercise["steps"] = [step for step in steps if step]
        orders = [step["order"] for step in exercise["steps"] if "order" in step]
        for order in sorted({o for o in orders if orders.count(o) > 1}):
            self.problem(label, f"two or more steps have order {order}; each step needs its own.")
        return exercise

    def step(self, raw: Any, where: str, position: int) -> dict[str, Any] | None:
        result = self.fields(raw, where, Step, STEP_FIELDS, position, "")
        if result is None:
            return None
        step, label = result
        if "answer_type" in step and "choices" in step:
            for message in step_choice_problems(step["answer_type"], step["choices"]):
                self.problem(label, message)
        if step.get("ask_guess") and step.get("answer_type") == AnswerType.INSTRUCTION:
            self.problem(label, "an instruction takes no answer, so it cannot ask for a guess.")
        return step


def validate_curriculum(data: Any) -> list[dict[str, Any]]:
    """The file's modules, normalised (every field present); raises CurriculumError listing every problem."""
    return _Validator().run(data)


# --- Import -----------------------------------------------------------------------


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
    elif _module_data(module) == fields:
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
        .prefetch_related(models.Prefetch("steps", queryset=Step.objects.order_by("order", "pk")))
        .first()
    )
    if exercise is None:
        exercise = Exercise.objects.create(module=module, **fields)
        for step_data in data["steps"]:
            Step.objects.create(exercise=exercise, **step_data)
            summary.steps_created += 1
        summary.exercises.created.append(exercise.slug)
    elif exercise.module_id == module.pk and _exercise_data(exercise) == data:
        summary.exercises.unchanged.append(exercise.slug)
    elif force:
        exercise.module = module
        for name, value in fields.items():
            setattr(exercise, name, value)
        _sync_steps(exercise, data["steps"], summary)
        exercise.save()  # after the steps: bumps the version once, for any change
        summary.exercises.updated.append(exercise.slug)
    else:
        summary.exercises.kept.append(exercise.slug)


def _sync_steps(exercise: Exercise, steps: list[dict[str, Any]], summary: ImportSummary) -> None:
    """Make the exercise's steps equal ``steps``, matching by order and updating in place."""
    by_order: dict[int, Step] = {}
    leftovers: list[Step] = []
    current = list(exercise.steps.all())
    for step in current:
        if step.order in by_order:
            leftovers.append(step)  # a second step with the same order (only possible outside the admin)
        else:
            by_order[step.order] = step
    answered = set(Answer.objects.filter(step__in=current).values_list("step_id", flat=True))
    for data in steps:
        step = by_order.pop(data["order"], None)
        if step is not None and step.pk in answered and step.answer_type != data["answer_type"]:
            # Old answers were given in the old shape (a date, a list of options...): they keep
            # their snapshot and lose the link, rather than be read as the new type.
            leftovers.append(step)
            step = None
        if step is None:
            Step.objects.create(exercise=exercise, **data)
            summary.steps_created += 1
        elif _step_data(step) != data:
            for name, value in data.items():
                setattr(step, name, value)
            step.save()
            summary.steps_updated += 1
    for step in [*leftovers, *by_order.values()]:
        step.delete()  # Answer.step is SET_NULL: the answers and their snapshots stay
        summary.steps_deleted += 1
