"""Session lifetimes per role, and ending a person's other sessions on log-out and password change."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD
from tests.therapists.helpers import link, totp_code

pytestmark = pytest.mark.django_db

START = "2026-03-02 09:00:00+00:00"


def signed_in(client: Client, url: str) -> bool:
    response = client.get(url)
    if response.status_code == 302 and "/accounts/login/" in response["Location"]:
        return False
    assert response.status_code == 200, response.status_code
    return True


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def test_a_therapist_session_ends_after_15_minutes_idle(clock, couple, therapist):
    link(couple, therapist)
    client = Client()
    client.force_login(therapist)
    url = reverse("therapist:couple", args=[couple.pk])
    assert signed_in(client, url)
    clock.shift(timedelta(minutes=14))
    assert signed_in(client, url)  # activity moves the idle clock on
    clock.shift(timedelta(minutes=14, seconds=59))
    assert signed_in(client, url)
    clock.shift(timedelta(minutes=15, seconds=1))
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert "_auth_user_id" not in client.session
    # The login page says why.
    page = client.get(response["Location"])
    assert "without activity" in page.content.decode()


def test_a_therapist_session_ends_12_hours_after_sign_in_however_active(clock, couple, therapist):
    link(couple, therapist)
    client = Client()
    client.force_login(therapist)
    url = reverse("therapist:caseload")
    for _ in range(71):  # a request every 10 minutes for 11 h 50 min
        clock.shift(timedelta(minutes=10))
        assert signed_in(client, url)
    clock.shift(timedelta(minutes=10, seconds=1))  # 12 h and a second after signing in
    assert not signed_in(client, url)


def test_a_partner_session_lasts_days_idle_but_not_past_the_limits(clock, couple, partner_a):
    client = Client()
    client.force_login(partner_a)
    url = reverse("couple:dashboard")
    clock.shift(timedelta(days=13, hours=23))
    assert signed_in(client, url)
    clock.shift(timedelta(days=14, seconds=1))
    assert not signed_in(client, url)

    client.force_login(partner_a)
    for _ in range(29):
        clock.shift(timedelta(days=1))
        assert signed_in(client, url)
    clock.shift(timedelta(days=1, seconds=1))
    assert not signed_in(client, url)


def test_a_timeout_ends_only_that_session(clock, partner_a, couple):
    stale, fresh = Client(), Client()
    stale.force_login(partner_a)
    clock.shift(timedelta(days=10))
    fresh.force_login(partner_a)
    clock.shift(timedelta(days=5))
    assert not signed_in(stale, reverse("couple:dashboard"))
    assert signed_in(fresh, reverse("couple:dashboard"))


def test_logging_out_ends_the_persons_other_sessions(partner_a, partner_b, couple):
    laptop, phone, partner = Client(), Client(), Client()
    laptop.force_login(partner_a)
    phone.force_login(partner_a)
    partner.force_login(partner_b)
    url = reverse("couple:dashboard")
    assert signed_in(laptop, url) and signed_in(phone, url)
    assert phone.post(reverse("account_logout")).status_code == 302
    assert not signed_in(laptop, url)
    assert signed_in(partner, url)  # someone else's session is untouched


def test_a_password_change_ends_other_sessions_and_keeps_this_one(partner_a, couple):
    here, elsewhere = Client(), Client()
    for client in (here, elsewhere):
        assert (
            client.post(reverse("account_login"), {"login": partner_a.email, "password": DEFAULT_PASSWORD}).status_code
            == 302
        )
    response = here.post(
        reverse("account_change_password"),
        {"oldpassword": DEFAULT_PASSWORD, "password1": "a-new-and-longer-pass", "password2": "a-new-and-longer-pass"},
    )
    assert response.status_code == 302
    assert signed_in(here, reverse("couple:dashboard"))
    assert not signed_in(elsewhere, reverse("couple:dashboard"))


def test_django_refuses_a_session_whose_password_hash_is_stale_even_without_our_list(partner_a, couple):
    """Belt and braces: with the remembered-sessions list lost, a password change still ends other sessions."""
    from django.core.cache import cache

    elsewhere = Client()
    elsewhere.force_login(partner_a)
    cache.clear()
    partner_a.set_password("changed-somewhere-else-entirely")
    partner_a.save()
    assert not signed_in(elsewhere, reverse("couple:dashboard"))


def test_signing_in_with_two_factor_starts_a_therapist_session(client, therapist, couple):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import decrypt

    secret = decrypt(Authenticator.objects.get(user=therapist, type="totp").data["secret"])
    response = client.post(reverse("account_login"), {"login": therapist.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.session["tr_role"] == "therapist"
    # Signed in, a therapist lands on the caseload, never on the couple space's "Start our space".
    landing = client.get(response["Location"], follow=True)
    assert landing.redirect_chain[-1][0] == reverse("therapist:caseload")
    assert "Caseload" in landing.content.decode()
    home = client.get(reverse("home"))
    assert home.status_code == 302 and home["Location"] == reverse("therapist:caseload")


def test_a_partner_signs_in_to_the_couple_space(client, partner_a, couple):
    response = client.post(reverse("account_login"), {"login": partner_a.email, "password": DEFAULT_PASSWORD})
    landing = client.get(response["Location"], follow=True)
    assert landing.redirect_chain[-1][0] == reverse("couple:dashboard")
    assert reverse("home") == client.get(reverse("landing"))["Location"]


def test_partners_get_no_caseload_link(client, partner_a, couple):
    client.force_login(partner_a)
    body = client.get(reverse("couple:dashboard")).content.decode()
    assert f'href="{reverse("therapist:caseload")}"' not in body and "Caseload" not in body
    assert client.session["tr_role"] == "partner"


def test_becoming_a_therapist_switches_to_therapist_limits(clock, partner_a):
    client = Client()
    client.force_login(partner_a)
    clock.shift(timedelta(days=2))
    response = client.post(
        reverse("therapist:join"),
        {"display_name": "Dr A", "practice_name": "P", "licence_number": "L", "region": "R"},
    )
    assert response.status_code == 302
    assert client.session["tr_role"] == "therapist"
    clock.shift(timedelta(minutes=16))
    assert not signed_in(client, reverse("therapist:caseload"))


def test_an_ordinary_request_does_not_write_the_session(partner_a, couple):
    """The session clock is set at sign-in and refreshed at most hourly for partners: no write per request."""
    client = Client()
    client.force_login(partner_a)  # not even the first request after signing in writes
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("couple:dashboard"))
    writes = [q["sql"] for q in queries if "django_session" in q["sql"] and not q["sql"].startswith("SELECT")]
    assert writes == []
