"""The therapist journey in a real Chromium: sign up, staff verify, two-factor, both partners consent,
the therapist reviews, one partner revokes, and the therapist is shut out on the next page load."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from accounts.models import User
from exercises.models import Question
from exercises.models.choices import Visibility
from tests.couple.conftest import onboard, pair
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.therapists.helpers import enable_totp, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "steady-harbour-lantern-58"
CONFIRM_LINK = re.compile(r"https?://[^\s\"'<>]+/accounts/confirm-email/[^\s\"'<>]+")


def main(page: Page):
    return page.locator("main")


def log_in(page: Page, base: str, email: str, password: str = DEFAULT_PASSWORD) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    main(page).get_by_role("button", name=re.compile("Sign in|Log in", re.I)).click()


def consent_all(page: Page, base: str) -> None:
    page.goto(f"{base}/couple/therapist/")
    page.get_by_label("Our progress").check()
    page.get_by_label("Check-in trends").check()
    page.get_by_label("Writing we mark for our therapist").check()
    main(page).get_by_role("button", name="Allow").click()
    expect(page.get_by_text("Your choice applies from your therapist's next page view")).to_be_visible()


def test_therapist_signs_up_is_verified_reviews_and_is_shut_out_after_a_revoke(
    live_server, browser: Browser, mailoutbox
):
    base = live_server.url
    avery = UserFactory(verified=True, email="avery@example.test", display_name="Avery")
    blake = UserFactory(verified=True, email="blake@example.test", display_name="Blake")
    couple = pair(avery, blake)
    onboard(couple, avery, roles={"dishonesty": "hurt"})
    onboard(couple, blake, roles={"dishonesty": "caused"})
    Question.objects.create(
        couple=couple, asker=avery, text="Why did you hide the messages?", visibility=Visibility.COUPLE_THERAPIST
    )
    Question.objects.create(couple=couple, asker=avery, text="Only between the two of us")
    staff_user = UserFactory(
        verified=True, email="staff@example.test", display_name="Staff", is_staff=True, is_superuser=True
    )
    staff_secret = enable_totp(staff_user)  # the staff pages need a second factor

    therapist = browser.new_context().new_page()
    staff = browser.new_context().new_page()
    a = browser.new_context().new_page()
    b = browser.new_context().new_page()

    # 1. The therapist signs up, confirms their address, and tells us about their practice.
    therapist.goto(f"{base}/accounts/signup/")
    therapist.get_by_label("Display name").fill("Maya")
    therapist.get_by_label("Email").fill("maya@example.test")
    therapist.get_by_label("Password", exact=True).fill(PASSWORD)
    therapist.get_by_label("Password (again)").fill(PASSWORD)
    main(therapist).get_by_role("button", name=re.compile(r"sign up|create", re.I)).click()
    expect(therapist).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    therapist.goto(base + urlsplit(CONFIRM_LINK.search(mailoutbox[-1].body).group(0)).path)
    main(therapist).get_by_role("button", name=re.compile("confirm", re.I)).click()
    expect(therapist).not_to_have_url(re.compile(r"/accounts/confirm-email/"))

    therapist.goto(f"{base}/therapist/join/")
    therapist.get_by_label("Your name").fill("Dr Maya Lind")
    therapist.get_by_label("Practice name").fill("Lind Couples Practice")
    therapist.get_by_label("Licence number").fill("PSY-778")
    therapist.get_by_label("Licensing region").fill("Hamburg")
    main(therapist).get_by_role("button", name="Send for verification").click()
    expect(therapist.get_by_role("heading", level=1)).to_have_text("Waiting for verification")

    # 2. Staff verify the licence in the admin, with the action.
    log_in(staff, base, "staff@example.test")
    expect(staff).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    staff.get_by_label("Code").fill(totp_code(staff_secret))
    main(staff).get_by_role("button", name=re.compile("sign in|log in|confirm|continue", re.I)).click()
    expect(staff).not_to_have_url(re.compile(r"/accounts/2fa/"))
    staff.goto(f"{base}/staff/accounts/therapistprofile/?verified=no")
    staff.locator("input[name=_selected_action]").first.check()
    staff.locator("select[name=action]").select_option("verify")
    staff.get_by_role("button", name="Run").click()
    expect(staff.get_by_text("1 therapist(s) verified.")).to_be_visible()

    # 3. Verified, but no couple data before two-factor is on.
    therapist.goto(f"{base}/therapist/")
    expect(therapist.get_by_role("heading", level=1)).to_have_text("Turn on two-factor authentication")
    enable_totp(User.objects.get(email="maya@example.test"))  # allauth's own API, instead of scanning a QR code
    therapist.goto(f"{base}/therapist/")
    expect(therapist.get_by_role("heading", level=1)).to_have_text("Your caseload")
    code = therapist.locator("strong.code").inner_text()

    # 4. Avery links the practice with its code and consents; until Blake consents too, nothing is shared.
    log_in(a, base, avery.email)
    a.goto(f"{base}/couple/therapist/")
    a.get_by_label("Practice code").fill(code)
    main(a).get_by_role("button", name="Link with this code").click()
    expect(a.get_by_text("Dr Maya Lind is linked")).to_be_visible()
    consent_all(a, base)
    therapist.reload()
    expect(therapist.get_by_text("No couple shares with you yet")).to_be_visible()

    log_in(b, base, blake.email)
    consent_all(b, base)
    expect(b.get_by_text("They see: progress, check-in trends, shared writing")).to_be_visible()

    # 5. The therapist reviews what was shared with them, and only that.
    therapist.reload()
    therapist.get_by_role("link", name="Avery & Blake").click()
    expect(therapist.get_by_role("heading", level=1)).to_have_text("Avery & Blake")
    expect(therapist.get_by_text("Why did you hide the messages?")).to_be_visible()
    expect(therapist.get_by_text("Only between the two of us")).to_have_count(0)

    # The couple sees that look.
    a.goto(f"{base}/couple/therapist/who-has-seen-what/")
    expect(a.get_by_role("table")).to_contain_text("Dr Maya Lind")
    expect(a.get_by_role("table")).to_contain_text("Couple page (progress, check-in trends, shared writing)")

    # 6. Blake stops sharing; the therapist's very next page load is shut out.
    b.goto(f"{base}/couple/therapist/")
    main(b).get_by_role("button", name="Stop sharing").click()
    expect(b.get_by_text("You stopped sharing")).to_be_visible()
    response = therapist.reload()
    assert response is not None and response.status == 404
    expect(therapist.get_by_text("Why did you hide the messages?")).to_have_count(0)
    therapist.goto(f"{base}/therapist/")
    expect(therapist.get_by_text("No couple shares with you yet")).to_be_visible()
