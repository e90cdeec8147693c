"""Phone-width layout in a real Chromium: nothing wider than the screen, Quick exit always in view."""

import re

import pytest
from playwright.sync_api import Browser, expect

from exercises.models.choices import AnswerType
from exercises.services.paired import response_submit, run_get_or_create
from tests.couple.conftest import onboard, pair
from tests.exercises.factories import ExerciseFactory, StepFactory
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
LONG_CHOICE = "I felt that I could no longer-trust-anything-you-told-me-about-where-you-had-been-that-week"


def phone_page(browser: Browser, base: str, email: str):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in|Log in", re.I)).click()
    expect(page).to_have_url(f"{base}/couple/")
    return page


def assert_fits_the_screen(page):
    # A mobile browser widens its layout viewport to fit wide content (and then zooms out), so the
    # window must still be the phone's width as well as no narrower than the page.
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1] == PHONE["width"], f"page is {widths[0]}px wide, window {widths[1]}px"
    quick_exit = page.get_by_role("link", name="Quick exit")
    expect(quick_exit).to_be_in_viewport()
    box = quick_exit.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= widths[1]


@pytest.fixture
def couple_of_two(db):
    a = UserFactory(verified=True, email="ava@example.test", display_name="Ava")
    b = UserFactory(verified=True, email="ben@example.test", display_name="Ben")
    couple = pair(a, b)
    onboard(couple, a, roles={"dishonesty": "hurt"})
    onboard(couple, b, roles={"dishonesty": "caused"})
    return couple, a, b


def test_a_revealed_checklist_answer_with_a_long_choice_fits_a_phone(live_server, browser: Browser, couple_of_two):
    couple, a, b = couple_of_two
    exercise = ExerciseFactory(slug="what-i-felt", title="What I felt")
    step = StepFactory(
        exercise=exercise, order=1, prompt="What did you feel?", answer_type=AnswerType.CHECKLIST,
        choices=[LONG_CHOICE, "hurt"],
    )  # fmt: skip
    run = run_get_or_create(couple=couple, exercise=exercise)
    for person in (a, b):
        response_submit(run=run, user=person, answers={step.pk: ([LONG_CHOICE, "hurt"], None)}, visibility="couple")
    run.refresh_from_db()
    assert run.revealed_at is not None

    page = phone_page(browser, live_server.url, "ava@example.test")
    page.goto(f"{live_server.url}/couple/exercises/{exercise.slug}/")
    expect(page.get_by_text(LONG_CHOICE).first).to_be_visible()
    assert_fits_the_screen(page)


def test_the_shared_picture_keeps_who_said_what_on_a_phone(live_server, browser: Browser, couple_of_two):
    page = phone_page(browser, live_server.url, "ava@example.test")
    page.goto(f"{live_server.url}/couple/together/")
    cells = page.locator("table tbody tr").first.locator("td")
    labels = [cells.nth(n).evaluate("td => getComputedStyle(td, '::before').content") for n in range(cells.count() - 1)]
    assert labels == ['"You said"', '"Ben said"']
    assert page.locator("table thead").bounding_box()["width"] <= 1  # visually hidden on phones
    assert_fits_the_screen(page)


def header_parts(page) -> list[tuple[str, float]]:
    """Vertical centres of the header's visible parts, so a second row of links shows up as a second value."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.brand, .quick-exit, .site-nav a, .site-nav summary')]
            .filter(el => el.checkVisibility({contentVisibilityAuto: true, visibilityProperty: true}))
            .map(el => { const r = el.getBoundingClientRect(); return [el.textContent.trim(), r.top + r.height / 2]; })"""
    )


@pytest.mark.parametrize("signed_in", [True, False])
def test_the_phone_header_fits_one_line_and_its_menu_works_by_keyboard(
    live_server, browser: Browser, couple_of_two, signed_in
):
    base = live_server.url
    if signed_in:
        page = phone_page(browser, base, "ava@example.test")
    else:
        page = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
        page.goto(f"{base}/privacy/")
    parts = header_parts(page)
    middles = [middle for _, middle in parts]
    assert len(parts) == 3 and max(middles) - min(middles) < 12, parts
    assert page.locator(".site-header").bounding_box()["height"] <= 64
    menu, quick_exit = page.locator(".site-menu summary").bounding_box(), page.locator(".quick-exit").bounding_box()
    assert menu["x"] + menu["width"] <= quick_exit["x"], "the Menu sits under Quick exit"
    assert page.evaluate("(el => el.scrollWidth <= el.clientWidth)(document.querySelector('.brand span'))")
    assert_fits_the_screen(page)

    target = "Settings" if signed_in else "Support"
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name=target)).to_be_hidden()
    for _ in range(4):  # Quick exit, the brand, then the Menu (perhaps after the skip link)
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.tagName") == "SUMMARY":
            break
    assert page.evaluate("document.activeElement.textContent.trim()").startswith("Menu")
    page.keyboard.press("Enter")
    link = nav.get_by_role("link", name=target)
    expect(link).to_be_visible()
    assert_fits_the_screen(page)
    while page.evaluate("document.activeElement.textContent.trim()") != target:
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/settings/$" if signed_in else r"/support/$"))


def test_wide_screens_keep_the_links_in_a_row(live_server, browser: Browser, couple_of_two):
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    page.goto(f"{live_server.url}/privacy/")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Support")).to_be_visible()
    expect(nav.get_by_text("Menu")).to_be_hidden()
