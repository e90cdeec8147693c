"""What the person wrote, for their export: exercise answers, statements, questions, rituals, appreciations sent.

Every query here is filtered on the person as author (``user=``, ``author=``,
``asker=``, ``created_by=``...), so their own words come out whatever their
visibility, and nobody else's do. The one exception is context: the statement or
question they replied to is shown only when it was visible to them.
"""

from __future__ import annotations

from typing import Any

from accounts.models import User
from exercises.models import (
    Appreciation,
    Incident,
    Question,
    QuestionAnswer,
    Response,
    Ritual,
    RitualDone,
    Run,
    Statement,
    StatementResponse,
)

from .scope import VISIBILITY_LABELS, Scope, visible_to_me


def _answers(response: Response) -> list[dict]:
    return [
        {
            "step": answer.step_order,
            "question": answer.prompt_snapshot,
            "revision": answer.revision,
            "answer": answer.value,
            "guess_of_partner": answer.guess,
            "written_at": answer.created_at,
        }
        for answer in response.answers.all()
    ]


def _response(response: Response) -> dict:
    run = response.run
    return {
        "exercise": run.exercise.title,
        "incident": run.incident.title if run.incident_id else "",
        "visibility": response.visibility,
        "who_could_read": VISIBILITY_LABELS.get(response.visibility, ""),
        "started_at": response.started_at,
        "draft_saved_at": response.draft_saved_at,
        "submitted_at": response.submitted_at,
        "revealed_at": run.revealed_at,
        "answers": _answers(response),
    }


def exercise_responses(user: User) -> tuple[list[dict], list[dict]]:
    """The person's exercise responses, read once: (submitted, drafts), each oldest first."""
    responses = list(
        Response.objects.filter(user=user)
        .select_related("run__exercise", "run__incident")
        .prefetch_related("answers")
        .order_by("started_at", "pk")
    )
    submitted = [_response(r) for r in responses if r.submitted_at is not None]
    drafts = [_response(r) for r in responses if r.submitted_at is None]
    return submitted, drafts


def incidents(user: User) -> list[dict[str, Any]]:
    return [
        {"space": i.couple_id, "title": i.title, "happened_on": i.happened_on, "created_at": i.created_at}
        for i in Incident.objects.filter(created_by=user).order_by("created_at", "pk")
    ]


def joint_notes(user: User) -> list[dict[str, Any]]:
    """The one note a couple writes together after an aftermath; the last person to save it is its author."""
    return [
        {
            "space": run.couple_id,
            "exercise": run.exercise.title,
            "incident": run.incident.title if run.incident else "",
            "text": run.joint_note,
        }
        for run in Run.objects.filter(joint_note_by=user)
        .exclude(joint_note="")
        .select_related("exercise", "incident")
        .order_by("started_at", "pk")
    ]


def statements(user: User) -> list[dict[str, Any]]:
    return [
        {
            "space": s.couple_id,
            "revision": s.revision,
            "text": s.text,
            "visibility": s.visibility,
            "who_could_read": VISIBILITY_LABELS.get(s.visibility, ""),
            "written_at": s.created_at,
        }
        for s in Statement.objects.filter(author=user).order_by("couple_id", "revision")
    ]


def statement_responses(user: User) -> list[dict[str, Any]]:
    return [
        {
            "space": r.statement.couple_id,
            "statement_revision": r.statement.revision,
            "statement": r.statement.text if visible_to_me(r.statement.visibility) else "",
            "felt_heard": r.felt_heard,
            "still_missing": r.missing,
            "heard_enough": r.heard_enough,
            "written_at": r.created_at,
        }
        for r in StatementResponse.objects.filter(author=user).select_related("statement").order_by("created_at")
    ]


def questions_asked(user: User) -> list[dict[str, Any]]:
    return [
        {
            "space": q.couple_id,
            "text": q.text,
            "repeat_of_an_earlier_question": q.repeat_of_id is not None,
            "saved_for_therapist": q.saved_for_therapist,
            "visibility": q.visibility,
            "who_could_read": VISIBILITY_LABELS.get(q.visibility, ""),
            "asked_at": q.created_at,
        }
        for q in Question.objects.filter(asker=user).order_by("created_at", "pk")
    ]


def answers_to_questions(user: User) -> list[dict[str, Any]]:
    return [
        {
            "space": a.question.couple_id,
            "question": a.question.text if visible_to_me(a.question.visibility) else "",
            "revision": a.revision,
            "text": a.text,
            "written_at": a.created_at,
        }
        for a in QuestionAnswer.objects.filter(author=user).select_related("question").order_by("created_at", "pk")
    ]


def rituals(user: User) -> list[dict[str, Any]]:
    return [
        {
            "space": r.couple_id,
            "what": r.what,
            "when": r.when,
            "frequency": r.get_frequency_display(),
            "active": r.active,
            "created_at": r.created_at,
        }
        for r in Ritual.objects.filter(created_by=user).order_by("created_at", "pk")
    ]


def rituals_done(user: User) -> list[dict[str, Any]]:
    return [
        {"space": d.ritual.couple_id, "ritual": d.ritual.what, "done_on": d.done_on}
        for d in RitualDone.objects.filter(marked_by=user).select_related("ritual").order_by("done_on", "pk")
    ]


def appreciations_sent(scope: Scope) -> list[dict[str, Any]]:
    return [
        {
            "space": a.couple_id,
            "to": scope.names.get(a.recipient_id, ""),
            "kind": a.get_kind_display(),
            "text": a.text,
            "visibility": a.visibility,
            "who_could_read": VISIBILITY_LABELS.get(a.visibility, ""),
            "sent_at": a.created_at,
        }
        for a in Appreciation.objects.filter(sender=scope.user).order_by("created_at", "pk")
    ]
