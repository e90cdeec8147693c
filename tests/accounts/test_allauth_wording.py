"""allauth's own pages speak in our words: sentence case, no "user", nothing that sounds like a form letter."""

import html
import re

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.urls import reverse

pytestmark = pytest.mark.django_db

# allauth's wording we replace (its templates and form labels).
ALLAUTH_WORDS = [
    "Sign In",
    "Sign Up",
    "Signup",
    "Sign Out",
    "Remember Me",
    "for user",
    "Password Reset",
    "Reset My Password",
    "Forgotten your password?",
    "Verify Your Email Address",
    "finalize",
    "Confirm Email Address",
    "Email Address",
    "Change Password",
    "Current Password",
    "New Password",
    "Bad Token",
    "Confirm Access",
    "Please reauthenticate",
    "Are you sure",
    "Re-send Verification",
    "Change Email",
    "Please contact us",
]


def words(response) -> str:
    assert response.status_code == 200
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def assert_ours(response, *ours):
    page = words(response)
    for phrase in ours:
        assert phrase in page
    found = [phrase for phrase in ALLAUTH_WORDS if phrase in page]
    assert not found, f"allauth's words on the page: {found}"


@pytest.mark.parametrize(
    ("name", "ours"),
    [
        ("account_login", ["<title>Sign in", "Keep me signed in on this device", "Create an account"]),
        ("account_signup", ["<title>Create an account", "Create account</button>"]),
        ("account_reset_password", ["Reset your password", "Send the link"]),
        ("account_reset_password_done", ["Check your email"]),
        ("account_email_verification_sent", ["Check your email", "confirm your email address"]),
    ],
)
def test_entrance_pages_are_in_our_words(client, name, ours):
    assert_ours(client.get(reverse(name)), *ours)


def test_the_email_confirmation_page_does_not_call_anyone_a_user(client, partner_a):
    address = EmailAddress.objects.create(user=partner_a, email="maya.new@example.test", verified=False)
    response = client.get(reverse("account_confirm_email", args=[EmailConfirmationHMAC(address).key]))
    assert_ours(response, "Confirm your email address", "maya.new@example.test", "Yes, confirm it")
    assert_ours(client.get(reverse("account_confirm_email", args=["not-a-key"])), "has expired")


def test_the_password_reset_link_pages_are_in_our_words(client, partner_a):
    uid, key = user_pk_to_url_str(partner_a), default_token_generator.make_token(partner_a)
    response = client.get(reverse("account_reset_password_from_key", kwargs={"uidb36": uid, "key": key}), follow=True)
    assert_ours(response, "Choose a new password", "New password (again)", "Save new password")
    bad = client.get(reverse("account_reset_password_from_key", kwargs={"uidb36": uid, "key": "1-nope"}))
    assert_ours(bad, "This link no longer works")


@pytest.mark.parametrize(
    ("name", "ours"),
    [
        ("account_email", ["Your email address", "New email address", "Change email address"]),
        ("account_change_password", ["Change your password", "Current password", "Save new password"]),
        ("account_logout", ["Sign out of TrustRepair on this device?"]),
        ("account_reauthenticate", ["Confirm it is you"]),
    ],
)
def test_signed_in_account_pages_are_in_our_words(client, partner_a, name, ours):
    client.force_login(partner_a)
    assert_ours(client.get(reverse(name)), *ours)


def test_the_pending_email_change_is_explained_without_an_inline_style(client, partner_a):
    client.force_login(partner_a)
    EmailAddress.objects.create(user=partner_a, email="maya.next@example.test", verified=False, primary=False)
    page = words(client.get(reverse("account_email")))
    assert "You asked to change it to <strong>maya.next@example.test</strong>" in page
    assert "style=" not in page
