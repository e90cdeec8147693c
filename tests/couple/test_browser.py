"""The pairing journey and the quick exit, in a real Chromium."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEUTRAL = "https://www.bbc.co.uk/weather"


def last_link(pattern: str) -> str:
    for message in reversed(mail.outbox):
        found = re.search(pattern, message.body)
        if found:
            return found.group(0)
    raise AssertionError(f"no mail with a link matching {pattern}")


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in|Log in", re.I)).click()


def onboard(page: Page, base: str, role_label: str) -> None:
    page.goto(f"{base}/couple/onboarding/")
    page.get_by_role("group", name="Dishonesty or secrets").get_by_label(role_label).check()
    page.get_by_role("group", name=re.compile("how safe")).get_by_text("6", exact=True).click()
    page.get_by_role("group", name=re.compile("how much do you trust")).get_by_text("4", exact=True).click()
    page.get_by_role("button", name="Save my answers").click()


def test_two_partners_pair_through_an_emailed_link_and_onboard(live_server, browser: Browser, settings):
    settings.SITE_URL = live_server.url  # links in mail point at the server under test
    UserFactory(verified=True, email="avery@example.test", display_name="Avery")
    base = live_server.url
    a = browser.new_context().new_page()
    b = browser.new_context().new_page()

    log_in(a, base, "avery@example.test")
    expect(a).to_have_url(f"{base}/couple/")
    a.get_by_role("button", name="Start our space").click()
    a.get_by_label("Your partner's email address").fill("blake@example.test")
    a.get_by_role("button", name="Send invitation link").click()
    expect(a.get_by_text("Invitation sent")).to_be_visible()

    join_link = last_link(r"https?://\S+/join/\S+/")
    b.goto(join_link)
    expect(b.get_by_role("heading", level=1)).to_contain_text("Avery invites you")
    b.get_by_role("link", name="Create an account").click()
    b.get_by_label("Display name").fill("Blake")
    b.get_by_label("Email").fill("blake@example.test")
    b.get_by_label("Password", exact=True).fill("quiet-harbour-lanterns")
    b.get_by_label(re.compile("Password \\(again\\)|Confirm password")).fill("quiet-harbour-lanterns")
    b.get_by_role("button", name=re.compile("Sign up|Create", re.I)).click()

    b.goto(last_link(r"https?://\S+/accounts/confirm-email/\S+/"))
    b.get_by_role("button", name=re.compile("Confirm", re.I)).click()
    # Confirming joins nothing by itself: it leads back to the invitation, and Blake chooses to join.
    expect(b).to_have_url(join_link)
    b.get_by_role("button", name="Join Avery").click()
    expect(b).to_have_url(f"{base}/couple/")
    expect(b.get_by_role("heading", level=1)).to_have_text("Blake & Avery")

    a.reload()
    expect(a.get_by_role("heading", level=1)).to_have_text("Avery & Blake")

    onboard(a, base, "I was hurt")
    expect(a.get_by_text("stay private until Blake has answered")).to_be_visible()
    onboard(b, base, "I caused the hurt")
    expect(b.get_by_text("You see it the same way")).to_be_visible()
    a.reload()
    expect(a.get_by_role("table")).to_contain_text("Dishonesty or secrets")


def test_quick_exit_button_and_triple_escape_leave_without_a_way_back(live_server, page: Page):
    page.route(
        f"{NEUTRAL}**", lambda route: route.fulfill(status=200, body="<h1>Weather</h1>", content_type="text/html")
    )
    base = live_server.url
    page.goto(f"{base}/")
    page.goto(f"{base}/privacy/")
    page.get_by_role("link", name=re.compile("Quick exit")).click()
    expect(page).to_have_url(NEUTRAL)
    page.go_back()
    assert "/privacy/" not in page.url  # the page the person fled is gone from history

    page.goto(f"{base}/support/")
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    expect(page).to_have_url(NEUTRAL)
    page.go_back()
    assert "/support/" not in page.url
