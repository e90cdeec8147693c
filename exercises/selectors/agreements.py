"""Reads of the agreements flow: the page, and the counts the dashboard shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import QuerySet

from accounts.models import Couple, User
from exercises.models import Agreement, AgreementCheck

Status = Agreement.Status


@dataclass
class AgreementRow:
    agreement: Agreement
    earlier: list[Agreement] = field(default_factory=list)  # the versions it replaced, newest first
    checks: list[AgreementCheck] = field(default_factory=list)  # every log, newest day first
    review_due: bool = False
    to_confirm: list[AgreementCheck] = field(default_factory=list)  # the partner's logs, waiting for me
    awaiting_partner: list[AgreementCheck] = field(default_factory=list)  # my logs, waiting for the partner
    log_form: object = None  # set by the view for agreements that can be logged

    @property
    def confirmed(self) -> list[AgreementCheck]:
        return [c for c in self.checks if c.confirmed_at is not None]

    @property
    def disputed(self) -> list[AgreementCheck]:
        """Logged "missed", seen differently by the other partner: kept in the history, counted in neither total."""
        return [c for c in self.checks if c.disputed_at is not None]

    @property
    def answered(self) -> list[AgreementCheck]:
        """The history: every log the other partner confirmed or disputed, newest day first."""
        return [c for c in self.checks if c.confirmed_at is not None or c.disputed_at is not None]

    @property
    def kept(self) -> int:
        return sum(c.kept for c in self.confirmed)

    @property
    def missed(self) -> int:
        return sum(not c.kept for c in self.confirmed)


@dataclass
class AgreementsPage:
    to_answer: list[AgreementRow]  # the partner's proposals, waiting for me
    proposed_by_me: list[AgreementRow]  # mine, waiting for the partner
    accepted: list[AgreementRow]
    history: list[AgreementRow]  # declined and ended

    @property
    def is_empty(self) -> bool:
        return not (self.to_answer or self.proposed_by_me or self.accepted or self.history)


def agreements_page(*, couple: Couple, user: User, today: date) -> AgreementsPage:
    """Everything on the agreements page in two queries, however many agreements and logs there are."""
    agreements = list(Agreement.objects.filter(couple=couple).select_related("proposed_by").order_by("-created_at"))
    by_id = {a.pk: a for a in agreements}
    checks = list(
        AgreementCheck.objects.filter(agreement__couple=couple)
        .select_related("logged_by", "confirmed_by", "disputed_by")
        .order_by("-occurred_on", "-created_at")
    )
    checks_by_agreement: dict[int, list[AgreementCheck]] = {}
    for check in checks:
        checks_by_agreement.setdefault(check.agreement_id, []).append(check)

    def row(agreement: Agreement) -> AgreementRow:
        earlier = []
        previous = by_id.get(agreement.replaces_id)
        while previous is not None and len(earlier) < len(by_id):
            earlier.append(previous)
            previous = by_id.get(previous.replaces_id)
        own_checks = checks_by_agreement.get(agreement.pk, [])
        pending = [c for c in own_checks if c.confirmed_at is None and c.disputed_at is None]
        return AgreementRow(
            agreement=agreement,
            earlier=earlier,
            checks=own_checks,
            review_due=agreement.review_on is not None and agreement.review_on <= today,
            to_confirm=[c for c in pending if c.logged_by_id != user.pk],
            awaiting_partner=[c for c in pending if c.logged_by_id == user.pk],
        )

    page = AgreementsPage(to_answer=[], proposed_by_me=[], accepted=[], history=[])
    for agreement in agreements:
        if agreement.status == Status.PROPOSED:
            (page.proposed_by_me if agreement.proposed_by_id == user.pk else page.to_answer).append(row(agreement))
        elif agreement.status == Status.ACCEPTED:
            page.accepted.append(row(agreement))
        elif agreement.status in (Status.DECLINED, Status.ENDED):
            page.history.append(row(agreement))
        # a replaced agreement appears among the earlier versions of the one that replaced it
    page.accepted.sort(key=lambda r: (r.agreement.review_on or date.max, -r.agreement.pk))
    return page


def agreements_waiting(couple: Couple, user: User) -> tuple[QuerySet, QuerySet]:
    """What on the agreements page waits for ``user``: (the partner's proposals, the partner's unconfirmed logs)."""
    proposals = Agreement.objects.filter(couple=couple, status=Status.PROPOSED).exclude(proposed_by=user)
    logs = AgreementCheck.objects.filter(
        agreement__couple=couple, confirmed_at__isnull=True, disputed_at__isnull=True
    ).exclude(logged_by=user)
    return proposals, logs
