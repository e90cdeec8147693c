"""Throttles on every door a guesser would use, and answers that do not tell who has an account.

The limits are read from ``settings.ACCOUNT_RATE_LIMITS`` (allauth's syntax,
``amount/period/per`` joined by commas), so these tests follow the settings:

- ``login_failed``: failed log-ins, per address and per IP;
- ``signup``: sign-ups per IP;
- ``reset_password``: reset requests, per address and per IP;
- ``couple_join`` (ours): invitation codes (``couple:join_code``), invitation
  links (a POST to ``join_link``) and practice codes (``couple_therapist:code``),
  per person and per IP. The three doors share the one counter.

Each limit is reached exactly: the attempt that uses up the allowance still
goes through, the next one is refused, and a refused attempt does nothing even
when it is right (the correct password, the real code). The autouse cache
fixture of ``tests/conftest.py`` starts every test with the counters at zero.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, Membership, TherapistLink, User
from accounts.models.couple import hash_token
from accounts.services import pairing
from tests.couple.conftest import couple  # noqa: F401 - the paired couple of partner A and B
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers import parse_html
from tests.therapists.helpers import make_therapist

pytestmark = pytest.mark.django_db

LOGIN_THROTTLED = "Too many failed login attempts"
TOO_MANY = re.compile(r"too many", re.IGNORECASE)


@dataclass(frozen=True)
class Limit:
    amount: int
    period: str
    per: str


def limits(action: str) -> dict[str, Limit]:
    """per ("ip", "key", "user") -> Limit, parsed from the settings."""
    found = {}
    for part in settings.ACCOUNT_RATE_LIMITS[action].split(","):
        amount, period, per = part.strip().split("/")
        found[per] = Limit(int(amount), period, per)
    return found


def text_of(response) -> str:
    return parse_html(response.content).text


def throttled(response) -> bool:
    return response.status_code == 429 or bool(TOO_MANY.search(text_of(response)))


def from_ip(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


# --- Log-in ---------------------------------------------------------------------------------------


def login(client: Client, email: str, password: str):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_login_is_throttled_per_address(partner_a):
    allowed = limits("login_failed")["key"].amount
    client = Client()
    for n in range(allowed):
        response = login(client, partner_a.email, f"wrong-{n}")
        assert response.status_code < 500 and not throttled(response), f"throttled at failure {n + 1} of {allowed}"
    response = login(client, partner_a.email, DEFAULT_PASSWORD)  # right, but one attempt too many
    assert LOGIN_THROTTLED in text_of(response)
    assert "_auth_user_id" not in client.session


def test_login_is_throttled_per_ip_across_addresses(db):
    allowed = limits("login_failed")["ip"].amount
    assert allowed > limits("login_failed")["key"].amount  # else this would only test the per-address limit
    client = from_ip("203.0.113.7")
    for n in range(allowed):
        response = login(client, f"nobody-{n}@example.test", "wrong")
        assert not throttled(response), f"throttled at failure {n + 1} of {allowed}"
    assert LOGIN_THROTTLED in text_of(login(client, "someone-else@example.test", "wrong"))
    # Another address of the world is not held back by this one.
    assert not throttled(login(from_ip("198.51.100.9"), "someone-else@example.test", "wrong"))


# --- Sign-up -----------------------------------------------------------------------------------------


def signup_data(email: str) -> dict:
    password = "a-long-unusual-pass-29"
    return {"email": email, "display_name": "Sam", "time_zone": "UTC", "password1": password, "password2": password}


def signup(client: Client, email: str):
    return client.post(reverse("account_signup"), signup_data(email))


def test_signup_is_throttled_per_ip(db):
    allowed = limits("signup")["ip"].amount
    client = from_ip("203.0.113.8")
    for n in range(allowed):
        response = signup(client, f"new-{n}@example.test")
        assert response.status_code == 302, f"sign-up {n + 1} of {allowed}: {response.status_code}"
        client.logout()
    response = signup(client, "one-too-many@example.test")
    assert throttled(response), response.status_code
    assert not User.objects.filter(email="one-too-many@example.test").exists()
    assert signup(from_ip("198.51.100.8"), "elsewhere@example.test").status_code == 302


# --- Password reset -----------------------------------------------------------------------------------


def reset(client: Client, email: str):
    return client.post(reverse("account_reset_password"), {"email": email})


def test_password_reset_is_throttled_per_address(partner_a, mailoutbox):
    allowed = limits("reset_password")["key"].amount
    client = Client()
    for n in range(allowed):
        assert reset(client, partner_a.email).status_code == 302, f"reset {n + 1} of {allowed}"
    sent = len(mailoutbox)
    response = reset(client, partner_a.email)
    assert throttled(response), response.status_code
    assert len(mailoutbox) == sent, "a throttled request still sent a reset email"


def test_password_reset_is_throttled_per_ip(db, mailoutbox):
    allowed = limits("reset_password")["ip"].amount
    client = from_ip("203.0.113.9")
    for n in range(allowed):
        assert reset(client, f"nobody-{n}@example.test").status_code == 302, f"reset {n + 1} of {allowed}"
    assert throttled(reset(client, "another@example.test"))


# --- Joining a couple, linking a therapist (our own "couple_join" limit) ------------------------------


def join_code(client: Client, code: str):
    return client.post(reverse("couple:join_code"), {"code": code})


def practice_code(client: Client, code: str):
    return client.post(reverse("couple_therapist:code"), {"code": code})


@pytest.fixture
def inviter(db):
    person = UserFactory(verified=True, display_name="Ines")
    pairing.couple_create(user=person)
    return person


def code_invitation(inviter) -> Invitation:
    return pairing.invitation_create_code(couple=pairing.Couple.objects.for_user(inviter).get(), inviter=inviter)


def link_invitation(inviter, token: str) -> Invitation:
    return Invitation.objects.create(
        couple=pairing.Couple.objects.for_user(inviter).get(),
        inviter=inviter,
        kind=Invitation.Kind.LINK,
        email="guest@example.test",
        token_hash=hash_token(token),
        expires_at=timezone.now() + timedelta(hours=72),
    )


def test_invitation_codes_are_throttled_per_person(inviter):
    allowed = limits("couple_join")["user"].amount
    right = code_invitation(inviter).code
    guesser = UserFactory(verified=True)
    client = Client()
    client.force_login(guesser)
    for n in range(allowed):
        response = join_code(client, f"WRNG{n:04d}")
        assert response.status_code == 400 and not throttled(response), f"guess {n + 1} of {allowed}"
    response = join_code(client, right)
    assert response.status_code == 429
    assert not Membership.objects.filter(user=guesser).exists(), "a throttled guess still joined"
    # The page still keeps what was typed.
    assert f'value="{right}"' in response.content.decode()


def test_invitation_codes_are_throttled_per_ip_across_people(inviter):
    per_person, per_ip = limits("couple_join")["user"].amount, limits("couple_join")["ip"].amount
    assert per_ip > per_person
    address = "203.0.113.10"
    spent = 0
    while spent < per_ip:
        client = from_ip(address)
        client.force_login(UserFactory(verified=True))
        for _ in range(min(per_person, per_ip - spent)):
            assert not throttled(join_code(client, f"WRNG{spent:04d}")), f"throttled at attempt {spent + 1}"
            spent += 1
    fresh = from_ip(address)
    newcomer = UserFactory(verified=True)
    fresh.force_login(newcomer)
    assert join_code(fresh, code_invitation(inviter).code).status_code == 429
    assert not Membership.objects.filter(user=newcomer).exists()


def test_invitation_links_are_throttled_per_person(inviter):
    """Accepting a link is a POST: ten refused tries (here: the address is not confirmed yet), then no more."""
    allowed = limits("couple_join")["user"].amount
    token = "rate-limit-test-token"
    link_invitation(inviter, token)
    unconfirmed = UserFactory(verified=False)
    client = Client()
    client.force_login(unconfirmed)
    url = reverse("join_link", args=[token])
    for n in range(allowed):
        response = client.post(url)
        assert response.status_code == 409, f"try {n + 1} of {allowed}: {response.status_code}"
    response = client.post(url)
    assert response.status_code == 429
    # Even once the address is confirmed, the next try waits for the window to pass.
    UserFactory._meta.model.objects.filter(pk=unconfirmed.pk).update(is_active=True)

    EmailAddress.objects.create(user=unconfirmed, email=unconfirmed.email, verified=True, primary=True)
    assert client.post(url).status_code == 429
    assert not Membership.objects.filter(user=unconfirmed).exists()


def test_the_three_doors_share_one_allowance(inviter):
    """Codes, links and practice codes count together: switching doors buys no extra guesses."""
    allowed = limits("couple_join")["user"].amount
    link_invitation(inviter, "shared-allowance-token")
    guesser = UserFactory(verified=False)  # a link try fails (409) without joining
    client = Client()
    client.force_login(guesser)
    for n in range(allowed):
        if n % 2:
            assert client.post(reverse("join_link", args=["shared-allowance-token"])).status_code == 409
        else:
            assert join_code(client, f"WRNG{n:04d}").status_code == 400
    assert join_code(client, "WRNG9999").status_code == 429


def test_practice_codes_are_throttled_per_person(couple, partner_a):  # noqa: F811
    allowed = limits("couple_join")["user"].amount
    therapist = make_therapist(email="practice@example.test")
    right = therapist.therapist_profile.practice_code
    client = Client()
    client.force_login(partner_a)
    for n in range(allowed):
        response = practice_code(client, f"WRNG{n:04d}")
        assert response.status_code == 400 and not throttled(response), f"guess {n + 1} of {allowed}"
    response = practice_code(client, right)
    assert response.status_code == 429
    assert not TherapistLink.objects.filter(couple=couple).exists(), "a throttled guess still linked the therapist"


def test_a_right_code_within_the_allowance_works(couple, partner_a):  # noqa: F811
    """The counterpart of the tests above: the limits stop guessing, not people."""
    therapist = make_therapist(email="practice-ok@example.test")
    client = Client()
    client.force_login(partner_a)
    for n in range(limits("couple_join")["user"].amount - 1):
        practice_code(client, f"WRNG{n:04d}")
    response = practice_code(client, therapist.therapist_profile.practice_code)
    assert response.status_code == 302
    assert TherapistLink.objects.filter(couple=couple, therapist=therapist).exists()


# --- The same answer for known and unknown addresses ----------------------------------------------------


def visible(response, *emails: str) -> str:
    """The page's text as a person reads it, with the addresses taken out."""
    text = text_of(response)
    for email in emails:
        text = text.replace(email, "<email>")
    return text


