"""allauth's own pages speak in our words: sentence case, no "user", nothing that sounds like a form letter."""

import html
import re

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD
from tests.helpers import login, parse_html
from tests.therapists.helpers import enable_totp, totp_code

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
    # allauth.mfa's
    "Two-Factor",
    "Authenticator App",
    "Activate",
    "Deactivate",
    "Recovery Codes",
    "Security Key",
    "Authenticator secret",
    "input the verification code",
    "Generate",
    "Unused codes",
    "Enter an authenticator code",
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


# --- Two-factor authentication (allauth.mfa) ------------------------------------------------


def assert_labelled(response) -> None:
    """Every input a person fills or reads has a visible label (placeholders are no substitute)."""
    doc = parse_html(response.content)
    labelled = {label.attrs.get("for") for label in doc.find_all("label")}
    for control in doc.find_all(predicate=lambda n: n.tag in {"input", "textarea", "select"}):
        if control.attrs.get("type") in {"hidden", "submit", "button"}:
            continue
        assert control.attrs.get("id") in labelled, f"no label for {control.tag} {control.attrs}"


def open_sensitive(client, url: str):
    """GET a page allauth guards with "confirm it is you": confirm with the password when asked, then GET it."""
    first = client.get(url)
    if first.status_code == 302 and first["Location"].startswith(reverse("account_reauthenticate")):
        client.post(first["Location"], {"password": DEFAULT_PASSWORD})
        return client.get(url)
    return first


@pytest.mark.parametrize(
    ("name", "ours"),
    [
        ("mfa_index", ["<title>Two-factor authentication", "Authenticator app", "Set up an authenticator app"]),
        ("mfa_activate_totp", ["Set up an authenticator app", "Setup key", "Authenticator code", "Turn on</button>"]),
    ],
)
def test_two_factor_set_up_pages_are_in_our_words(client, partner_a, name, ours):
    client.force_login(partner_a)
    response = open_sensitive(client, reverse(name))
    assert_ours(response, *ours)
    assert_labelled(response)


@pytest.mark.parametrize(
    ("name", "ours"),
    [
        ("mfa_index", ["Two-factor authentication", "Turn off", "Recovery codes", "Show the codes", "Make new codes"]),
        ("mfa_deactivate_totp", ["Turn off two-factor authentication?", "Turn it off</button>", "Keep it on"]),
        ("mfa_view_recovery_codes", ["Recovery codes", "Your unused codes", "Download them"]),
        ("mfa_generate_recovery_codes", ["Make new recovery codes?", "stop working straight away"]),
    ],
)
def test_two_factor_pages_once_it_is_on_are_in_our_words(client, partner_a, name, ours):
    enable_totp(partner_a)
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    RecoveryCodes.activate(partner_a)
    client.force_login(partner_a)
    response = open_sensitive(client, reverse(name))
    assert_ours(response, *ours)
    assert_labelled(response)


def test_the_code_step_at_sign_in_and_the_code_check_are_in_our_words(client, partner_a):
    secret = enable_totp(partner_a)
    assert login(client, partner_a)["Location"] == reverse("mfa_authenticate")
    response = client.get(reverse("mfa_authenticate"))
    assert_ours(response, "<title>Sign in", "Enter your code", "recovery codes works too", "Sign in</button>")
    assert_labelled(response)
    # A wrong code: said plainly, on the same page.
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000" if totp_code(secret) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert_labelled(wrong)
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert client.session["_auth_user_id"] == str(partner_a.pk)


def test_the_code_check_before_a_change_asks_for_a_code_not_the_password(client, partner_a):
    enable_totp(partner_a)
    client.force_login(partner_a)
    response = client.get(reverse("mfa_reauthenticate"))
    assert_ours(response, "Confirm it is you", "a code from your authenticator app", "Confirm</button>")
    assert "password again" not in words(response)  # the password page's words, not this one's
    assert_labelled(response)
