"""Reads of the questions log: what a partner may see, filtered, with a constant number of queries."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from accounts.models import Couple, User
from exercises.models import Question, QuestionAnswer
from exercises.models.choices import Visibility

FILTERS = {
    "all": "All",
    "waiting": "Waiting for an answer",
    "answered": "Answered",
    "saved": "Saved for our therapist",
}


def visible_questions(couple: Couple, user: User) -> QuerySet[Question]:
    """The couple's questions ``user`` may read: every shared one, and their own private ones.

    The log only ever saves shared questions; the private rule is kept here so
    that no read of this flow could show another person's private text.
    """
    return Question.objects.filter(couple=couple).filter(~Q(visibility=Visibility.PRIVATE) | Q(asker=user))


def _with_state(queryset: QuerySet[Question]) -> QuerySet[Question]:
    return queryset.annotate(is_answered=Exists(QuestionAnswer.objects.filter(question=OuterRef("pk"))))


def question_log(couple: Couple, user: User, show: str = "all") -> list[Question]:
    """Questions newest first, each with ``answers`` (oldest revision first), asker and original loaded."""
    queryset = _with_state(visible_questions(couple, user))
    match show:
        case "waiting":
            queryset = queryset.filter(is_answered=False)
        case "answered":
            queryset = queryset.filter(is_answered=True)
        case "saved":
            queryset = queryset.filter(saved_for_therapist=True)
    return list(
        queryset.select_related("asker", "repeat_of")
        .prefetch_related(
            Prefetch("answers", queryset=QuestionAnswer.objects.select_related("author").order_by("revision"))
        )
        .order_by("-created_at", "-pk")
    )


def filter_counts(couple: Couple, user: User) -> dict[str, int]:
    """How many questions each filter shows, in one query."""
    return _with_state(visible_questions(couple, user)).aggregate(
        all=Count("pk"),
        waiting=Count("pk", filter=Q(is_answered=False)),
        answered=Count("pk", filter=Q(is_answered=True)),
        saved=Count("pk", filter=Q(saved_for_therapist=True)),
    )


def earlier_questions(couple: Couple, user: User) -> QuerySet[Question]:
    """First askings only (repeats point at these), newest first: the "I've asked this before" choices."""
    return visible_questions(couple, user).filter(repeat_of__isnull=True).order_by("-created_at", "-pk")


def unanswered(couple: Couple, user: User) -> QuerySet[Question]:
    """Questions waiting for ``user``'s answer (asked by the other partner, not answered yet)."""
    return (
        visible_questions(couple, user)
        .exclude(asker=user)
        .filter(~Exists(QuestionAnswer.objects.filter(question=OuterRef("pk"))))
    )
