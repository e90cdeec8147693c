"""The accountability statement (Atone).

The partner who caused the harm writes an acknowledgment; the hurt partner
says how heard they felt (0 to 10), what is still missing, and whether they feel
heard enough to go on. Until they do, the writer may write a new version.

Invariants:

- A statement the partner could read is never edited: every version is a new
  ``Statement`` row with the next ``revision`` (unique per couple), so the
  history stays whole.
- One thread per couple: after the first version only its author writes, and
  only the other partner responds, once per version.
- Each new version reaches the other partner as an in-app notice made in the
  same transaction (``daily.waiting``); responding marks it read.
- Writes for one couple are serialised by a row lock on the couple, so a double
  click or two tabs cannot create two versions from the same starting point;
  re-sending the same words is a no-op that returns what was already saved.
"""

from __future__ import annotations

from django.db import transaction

from accounts.models import Couple, User
from exercises.daily import waiting
from exercises.models import Statement, StatementResponse
from exercises.models.choices import Visibility
from exercises.models.flows import TEXT_LIMIT
from exercises.roles import CAUSED, fits, roles_by_user

SHARED_VISIBILITIES = (Visibility.COUPLE.value, Visibility.COUPLE_THERAPIST.value)


class AccountabilityError(Exception):
    """A step of the accountability flow that cannot go ahead; the message is safe to show."""


class StaleStatementError(AccountabilityError):
    """A newer version was written since the form was opened; ``revision`` is the newest one."""

    def __init__(self, message: str, *, revision: int):
        super().__init__(message)
        self.revision = revision


def _lock(couple: Couple) -> None:
    Couple.objects.select_for_update().filter(pk=couple.pk).first()


def _latest(couple: Couple) -> Statement | None:
    return Statement.objects.filter(couple=couple).order_by("-revision").first()


def _response_to(statement: Statement) -> StatementResponse | None:
    return StatementResponse.objects.filter(statement=statement).first()


def _clean_text(text: str, *, required: bool, what: str) -> str:
    text = (text or "").strip()
    if required and not text:
        raise AccountabilityError(f"Please write your {what} before saving.")
    if len(text) > TEXT_LIMIT:
        raise AccountabilityError(
            f"Your {what} is {len(text)} characters long; the limit is {TEXT_LIMIT}. Please shorten it a little."
        )
    return text


@transaction.atomic
def statement_write(
    *, couple: Couple, author: User, text: str, visibility: str, based_on: int | None = None
) -> Statement:
    """Save a new version of the statement and return it.

    ``based_on`` is the revision the writer was looking at (0 for none). When it
    no longer is the latest, someone wrote meanwhile (another tab), and nothing
    is saved.
    """
    text = _clean_text(text, required=True, what="statement")
    if visibility not in SHARED_VISIBILITIES:
        raise AccountabilityError(
            "Choose who can read your statement: your partner, or your partner and your therapist."
        )
    _lock(couple)
    latest = _latest(couple)
    if latest is not None and latest.author_id == author.pk and latest.text == text:
        return latest  # the same words sent twice: keep one version
    if latest is None:
        if not fits(CAUSED, roles_by_user(couple).get(author.pk)):
            raise AccountabilityError(
                "This statement is written by the partner who caused the hurt. You will be able to respond to it here."
            )
    elif latest.author_id != author.pk:
        raise AccountabilityError(
            "Your partner writes this statement. You respond to it; you can't write a version of it."
        )
    if based_on is not None and based_on != (latest.revision if latest else 0):
        raise StaleStatementError(
            "Your statement changed while you were writing (perhaps in another tab). "
            "Your words are kept below: please read the latest version, then save again.",
            revision=latest.revision if latest else 0,
        )
    if latest is not None:
        response = _response_to(latest)
        if response is None:
            raise AccountabilityError(
                "Your partner has not responded to your latest version yet. You can write a new one after they have."
            )
        if response.heard_enough:
            raise AccountabilityError("Your partner already feels heard enough to go on. No new version is needed.")
    statement = Statement.objects.create(
        couple=couple,
        author=author,
        revision=(latest.revision + 1) if latest else 1,
        text=text,
        visibility=visibility,
    )
    waiting.statement_written(statement, couple.partner_of(author))
    return statement


@transaction.atomic
def statement_respond(
    *,
    couple: Couple,
    author: User,
    felt_heard: int,
    missing: str,
    heard_enough: bool,
    revision: int | None = None,
) -> StatementResponse:
    """Record the hurt partner's response to the latest version.

    ``revision`` is the version the responder read; if a newer one was written
    meanwhile nothing is saved, so a response always belongs to what was read.
    """
    missing = _clean_text(missing, required=False, what="note on what is missing")
    if not isinstance(felt_heard, int) or not 0 <= felt_heard <= 10:
        raise AccountabilityError("Choose a number from 0 to 10 for how heard you felt.")
    _lock(couple)
    latest = _latest(couple)
    if latest is None:
        raise AccountabilityError("There is no statement to respond to yet.")
    if latest.author_id == author.pk:
        raise AccountabilityError("This is your own statement, so your partner is the one to respond to it.")
    if revision is not None and revision != latest.revision:
        raise StaleStatementError(
            "Your partner wrote a new version while you were reading. Your words are kept below: "
            "please read the new version first, then send your response.",
            revision=latest.revision,
        )
    existing = _response_to(latest)
    if existing is not None:
        same = (existing.author_id, existing.felt_heard, existing.missing, existing.heard_enough) == (
            author.pk,
            felt_heard,
            missing,
            heard_enough,
        )
        if same:
            return existing  # a double click
        raise AccountabilityError("You have already responded to this version. Your partner can now write a new one.")
    response = StatementResponse.objects.create(
        statement=latest, author=author, felt_heard=felt_heard, missing=missing, heard_enough=heard_enough
    )
    waiting.statement_answered(latest, author)
    return response