EMAIL_TEMPLATES = ("account/email/", "mfa/email/", "emails/")


def templates(response) -> list[str]:
    """The templates of the page itself (the mail a request sends is rendered in the same request: left out)."""
    return [t.name for t in response.templates if t.name and not t.name.startswith(EMAIL_TEMPLATES)]


def follow_post(client: Client, url: str, data: dict):
    response = client.post(url, data)
    final = client.get(response["Location"]) if response.status_code == 302 else response
    return response, final


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(partner_a, mailoutbox):
    known_email, unknown_email = partner_a.email, "nobody-here@example.test"
    known, known_page = follow_post(Client(), reverse("account_reset_password"), {"email": known_email})
    unknown, unknown_page = follow_post(Client(), reverse("account_reset_password"), {"email": unknown_email})

    assert known.status_code == unknown.status_code
    assert known.get("Location") == unknown.get("Location")
    assert known_page.status_code == unknown_page.status_code == 200
    assert templates(known) == templates(unknown) and templates(known_page) == templates(unknown_page)
    assert visible(known_page, known_email) == visible(unknown_page, unknown_email)
    # Each address gets one message, so even the mail traffic does not tell them apart.
    assert sorted(m.to[0] for m in mailoutbox) == sorted([known_email, unknown_email])


def test_signup_answers_the_same_for_known_and_unknown_addresses(partner_a, mailoutbox):
    known_email, unknown_email = partner_a.email, "brand-new@example.test"
    known, known_page = follow_post(from_ip("203.0.113.11"), reverse("account_signup"), signup_data(known_email))
    unknown, unknown_page = follow_post(from_ip("203.0.113.12"), reverse("account_signup"), signup_data(unknown_email))

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert known_page.status_code == unknown_page.status_code
    assert templates(known_page) == templates(unknown_page)
    assert visible(known_page, known_email) == visible(unknown_page, unknown_email)
    assert User.objects.filter(email=known_email).count() == 1, "the known address got a second account"
    assert sorted(m.to[0] for m in mailoutbox) == sorted([known_email, unknown_email])


