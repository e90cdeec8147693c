"""allauth's login throttle (ACCOUNT_RATE_LIMITS["login_failed"] = "10/m/ip,5/5m/key").

allauth 65 counts failures in the Django cache (Redis here). Once the per-key
limit is reached it refuses to even check the password and shows "Too many
failed login attempts" on the form (a 200 re-render, not a 429), so a correct
password no longer gets in either. The autouse cache fixture resets the
counters before each test, never during one.
"""

import pytest
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD
from tests.helpers import parse_html

pytestmark = pytest.mark.django_db

THROTTLED = "Too many failed login attempts"


def attempt(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_repeated_failed_logins_are_throttled_per_account(client, partner_a):
    for n in range(5):
        response = attempt(client, partner_a.email, f"wrong-password-{n}")
        assert response.status_code in {200, 400}, "a wrong password is a form error, never a 500"
        assert THROTTLED not in response.content.decode(), f"throttled too early, at attempt {n + 1}"
        assert "_auth_user_id" not in client.session

    response = attempt(client, partner_a.email, "wrong-password-6")
    assert response.status_code in {200, 400, 429}
    assert THROTTLED in parse_html(response.content).text

    # Throttled means throttled: even the right password is not checked now.
    response = attempt(client, partner_a.email, DEFAULT_PASSWORD)
    assert THROTTLED in parse_html(response.content).text
    assert "_auth_user_id" not in client.session


def test_throttle_for_one_account_leaves_others_alone(client, partner_a, partner_b):
    for n in range(6):
        attempt(client, partner_a.email, f"wrong-password-{n}")
    response = attempt(client, partner_b.email, DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == partner_b.pk


def test_many_failures_from_one_ip_across_accounts_are_throttled(client, db):
    """The per-IP part of the limit: guessing across many addresses is slowed down too."""
    for n in range(10):
        response = attempt(client, f"nobody{n}@example.test", "wrong-password")
        assert THROTTLED not in response.content.decode(), f"throttled too early, at attempt {n + 1}"
    response = attempt(client, "nobody-else@example.test", "wrong-password")
    assert THROTTLED in parse_html(response.content).text


def test_counters_start_fresh_in_every_test(client, partner_a):
    """Paired with the tests above: earlier failures for partner A never leak into this test."""
    response = attempt(client, partner_a.email, DEFAULT_PASSWORD)
    assert response.status_code == 302
