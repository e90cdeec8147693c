"""Agreements and boundaries (Attach: commitment to change).

One partner proposes an agreement; the other accepts it, declines it or
proposes a change. Accepted agreements are kept alive by small logs ("kept" or
"missed") that the other partner confirms.

Invariants:

- An agreement's words are never edited. A change is a counter-proposal: a new
  ``Agreement`` that ``replaces`` the original, whose status becomes
  ``replaced``; the chain is the history.
- Only the partner who did not propose answers a proposal, and only the partner
  who did not log confirms a log (the database also forbids confirming your own).
- Categories and logs work the same in every couple, whatever a private safety
  check said: switching one off would show the other partner that something
  changed (accounts/safety.py). A logged "missed" is one partner's account
  until the other confirms it.
- A missed log can also be disputed by the other partner instead: the log
  stays as written, their view (and a short note) is recorded beside it, and
  the logger is told. A log is confirmed or disputed, never both.
- Each thing left for the other partner (a proposal, a log) reaches them as an
  in-app notice made in the same transaction (``daily.waiting``), and is marked
  read once they have dealt with it.
- Writes for one couple are serialised by a row lock (the couple for new
  proposals, the agreement or log otherwise), so a double click or two tabs
  change things once; repeating the same request is a harmless no-op.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts.models import Couple, User
from exercises.daily import waiting
from exercises.daily.scheduling import local_today
from exercises.models import Agreement, AgreementCheck
from exercises.services import sent_just_now

Category = Agreement.Category
Status = Agreement.Status

TEXT_LIMIT = Agreement._meta.get_field("text").max_length
NOTE_LIMIT = AgreementCheck._meta.get_field("note").max_length
DISPUTE_NOTE_LIMIT = AgreementCheck._meta.get_field("dispute_note").max_length


class AgreementError(Exception):
    """A step of the agreements flow that cannot go ahead; ``str(error)`` is safe to show."""


def _lock_couple(couple: Couple) -> None:
    Couple.objects.select_for_update().filter(pk=couple.pk).first()


def _clean_proposal(*, couple: Couple, user: User, category: str, text: str, review_on: date | None) -> str:
    text = (text or "").strip()
    if category not in Category.values:
        raise AgreementError("Please choose one of the categories listed.")
    if not text:
        raise AgreementError("Please write the agreement in a sentence or two.")
    if len(text) > TEXT_LIMIT:
        raise AgreementError(f"Please keep the agreement under {TEXT_LIMIT} characters.")
    if review_on is not None and review_on < local_today(user):
        raise AgreementError("A review date can't be in the past. Pick today or a later day, or leave it empty.")
    return text


@transaction.atomic
def agreement_propose(*, couple: Couple, user: User, category: str, text: str, review_on: date | None) -> Agreement:
    """Propose a new agreement. The same proposal sent again within a minute returns the first one."""
    text = _clean_proposal(couple=couple, user=user, category=category, text=text, review_on=review_on)
    _lock_couple(couple)
    recent = sent_just_now(
        Agreement.objects.filter(
            couple=couple, proposed_by=user, status=Status.PROPOSED, replaces__isnull=True, category=category
        ),
        text=text,
    )
    if recent is not None:
        return recent
    agreement = Agreement.objects.create(
        couple=couple, proposed_by=user, category=category, text=text, review_on=review_on
    )
    waiting.agreement_proposed(agreement, couple.partner_of(user))
    return agreement


def _check_can_answer(agreement: Agreement, user: User) -> None:
    if agreement.proposed_by_id == user.pk:
        raise AgreementError("This is your own proposal, so it is your partner's to answer.")
    if agreement.status != Status.PROPOSED:
        raise AgreementError("This proposal has already been answered.")


def _locked(agreement: Agreement) -> Agreement:
    return Agreement.objects.select_for_update().select_related("couple").get(pk=agreement.pk)


def can_answer(agreement: Agreement, user: User) -> bool:
    return agreement.status == Status.PROPOSED and agreement.proposed_by_id != user.pk


@transaction.atomic
def agreement_decide(*, agreement: Agreement, user: User, accept: bool) -> Agreement:
    """Accept or decline a proposal made by the other partner. Repeating the same answer is a no-op."""
    agreement = _locked(agreement)
    target = Status.ACCEPTED if accept else Status.DECLINED
    if agreement.proposed_by_id != user.pk and agreement.status == target:
        return agreement
    _check_can_answer(agreement, user)
    agreement.status = target
    agreement.decided_at = timezone.now()
    agreement.save(update_fields=["status", "decided_at"])
    waiting.agreement_answered(agreement, user)
    return agreement


@transaction.atomic
def agreement_counter(
    *, agreement: Agreement, user: User, category: str, text: str, review_on: date | None
) -> Agreement:
    """Answer a proposal with a changed version of it.

    The original keeps its words and becomes ``replaced``; the counter-proposal
    is a new agreement that now waits for the first partner's answer. Sending
    the same counter again returns the one already made.
    """
    original = _locked(agreement)
    text = (text or "").strip()
    existing = Agreement.objects.filter(replaces=original).first()
    if existing is not None and existing.proposed_by_id == user.pk and existing.text == text:
        return existing
    _check_can_answer(original, user)
    text = _clean_proposal(couple=original.couple, user=user, category=category, text=text, review_on=review_on)
    counter = Agreement.objects.create(
        couple=original.couple,
        proposed_by=user,
        category=category,
        text=text,
        review_on=review_on,
        replaces=original,
    )
    original.status = Status.REPLACED
    original.decided_at = timezone.now()
    original.save(update_fields=["status", "decided_at"])
    waiting.agreement_answered(original, user)
    waiting.agreement_proposed(counter, original.couple.partner_of(user))
    return counter


@transaction.atomic
def agreement_end(*, agreement: Agreement, user: User) -> Agreement:
    """Either partner may end an accepted agreement; it stays in the history."""
    agreement = _locked(agreement)
    if agreement.status == Status.ENDED:
        return agreement
    if agreement.status != Status.ACCEPTED:
        raise AgreementError("Only an agreement you both accepted can be ended.")
    agreement.status = Status.ENDED
    agreement.save(update_fields=["status"])
    return agreement


@transaction.atomic
def agreement_log(*, agreement: Agreement, user: User, kept: bool, occurred_on: date, note: str = "") -> AgreementCheck:
    """Log an accepted agreement kept or missed on a day; the other partner confirms it later.

    The same log sent again within a minute returns the first one.
    """
    agreement = _locked(agreement)
    note = (note or "").strip()
    if agreement.status != Status.ACCEPTED:
        raise AgreementError("Only an agreement you both accepted can be logged.")
    if occurred_on > local_today(user):
        raise AgreementError("That day hasn't happened yet. Pick today or an earlier day.")
    if len(note) > NOTE_LIMIT:
        raise AgreementError(f"Please keep the note under {NOTE_LIMIT} characters.")
    recent = sent_just_now(
        AgreementCheck.objects.filter(agreement=agreement, logged_by=user, kept=kept, occurred_on=occurred_on),
        note=note,
    )
    if recent is not None:
        return recent
    check = AgreementCheck.objects.create(
        agreement=agreement, logged_by=user, kept=kept, occurred_on=occurred_on, note=note
    )
    waiting.log_written(check, agreement.couple.partner_of(user))
    return check


def _locked_check(check: AgreementCheck) -> AgreementCheck:
    return AgreementCheck.objects.select_for_update().select_related("logged_by").get(pk=check.pk)


@transaction.atomic
def agreement_check_confirm(*, check: AgreementCheck, user: User) -> AgreementCheck:
    """The partner who did not write a log confirms it. Confirming twice changes nothing."""
    check = _locked_check(check)
    if check.logged_by_id == user.pk:
        raise AgreementError("You wrote this log yourself, so it is your partner's to confirm.")
    if check.confirmed_at is not None:
        return check
    if check.disputed_at is not None:
        raise AgreementError("You already said you see this log differently, so it stays as it is.")
    check.confirmed_by = user
    check.confirmed_at = timezone.now()
    check.save(update_fields=["confirmed_by", "confirmed_at"])
    waiting.log_answered(check, user)
    return check


def clean_dispute_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > DISPUTE_NOTE_LIMIT:
        raise AgreementError(f"Please keep your note under {DISPUTE_NOTE_LIMIT} characters.")
    return note


@transaction.atomic
def agreement_check_dispute(*, check: AgreementCheck, user: User, note: str = "") -> AgreementCheck:
    """The partner who did not write a "missed" log says they see it differently; the logger is told.

    The log keeps its words; the dispute sits beside it in the history. Sending
    the same dispute again changes nothing.
    """
    note = clean_dispute_note(note)
    check = _locked_check(check)
    if check.logged_by_id == user.pk:
        raise AgreementError("You wrote this log yourself, so it is your partner's to confirm or question.")
    if check.kept:
        raise AgreementError("Only a log of a missed agreement can be questioned. This one can be confirmed.")
    if check.disputed_at is not None:
        if check.disputed_by_id == user.pk and check.dispute_note == note:
            return check  # a double click
        raise AgreementError("You have already said how you see this log.")
    if check.confirmed_at is not None:
        raise AgreementError("You have already confirmed this log, so it stays as it is.")
    check.disputed_by = user
    check.disputed_at = timezone.now()
    check.dispute_note = note
    check.save(update_fields=["disputed_by", "disputed_at", "dispute_note"])
    waiting.log_answered(check, user)
    waiting.log_disputed(check)
    return check