def test_a_wrong_password_reads_the_same_for_known_and_unknown_addresses(partner_a):
    known = login(Client(), partner_a.email, "wrong-password")
    unknown = login(Client(), "nobody-here@example.test", "wrong-password")
    assert known.status_code == unknown.status_code
    assert templates(known) == templates(unknown)
    assert visible(known, partner_a.email) == visible(unknown, "nobody-here@example.test")


def test_one_code_is_throttled_across_accounts_and_a_shared_ip_is_not_the_only_key(inviter):
    """Many accounts guessing at one code are stopped by the per-code limit; an IP alone allows far more."""
    per_code, per_ip = limits("couple_join")["key"].amount, limits("couple_join")["ip"].amount
    assert per_ip >= 100, "a shared IP (an office, a campus) must not block honest people after a few tries"
    target = "WRNG0000"
    for n in range(per_code):
        client = from_ip("203.0.113.20")
        client.force_login(UserFactory(verified=True))
        assert not throttled(join_code(client, target)), f"try {n + 1} of {per_code}"
    client = from_ip("203.0.113.20")
    client.force_login(UserFactory(verified=True))
    assert throttled(join_code(client, target.lower()))
    honest = from_ip("203.0.113.20")
    newcomer = UserFactory(verified=True)
    honest.force_login(newcomer)
    assert join_code(honest, code_invitation(inviter).code).status_code == 302
