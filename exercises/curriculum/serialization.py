"""The curriculum in the database as plain data, and plain data as JSON text.

``export_curriculum`` reads every module, exercise and step into the dict described
in ``schema``; ``dumps`` / ``loads`` turn that dict into the file's text and back;
``load_shipped_curriculum`` reads ``curriculum.json`` beside this module. The
row → dict helpers (``module_as_data`` and friends) are also how the importer tells
whether a row already equals the file, so both compare exactly the same fields.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import models

from exercises import content_versions
from exercises.models import Exercise, Module, Step

from .schema import EXERCISE_FIELDS, FORMAT, FORMAT_VERSION, MODULE_FIELDS, STEP_FIELDS, CurriculumError

CURRICULUM_PATH = Path(__file__).resolve().parent / "curriculum.json"


def _fields(obj: models.Model, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names}


def step_as_data(step: Step) -> dict[str, Any]:
    data = _fields(step, STEP_FIELDS)
    data["choices"] = list(data["choices"])
    return data


def exercise_as_data(exercise: Exercise) -> dict[str, Any]:
    """The exercise's fields (its draft's title and introduction) and its steps (as ``exercise.steps`` was prefetched)."""
    data = _fields(exercise, EXERCISE_FIELDS) | content_versions.draft_text(exercise)
    data["steps"] = [step_as_data(step) for step in exercise.steps.all()]
    return data


def module_as_data(module: Module) -> dict[str, Any]:
    """The module's own fields, without its exercises."""
    data = _fields(module, MODULE_FIELDS)
    data["stages"] = list(data["stages"])
    return data


def working_steps() -> models.QuerySet:
    """Steps still in the draft (``until`` empty), in order: what an export writes and an import compares."""
    return Step.objects.filter(until__isnull=True).order_by("order", "pk")


def export_curriculum() -> dict[str, Any]:
    """Every module, exercise and step (drafts and unpublished modules too), in a stable order.

    Steps are each exercise's working copy: the draft, which is the published
    version when nothing is waiting to be published.
    """
    steps = models.Prefetch("steps", queryset=working_steps())
    exercises = models.Prefetch(
        "exercises", queryset=Exercise.objects.order_by("order", "slug").prefetch_related(steps)
    )
    modules = []
    for module in Module.objects.order_by("order", "slug").prefetch_related(exercises):
        data = module_as_data(module)
        data["exercises"] = [exercise_as_data(exercise) for exercise in module.exercises.all()]
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
