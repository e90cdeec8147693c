"""``collect(user)``: every section of a person's export, in the order the file lists them.

Only assembly: each section is read by ``personal``, ``writing`` or ``shared``,
which is where the rules of what may be included live (see the package
docstring). The keys and their order are the file's format; ``VERSION`` changes
when they do.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from accounts.models import User

from . import personal, shared, writing
from .scope import scope_for

FORMAT = "trustrepair-export"
VERSION = 1


def collect(user: User) -> dict[str, Any]:
    """Everything the export holds for ``user``, as JSON-ready data (datetimes left as objects)."""
    scope = scope_for(user)
    submitted, drafts = writing.exercise_responses(user)
    return {
        "format": FORMAT,
        "version": VERSION,
        "generated_at": timezone.now(),
        "account": personal.account(user),
        "couple_spaces": personal.couple_spaces(scope),
        "private": personal.private(user, drafts=drafts),
        "exercise_answers": submitted,
        "incidents": writing.incidents(user),
        "joint_notes": writing.joint_notes(user),
        "statements": writing.statements(user),
        "statement_responses": writing.statement_responses(user),
        "questions_asked": writing.questions_asked(user),
        "answers_to_questions": writing.answers_to_questions(user),
        "agreements": shared.agreements(scope),
        "rituals": writing.rituals(user),
        "rituals_done": writing.rituals_done(user),
        "appreciations_sent": writing.appreciations_sent(scope),
        "appreciations_received": shared.appreciations_received(scope),
        "checkins": personal.checkins(user),
        "prompt_preferences": personal.prompt_preferences(user),
        "notifications": personal.notifications(user),
        "therapist_access_log": shared.therapist_access_log(scope),
        "as_therapist": personal.as_therapist(user),
    }
