"""In-app notices of things waiting for a person, made inside the flows' own transactions.

A proposal to answer, a statement to respond to, a log to confirm or dispute,
a dispute of one's own log, "your turn" on a paired exercise: each reaches the
person once as a ``Notification`` of a ``WAITING_KINDS`` kind. Its link names
the item, and the database keeps one notice per (person, kind, link)
(``notification_waiting_once``), so a double click or a retried request makes
one notice. Dealing with the item marks its notice read. The email side is
``digest``: these notices are gathered into one email now and then.

What a notice says is only what the app already shows the person: who did
something and where to look, never the partner's words, and nothing about an
unrevealed answer beyond "waiting for you". Notices are made the same way for
every couple, whatever a private safety check said (accounts/safety.py): a
partner in protection must not be detectable by what the other partner is told.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from exercises.daily.notices import leave_notice
from exercises.models import Agreement, AgreementCheck, Notification, Run, Statement

AGREEMENT_TO_ANSWER = "agreement_to_answer"
LOG_TO_CONFIRM = "agreement_log_to_confirm"
LOG_DISPUTED = "agreement_log_disputed"
STATEMENT_TO_RESPOND = "statement_to_respond"
YOUR_TURN = "exercise_your_turn"


def _name(user) -> str:
    return user.get_short_name() or "Your partner"


def agreement_link(agreement: Agreement) -> str:
    return f"{reverse('exercises:agreements')}#agreement-{agreement.pk}-text"


def log_link(check: AgreementCheck) -> str:
    return f"{reverse('exercises:agreements')}#log-{check.pk}"


def statement_link(statement: Statement) -> str:
    return f"{reverse('exercises:accountability')}#version-{statement.revision}"


def run_link(run: Run) -> str:
    if run.incident_id:
        return reverse("exercises:incident", args=[run.incident_id])
    return reverse("exercises:detail", args=[run.exercise.slug])


def _tell(user, kind: str, url: str, title: str, body: str) -> None:
    """One notice for this item, however often it is called (the caller holds the item's row lock)."""
    if user is None or not user.is_active:
        return
    leave_notice(user, kind=kind, url=url, title=title, body=body)


def _done(user, kind: str, url: str) -> None:
    """The item was dealt with: its notice no longer waits (and so never goes into a digest)."""
    Notification.objects.filter(user=user, kind=kind, url=url, read_at__isnull=True).update(read_at=timezone.now())


# --- agreements ----------------------------------------------------------------------------------


def agreement_proposed(agreement: Agreement, partner) -> None:
    verb = "suggested a change to an agreement" if agreement.replaces_id else "proposed an agreement"
    _tell(
        partner,
        AGREEMENT_TO_ANSWER,
        agreement_link(agreement),
        f"{_name(agreement.proposed_by)} has {verb} for you to look at",
        "You can accept it, decline it or suggest a change.",
    )


def agreement_answered(agreement: Agreement, user) -> None:
    _done(user, AGREEMENT_TO_ANSWER, agreement_link(agreement))


def log_written(check: AgreementCheck, partner) -> None:
    what = "kept" if check.kept else "missed"
    ask = "confirm it" if check.kept else "confirm it, or say if you see it differently"
    _tell(
        partner,
        LOG_TO_CONFIRM,
        log_link(check),
        f"{_name(check.logged_by)} logged an agreement as {what}",
        f"When you are ready, {ask}.",
    )


def log_answered(check: AgreementCheck, user) -> None:
    _done(user, LOG_TO_CONFIRM, log_link(check))


def log_disputed(check: AgreementCheck) -> None:
    _tell(
        check.logged_by,
        LOG_DISPUTED,
        log_link(check),
        f"{_name(check.disputed_by)} sees one of your logs differently",
        "It may be worth talking about together. The log and their view are both kept.",
    )


# --- the accountability statement ------------------------------------------------------------------


def statement_written(statement: Statement, partner) -> None:
    _tell(
        partner,
        STATEMENT_TO_RESPOND,
        statement_link(statement),
        f"{_name(statement.author)} has written a statement for you to read"
        if statement.revision == 1
        else f"{_name(statement.author)} has written a new version of their statement",
        "Take your time. When you are ready, you can say how heard you feel.",
    )


def statement_answered(statement: Statement, user) -> None:
    _done(user, STATEMENT_TO_RESPOND, statement_link(statement))


# --- paired exercises ------------------------------------------------------------------------------


def your_turn(run: Run, partner) -> None:
    """The exercise now waits for ``partner``: said exactly as the dashboard's "Waiting for you" says it."""
    _tell(
        partner,
        YOUR_TURN,
        run_link(run),
        f"“{run.exercise.title}” is waiting for you",
        "Answer on your own, when you are ready. You will see each other's answers at the same moment.",
    )


def email_line(notice: Notification) -> str:
    """What a digest email says of a notice: its title, except that an exercise's name stays in the app
    (a subject line or a lock screen is no place for "Rebuilding trust after an affair")."""
    if notice.kind == YOUR_TURN:
        return "An exercise is waiting for your answers"
    return notice.title


def turn_taken(run: Run, user) -> None:
    _done(user, YOUR_TURN, run_link(run))
