"""The questions log (Atone).

The hurt partner asks questions whenever they come up; the other partner
answers. Invariants:

- Asking again is always allowed. A repeat (chosen by the asker, or the same
  words ignoring case, punctuation and spacing) points at the first time it was asked
  (``repeat_of`` is always the original, never a repeat), so the page can link
  to the earlier answers.
- An answer is never rewritten: a change is a new ``QuestionAnswer`` with the
  next revision (unique per question); the earlier versions stay readable.
- A double submit saves once: the same words sent again are a no-op (for a
  question, within ``DOUBLE_SUBMIT_WINDOW``; a real repeat comes later than that).
"""

from __future__ import annotations

import unicodedata

from django.db import transaction
from django.utils import timezone

from accounts.models import Couple, Membership, User
from exercises.models import Question, QuestionAnswer
from exercises.models.choices import Visibility
from exercises.models.flows import TEXT_LIMIT
from exercises.roles import is_asker
from exercises.services import DOUBLE_SUBMIT_WINDOW

QUESTION_LIMIT = Question._meta.get_field("text").max_length
SHARED_VISIBILITIES = (Visibility.COUPLE.value, Visibility.COUPLE_THERAPIST.value)


class QuestionError(Exception):
    """A step of the questions log that cannot go ahead; the message is safe to show."""


def normalise(text: str) -> str:
    """What makes two questions "the same": case, punctuation and runs of whitespace do not count."""
    kept = "".join(" " if unicodedata.category(c).startswith("P") else c for c in text.casefold())
    return " ".join(kept.split())


def _clean(text: str, *, limit: int, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise QuestionError(f"Please write your {what} first.")
    if len(text) > limit:
        raise QuestionError(
            f"Your {what} is {len(text)} characters long; the limit is {limit}. Please shorten it a little."
        )
    return text


def _check_member(couple_id: int, user: User) -> None:
    if not Membership.objects.filter(couple_id=couple_id, user=user, left_at__isnull=True).exists():
        raise QuestionError("This question is not part of your couple space.")


@transaction.atomic
def question_ask(
    *, couple: Couple, asker: User, text: str, repeat_of: Question | None = None, visibility: str = Visibility.COUPLE
) -> Question:
    text = _clean(text, limit=QUESTION_LIMIT, what="question")
    if visibility not in SHARED_VISIBILITIES:
        raise QuestionError("Choose who can read your question: your partner, or your partner and your therapist.")
    if not is_asker(couple, asker):
        raise QuestionError("Questions here are asked by the partner who was hurt. You answer them.")
    if repeat_of is not None and repeat_of.couple_id != couple.pk:
        raise QuestionError("Choose one of your own earlier questions, or leave it as a new question.")
    Couple.objects.select_for_update().filter(pk=couple.pk).first()  # one ask at a time per couple
    key = normalise(text)
    # A couple's own questions, compared in Python so that "the same" is written once (above).
    asked = Question.objects.filter(couple=couple).only("text", "asker_id", "created_at", "repeat_of_id")
    earlier = [q for q in asked.order_by("created_at", "pk") if normalise(q.text) == key]
    recently = timezone.now() - DOUBLE_SUBMIT_WINDOW
    just_sent = next((q for q in earlier if q.asker_id == asker.pk and q.created_at >= recently), None)
    if just_sent is not None:
        return just_sent  # a double click, not a repeat
    if repeat_of is None and earlier:
        repeat_of = earlier[0]
    if repeat_of is not None and repeat_of.repeat_of_id is not None:
        repeat_of = repeat_of.repeat_of  # always point at the first time it was asked
    return Question.objects.create(couple=couple, asker=asker, text=text, repeat_of=repeat_of, visibility=visibility)


@transaction.atomic
def question_answer(*, question: Question, author: User, text: str) -> QuestionAnswer:
    """Answer a question, or add a new version of the answer (the earlier one stays)."""
    text = _clean(text, limit=TEXT_LIMIT, what="answer")
    question = Question.objects.select_for_update().get(pk=question.pk)
    _check_member(question.couple_id, author)
    if question.asker_id == author.pk:
        raise QuestionError("This is your own question, so your partner is the one to answer it.")
    latest = question.answers.order_by("-revision").first()
    if latest is not None and latest.author_id == author.pk and latest.text == text:
        return latest  # the same words sent twice
    return QuestionAnswer.objects.create(
        question=question, author=author, text=text, revision=(latest.revision + 1) if latest else 1
    )


@transaction.atomic
def question_toggle_saved(*, question: Question, user: User, saved: bool | None = None) -> Question:
    """Flip "save for our therapist" (either partner may), or set it to ``saved`` when given.

    The page sends the state it wants, so a double click leaves it as intended.
    """
    question = Question.objects.select_for_update().get(pk=question.pk)
    _check_member(question.couple_id, user)
    wanted = (not question.saved_for_therapist) if saved is None else saved
    if wanted != question.saved_for_therapist:
        question.saved_for_therapist = wanted
        question.save(update_fields=["saved_for_therapist"])
    return question
