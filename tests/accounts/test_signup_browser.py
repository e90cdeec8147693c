"""The sign-up journey once in a real Chromium (pytest-playwright against live_server).

The browser runs in Asia/Tokyo so we can see static/js/app.js preselect the
time zone picker from the browser's own zone. Any console error (a CSP
violation shows up as one) or uncaught script error fails the test.
"""

import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import Page, expect

from accounts.models import User

PASSWORD = "lantern-orchard-pebble-91"
CONFIRM_LINK = re.compile(r"https?://[^\s\"'<>]+/accounts/confirm-email/[^\s\"'<>]+")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser_context_args(timezone_id="Asia/Tokyo", locale="en-GB"),
]


@pytest.fixture
def problems(page: Page) -> list[str]:
    """Console errors and uncaught exceptions seen by the page."""
    seen: list[str] = []
    page.on("console", lambda message: seen.append(f"console: {message.text}") if message.type == "error" else None)
    page.on("pageerror", lambda error: seen.append(f"pageerror: {error}"))
    return seen


def submit(page: Page, name: re.Pattern) -> None:
    page.locator("main").get_by_role("button", name=name).click()


def test_signup_verify_login_logout_in_chromium(page: Page, live_server, mailoutbox, problems):
    page.goto(f"{live_server.url}/accounts/signup/")

    page.get_by_label("Display name").fill("Robin")
    page.get_by_label("Email").fill("robin@example.test")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    time_zone = page.get_by_label("Time zone")
    expect(time_zone).to_have_value("Asia/Tokyo")  # preselected from the browser, not UTC
    submit(page, re.compile(r"sign up|create", re.I))

    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    user = User.objects.get(email="robin@example.test")
    assert (user.display_name, user.time_zone) == ("Robin", "Asia/Tokyo")

    # The verification mail, from the locmem outbox the live server writes to.
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["robin@example.test"]
    link = CONFIRM_LINK.search(mailoutbox[0].body).group(0)
    page.goto(f"{live_server.url}{urlsplit(link).path}")
    assert not EmailAddress.objects.get(user=user).verified, "opening the link alone confirms nothing"
    submit(page, re.compile(r"confirm", re.I))

    # Confirmed and (same browser) logged in: the settings page shows the profile.
    expect(page).not_to_have_url(re.compile(r"/accounts/confirm-email/"))
    assert EmailAddress.objects.get(user=user).verified
    page.goto(f"{live_server.url}/settings/")
    expect(page.get_by_label("Display name")).to_have_value("Robin")
    expect(page.get_by_label("Time zone")).to_have_value("Asia/Tokyo")

    # Log out through the header link and the confirmation button.
    page.get_by_role("link", name=re.compile(r"log out|sign out", re.I)).click()
    submit(page, re.compile(r"log out|sign out", re.I))
    expect(page.get_by_role("link", name=re.compile(r"^log in$|^sign in$", re.I)).first).to_be_visible()
    page.goto(f"{live_server.url}/settings/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/settings/$"))

    # Log in with the password; we land on the page we asked for.
    page.get_by_label("Email").fill("robin@example.test")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    submit(page, re.compile(r"sign in|log in", re.I))
    expect(page).to_have_url(re.compile(r"/settings/$"))
    expect(page.get_by_label("Display name")).to_have_value("Robin")

    page.get_by_role("link", name=re.compile(r"log out|sign out", re.I)).click()
    submit(page, re.compile(r"log out|sign out", re.I))
    page.goto(f"{live_server.url}/settings/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))

    assert problems == []


def test_server_side_error_keeps_the_chosen_zone(page: Page, live_server, problems):
    """After a failed submit the picker shows what was sent, not the browser's zone again."""
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Display name").fill("Robin")
    page.get_by_label("Email").fill("robin@example.test")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD + "-typo")
    page.get_by_label("Time zone").select_option("America/Chicago")
    submit(page, re.compile(r"sign up|create", re.I))

    expect(page.get_by_text("You must type the same password each time.")).to_be_visible()
    expect(page.get_by_label("Time zone")).to_have_value("America/Chicago")
    expect(page.get_by_label("Display name")).to_have_value("Robin")
    assert not User.objects.exists()
    assert problems == []
