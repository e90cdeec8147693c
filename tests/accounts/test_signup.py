"""Sign-up through Django's test client: the happy journey and every kind of bad input."""

import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.helpers import control_value, field_errors, fields_with_errors, parse_html

pytestmark = pytest.mark.django_db

STRONG_PASSWORD = "lantern-orchard-pebble-91"
CONFIRM_LINK = re.compile(r"https?://[^\s\"'<>]+/accounts/confirm-email/[^\s\"'<>]+")


def signup_data(**overrides) -> dict[str, str]:
    data = {
        "display_name": "Robin",
        "email": "robin@example.test",
        "password1": STRONG_PASSWORD,
        "password2": STRONG_PASSWORD,
        "time_zone": "Europe/Berlin",
    }
    return data | overrides


def confirmation_path(message) -> str:
    """The path of the one confirmation link in a verification mail (text and HTML parts agree)."""
    links = set(CONFIRM_LINK.findall(message.body))
    for content, mimetype in getattr(message, "alternatives", []):
        if mimetype == "text/html":
            links |= set(CONFIRM_LINK.findall(content))
    paths = {urlsplit(link).path for link in links}
    assert len(paths) == 1, f"expected one confirmation link, found {paths} in:\n{message.body}"
    return paths.pop()


def test_signup_verify_login_logout_journey(client, mailoutbox):
    # Sign up.
    response = client.post(reverse("account_signup"), signup_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")

    user = User.objects.get(email="robin@example.test")
    assert user.display_name == "Robin"
    assert user.time_zone == "Europe/Berlin"
    assert user.check_password(STRONG_PASSWORD)
    assert not EmailAddress.objects.get(user=user).verified

    # Verification is mandatory: not logged in yet, and a password login is turned back.
    assert "_auth_user_id" not in client.session
    fresh = Client()
    response = fresh.post(reverse("account_login"), {"login": "robin@example.test", "password": STRONG_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in fresh.session

    # The verification mail went to the new address and carries a confirmation link.
    assert len(mailoutbox) >= 1
    message = mailoutbox[0]
    assert message.to == ["robin@example.test"]
    assert message.subject.startswith("TrustRepair: ")
    path = confirmation_path(message)

    # Opening the link shows a page to confirm on; it does not confirm by itself (no GET side effects).
    response = client.get(path)
    assert response.status_code == 200
    assert b"robin@example.test" in response.content
    assert not EmailAddress.objects.get(user=user).verified

    # Confirming (POST) verifies the address and, in the same browser, logs in.
    response = client.post(path)
    assert response.status_code == 302
    address = EmailAddress.objects.get(user=user)
    assert address.verified
    assert address.primary
    assert int(client.session["_auth_user_id"]) == user.pk

    # Log out (POST), then log in with the password from a fresh start.
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("accounts:settings"))["Location"].startswith(reverse("account_login"))

    response = client.post(reverse("account_login"), {"login": "Robin@Example.test", "password": STRONG_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == resolve_url(settings.LOGIN_REDIRECT_URL)
    assert int(client.session["_auth_user_id"]) == user.pk
    page = client.get(reverse("accounts:settings"))
    assert page.status_code == 200
    assert page.wsgi_request.user == user
    assert b"Robin" in page.content

    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    response = client.get(reverse("accounts:settings"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_logout_needs_a_post(client, partner_a):
    """A GET (a link, an <img>) must not log anyone out; it shows the confirmation page."""
    client.force_login(partner_a)
    response = client.get(reverse("account_logout"))
    assert response.status_code == 200
    assert int(client.session["_auth_user_id"]) == partner_a.pk


# --- Bad input --------------------------------------------------------------------

BAD_SIGNUPS = {
    "invalid email": ({"email": "robin-at-example"}, "email", "valid email"),
    "mismatched passwords": ({"password2": "lantern-orchard-pebble-92"}, "password2", "same password"),
    "weak password 'password'": ({"password1": "password", "password2": "password"}, "password1", "too common"),
    "weak password '12345678'": ({"password1": "12345678", "password2": "12345678"}, "password1", "too short"),
    "unknown time zone": ({"time_zone": "Mars/Olympus"}, "time_zone", "Mars/Olympus"),
    "empty display name": ({"display_name": "  "}, "display_name", "required"),
}


@pytest.mark.parametrize(("overrides", "bad_field", "message"), BAD_SIGNUPS.values(), ids=BAD_SIGNUPS.keys())
def test_bad_signup_shows_error_next_to_field_and_keeps_values(client, mailoutbox, overrides, bad_field, message):
    data = signup_data(**overrides)
    response = client.post(reverse("account_signup"), data)

    assert response.status_code in {200, 400}
    assert not User.objects.exists()
    assert mailoutbox == []

    doc = parse_html(response.content)
    assert message.lower() in field_errors(doc, bad_field).lower()
    assert fields_with_errors(doc) == {bad_field}, "the error belongs to one field only"

    # Everything else typed is still there (passwords are never echoed back, by design).
    for name in ("display_name", "email", "time_zone"):
        if name != bad_field:
            assert control_value(doc, name) == data[name], f"{name} was not kept"
    for name in ("password1", "password2"):
        assert not control_value(doc, name), f"{name} must not be sent back to the browser"


def test_weak_numeric_password_is_refused_for_being_numeric(client):
    """Long enough, but all digits: the numeric validator still answers (next to the field)."""
    response = client.post(reverse("account_signup"), signup_data(password1="4815162342108", password2="4815162342108"))
    assert response.status_code in {200, 400}
    assert "entirely numeric" in field_errors(parse_html(response.content), "password1")
    assert not User.objects.exists()


def test_signup_with_a_taken_email_does_not_reveal_the_account(client, partner_a, mailoutbox):
    """Enumeration prevention: the form behaves as for a new address; the owner gets a mail instead."""
    response = client.post(reverse("account_signup"), signup_data(email=partner_a.email))
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert User.objects.filter(email=partner_a.email).count() == 1
    assert [m.to for m in mailoutbox] == [[partner_a.email]]
    assert CONFIRM_LINK.search(mailoutbox[0].body) is None


def test_signup_form_offers_only_known_time_zones(client):
    doc = parse_html(client.get(reverse("account_signup")).content)
    select = doc.find("select", name="time_zone")
    values = {option.attrs.get("value") for option in select.find_all("option")}
    assert {"UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo"} <= values
    assert "Mars/Olympus" not in values
