"""Isolation cases of agreements: an accepted agreement with a kept log, and a counter-proposal, all with the marker."""

from exercises.models import Agreement
from exercises.services import agreements as service


def _accepted(world) -> Agreement:
    agreement = service.agreement_propose(
        couple=world.couple,
        user=world.partner_a,
        category=Agreement.Category.MONEY,
        text=f"We talk before spending over 100. {world.marker}",
        review_on=None,
    )
    return service.agreement_decide(agreement=agreement, user=world.partner_b, accept=True)


def _proposal(world) -> dict:
    _accepted(world)
    proposal = service.agreement_propose(
        couple=world.couple,
        user=world.partner_a,
        category=Agreement.Category.AVAILABILITY,
        text=f"I answer within an hour. {world.marker}",
        review_on=None,
    )
    service.agreement_counter(
        agreement=proposal,
        user=world.partner_b,
        category=Agreement.Category.AVAILABILITY,
        text=f"Within two hours on workdays. {world.marker}",
        review_on=None,
    )
    return {"pk": proposal.replaced_by.pk}


def _page(world) -> dict:
    _proposal(world)
    return {}


def _agreement(world) -> dict:
    return {"pk": _accepted(world).pk}


def _check(world) -> dict:
    agreement = _accepted(world)
    check = service.agreement_log(
        agreement=agreement,
        user=world.partner_a,
        kept=True,
        occurred_on=service.local_today(world.partner_a),
        note=f"Asked first. {world.marker}",
    )
    return {"pk": check.pk}


def _missed(world) -> dict:
    agreement = _accepted(world)
    check = service.agreement_log(
        agreement=agreement,
        user=world.partner_a,
        kept=False,
        occurred_on=service.local_today(world.partner_a),
        note=f"Forgot to ask. {world.marker}",
    )
    return {"pk": check.pk}


CASES = {
    "exercises:agreements": _page,
    "exercises:agreement_decide": _proposal,
    "exercises:agreement_counter": _proposal,
    "exercises:agreement_end": _agreement,
    "exercises:agreement_log": _agreement,
    "exercises:agreement_confirm": _check,
    "exercises:agreement_dispute": _missed,
}
