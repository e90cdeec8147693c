"""Couples for the couple-space tests: A and B paired; the outsider's own couple with a fourth person."""

import pytest

from accounts.services import onboarding, pairing
from tests.factories import UserFactory

MARKER = "ZQX-PRIVATE-MARKER-7731"


def pair(first, second):
    couple = pairing.couple_create(user=first)
    invitation = pairing.invitation_create_code(couple=couple, inviter=first)
    return pairing.invitation_accept(invitation=invitation, user=second)


def onboard(couple, user, *, other="", roles=None, safety=5, trust=5):
    return onboarding.onboarding_submit(
        couple=couple,
        user=user,
        roles=roles or {"dishonesty": "hurt"},
        other_fracture=other,
        baseline_safety=safety,
        baseline_trust=trust,
    )


@pytest.fixture
def couple(partner_a, partner_b):
    return pair(partner_a, partner_b)


@pytest.fixture
def other_partner(db):
    return UserFactory(verified=True, email="other-partner@example.test", display_name="Orin")


@pytest.fixture
def other_couple(outsider, other_partner):
    return pair(outsider, other_partner)


@pytest.fixture
def unpaired(db):
    return UserFactory(verified=True, email="unpaired@example.test", display_name="Uma")
