"""A whole curriculum file checked before anything is written, and returned normalised.

``validate_curriculum`` walks the file (modules → exercises → steps), checks each
field's JSON type and then the model field's own validation (choices, lengths),
fills in defaults (a missing ``order`` is the position in its list), and checks
what spans objects (unique slugs, unique step orders). Every problem is collected
with where it is (``modules[0].exercises[2].kind: ...``) and raised together as one
``CurriculumError``, so a bad file is reported completely and changes nothing.
Kept apart from the import so the rules can be read, and tested, without the writes.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from exercises.models import Exercise, Module, Step
from exercises.models.choices import AnswerType

from .schema import (
    EXERCISE_FIELDS,
    FORMAT,
    FORMAT_VERSION,
    MODULE_FIELDS,
    STAGE_KEYS,
    STEP_FIELDS,
    CurriculumError,
    step_choice_problems,
)


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
