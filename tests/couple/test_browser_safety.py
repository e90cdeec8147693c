"""The safety case in Chromium: Lina's worrying answer leaves nothing Ezra can see.

The server-side render test (``test_safety_undetectable``) compares every page's
HTML; this one drives the real forms in two browser contexts and compares what
Ezra reads on his pages (the text of ``main``) before and after.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from exercises.daily import services as daily
from exercises.models import CheckIn
from tests.couple.conftest import onboard, pair
from tests.exercises.test_browser import logged_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EZRAS_PAGES = [
    "couple:dashboard",
    "couple:together",
    "daily:checkin",
    "insights:progress",
    "insights:journey",
    "exercises:agreements",
    "exercises:appreciations",
    "exercises:questions",
    "daily:preferences",
    "daily:notifications",
    "accounts:settings",
    "couple_therapist:index",
    "privacy",
]


def read(page: Page, base: str) -> dict[str, str]:
    texts = {}
    for name in EZRAS_PAGES:
        page.goto(base + reverse(name))
        texts[name] = page.locator("main").inner_text()
    return texts


def check_in(page: Page, base: str, *, share: str | None) -> None:
    page.goto(base + reverse("daily:checkin"))
    page.get_by_role("group", name="A word for your mood").get_by_label("Tired").check()
    page.get_by_role("group", name="How safe do you feel").get_by_label("3", exact=True).check()
    page.get_by_role("group", name="How much do you trust").get_by_label("4", exact=True).check()
    if share:
        page.get_by_role("group", name="What to share with your partner").get_by_label(share).check()
    page.get_by_role("button", name=re.compile("Save my check-in|Update today's check-in")).click()
    expect(page.locator("main")).to_contain_text(re.compile("Thank you for checking in.|Today's check-in is updated."))


def test_ezra_cannot_tell_that_lina_answered_the_safety_check_with_fear(live_server, browser: Browser):
    lina = UserFactory(verified=True, email="lina@example.test", display_name="Lina")
    ezra = UserFactory(verified=True, email="ezra@example.test", display_name="Ezra")
    couple = pair(lina, ezra)
    onboard(couple, lina, roles={"dishonesty": "hurt"})
    onboard(couple, ezra, roles={"dishonesty": "caused"})
    daily.checkin_save(
        user=ezra, couple=couple, mood="hopeful", safety=7, trust=6, need="", share="everything", therapist_visible=True
    )
    base = live_server.url

    l_page = logged_in(browser, base, "lina@example.test")
    check_in(l_page, base, share="Everything")  # Ezra sees today's check-in before anything else happens
    e_page = logged_in(browser, base, "ezra@example.test")
    read(e_page, base)  # a first visit settles what it changes (notices read)
    before = read(e_page, base)
    assert "Tired" in before["daily:checkin"]  # her shared check-in is on his page

    l_page.goto(base + reverse("couple:safety_check"))
    l_page.get_by_role("group", name="Do you ever feel afraid of your partner?").get_by_label("Sometimes").check()
    l_page.get_by_label("My partner checks or controls my phone or messages").check()
    l_page.get_by_label("My partner tracks or demands to know where I am").check()
    l_page.get_by_role("group", name="Has your partner ever threatened you").get_by_label("No", exact=True).check()
    l_page.get_by_role("button", name="Save privately").click()
    expect(l_page).to_have_url(re.compile(r"/couple/safety-check/support/$"))

    after = read(e_page, base)
    for name in EZRAS_PAGES:
        assert after[name] == before[name], name  # nothing he had seen disappears, nothing new appears

    # Her own page is honest with her: what she checks in from now on stays with her, and says so.
    l_page.goto(base + reverse("daily:checkin"))
    main = l_page.locator("main")
    expect(main).to_contain_text("your check-ins stay with you")
    expect(main.get_by_label("Everything")).to_have_count(0)
    check_in(l_page, base, share=None)
    assert CheckIn.objects.get(user=lina, local_date=daily.local_today(lina)).share == CheckIn.Share.NOTHING
