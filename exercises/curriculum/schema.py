"""The curriculum file format, and the rules on content that files and the admin share.

Format (what ``export_content`` writes and ``import_content`` / ``load_curriculum`` read;
``exercises/curriculum/curriculum.json`` is one of these)::

    {"format": "trustrepair.curriculum", "format_version": 1,
     "modules": [{module fields..., "exercises": [{exercise fields..., "steps": [{step fields...}]}]}]}

Every model field is there except database ids, ``Exercise.version`` and
``Exercise.updated_at``, so export → wipe → import → export gives the same dict.

This module defines the format and reads no database, so validation, export,
import and the admin can all depend on it without depending on each other.
"""

from __future__ import annotations

from exercises.models.choices import AnswerType
from exercises.stages import STAGES

FORMAT = "trustrepair.curriculum"
FORMAT_VERSION = 1

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
