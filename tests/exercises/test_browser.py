"""One paired reflection done by two partners in two real browser contexts."""

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.couple.conftest import onboard, pair
from tests.exercises.factories import exercise_with_steps
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def logged_in(browser: Browser, base: str, email: str):
    page = browser.new_context().new_page()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in|Log in", re.I)).click()
    expect(page).to_have_url(f"{base}/couple/")
    return page


def ava_and_ben():
    """Two verified partners, paired and onboarded (Ava hurt, Ben caused the hurt)."""
    a_user = UserFactory(verified=True, email="ava@example.test", display_name="Ava")
    b_user = UserFactory(verified=True, email="ben@example.test", display_name="Ben")
    couple = pair(a_user, b_user)
    onboard(couple, a_user, roles={"dishonesty": "hurt"})
    onboard(couple, b_user, roles={"dishonesty": "caused"})
    return a_user, b_user


def test_paired_reflection_with_autosave_and_simultaneous_reveal(live_server, browser: Browser):
    ava_and_ben()
    exercise = exercise_with_steps(slug="naming-it", title="Naming it")
    base = live_server.url
    url = f"{base}/couple/exercises/{exercise.slug}/"

    a = logged_in(browser, base, "ava@example.test")
    a.goto(url)
    a.get_by_label("What happened, in your words?").fill("Ava's account of the evening")
    expect(a.locator("#autosave-status")).to_contain_text("Draft saved", timeout=10_000)
    a.context.close()  # closing the tab loses nothing

    a = logged_in(browser, base, "ava@example.test")
    a.goto(url)
    expect(a.get_by_label("What happened, in your words?")).to_have_value("Ava's account of the evening")
    a.get_by_role("group", name="How safe do you feel?").get_by_text("3", exact=True).click()
    a.get_by_role("button", name=re.compile("I’m done")).click()
    expect(a.get_by_text("stay private until Ben has finished")).to_be_visible()

    b = logged_in(browser, base, "ben@example.test")
    b.goto(url)
    expect(b.get_by_text("Ava's account of the evening")).to_have_count(0)
    # Ben answers with the keyboard only.
    b.get_by_label("What happened, in your words?").focus()
    b.keyboard.type("Ben's account")
    b.keyboard.press("Tab")
    for _ in range(8):
        if b.evaluate("document.activeElement.name") == f"step_{exercise.steps.get(order=3).pk}":
            break
        b.keyboard.press("Tab")
    b.keyboard.press("ArrowRight")  # radio group: move from 0 to 1
    b.get_by_role("button", name=re.compile("I’m done")).focus()
    b.keyboard.press("Enter")
    expect(b.get_by_text("Ava's account of the evening")).to_be_visible()
    expect(b.get_by_text("Ben's account")).to_be_visible()

    a.reload()
    expect(a.get_by_text("Ben's account")).to_be_visible()


def test_the_same_incident_in_two_tabs_loses_nothing(live_server, browser: Browser):
    """Submitting in one tab, then typing in the other: the second tab says so and keeps its words."""
    from exercises.models import Answer
    from exercises.models.choices import Kind
    from tests.exercises.factories import ExerciseFactory, ModuleFactory, StepFactory

    a_user, _ = ava_and_ben()
    exercise = ExerciseFactory(
        kind=Kind.AFTERMATH, slug="aftermath", title="After a hard moment", module=ModuleFactory()
    )
    StepFactory(exercise=exercise, prompt="What did you feel?")
    base = live_server.url

    first = logged_in(browser, base, "ava@example.test")
    first.goto(f"{base}/couple/exercises/aftermath/")
    first.get_by_label("What happened, in a few neutral words").fill("The Sunday plans")
    first.get_by_role("button", name=re.compile("Start|Begin|Open", re.I)).click()
    incident_url = first.url
    second = first.context.new_page()  # the same person, a second tab on the same incident
    second.goto(incident_url)

    first.get_by_label("What did you feel?").fill("Sent from the first tab")
    first.get_by_role("button", name=re.compile("I’m done")).click()
    expect(first.get_by_text("stay private until Ben has finished")).to_be_visible()

    second.get_by_label("What did you feel?").fill("Words only the second tab has")
    status = second.locator("#autosave-status")
    expect(status).to_contain_text("Not saved: you already sent your answers", timeout=10_000)
    expect(status).not_to_contain_text("Draft saved")
    second.get_by_role("button", name=re.compile("I’m done")).click()
    expect(second.get_by_role("alert")).to_contain_text("already sent your answers")
    expect(second.get_by_label("What did you feel?")).to_have_value("Words only the second tab has")
    assert [a.value for a in Answer.objects.filter(response__user=a_user)] == ["Sent from the first tab"]
