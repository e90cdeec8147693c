"""One exercise completed with the keyboard alone, with the focus visible at every stop.

Ben signs in, opens "Naming what happened" from his dashboard and answers every
step (text, several choices, a 0–10 scale) using only Tab, Shift+Tab, Space,
Enter, the arrow keys and typing: no clicks, no ``fill``. After every key that
moves the focus, the focused element must show a focus ring: a computed outline
that is not ``none``, on the element itself or, for the radio buttons and
checkboxes that the CSS draws as labelled tiles, on the label around it.
"""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Locator, Page, expect

from exercises.models import Exercise
from exercises.models.choices import Visibility
from exercises.services import paired
from tests.couple.conftest import onboard, pair
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AVA_ACCOUNT = "Ava found the second phone in March"
BEN_ACCOUNT = "I hid a second phone from Ava for months"

# Whether the focused element shows a ring: its own outline, or that of the label it sits in.
FOCUS_RING = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return {visible: false, what: "nothing has focus"};
  const ring = (node) => {
    if (!node) return false;
    const style = getComputedStyle(node);
    return style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  };
  return {visible: ring(element) || ring(element.closest("label")), what: element.outerHTML.slice(0, 120)};
}"""

HAS_FOCUS = "(element) => element === document.activeElement"
FOCUS_IS_AFTER = """(element) => {
  const active = document.activeElement;
  if (!active || active === document.body) return false;
  return Boolean(element.compareDocumentPosition(active) & Node.DOCUMENT_POSITION_FOLLOWING);
}"""


class Keyboard:
    """Only keys. Every key that moves the focus is followed by a look at the focus ring."""

    def __init__(self, page: Page):
        self.page = page
        self.no_ring: list[str] = []

    def press(self, key: str, times: int = 1) -> None:
        for _ in range(times):
            self.page.keyboard.press(key)
            if key in ("Tab", "Shift+Tab", "ArrowRight", "ArrowLeft", "ArrowUp", "ArrowDown"):
                self.focus_ring_is_visible()

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)

    def tab_to(self, target: Locator, limit: int = 80) -> None:
        """Tab forwards, or Shift+Tab back when the target comes earlier in the page, until it has focus."""
        for _ in range(limit):
            if target.evaluate(HAS_FOCUS):
                return
            self.press("Shift+Tab" if target.evaluate(FOCUS_IS_AFTER) else "Tab")
        raise AssertionError(f"{limit} presses of Tab never reached {target}")

    def focus_ring_is_visible(self) -> None:
        focus = self.page.evaluate(FOCUS_RING)
        if not focus["visible"]:
            self.no_ring.append(f"{self.page.url}: {focus['what']}")


def test_naming_what_happened_with_the_keyboard_only(live_server, browser: Browser):
    call_command("load_curriculum", verbosity=0)
    ava = UserFactory(verified=True, email="ava@example.test", display_name="Ava")
    ben = UserFactory(verified=True, email="ben@example.test", display_name="Ben")
    couple = pair(ava, ben)
    onboard(couple, ava, roles={"dishonesty": "hurt"})
    onboard(couple, ben, roles={"dishonesty": "caused"})
    exercise = Exercise.objects.get(slug="naming-what-happened")
    step = {s.order: s.pk for s in exercise.steps.all()}
    paired.response_submit(  # Ava has already answered; now it is Ben's turn
        run=paired.run_get_or_create(couple=couple, exercise=exercise),
        user=ava,
        answers={
            step[1]: (AVA_ACCOUNT, None),
            step[2]: (["A lie or a secret"], None),
            step[3]: ("I check his phone in my head all day", None),
            step[4]: (3, None),
            step[5]: ("Honest answers", None),
        },
        visibility=Visibility.COUPLE,
    )

    page = browser.new_context().new_page()
    keys = Keyboard(page)

    # Sign in.
    page.goto(f"{live_server.url}/accounts/login/")
    keys.tab_to(page.get_by_label("Email"))
    keys.type(ben.email)
    keys.tab_to(page.get_by_label("Password"))
    keys.type(DEFAULT_PASSWORD)
    keys.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/couple/")

    # From the dashboard to the exercise.
    keys.tab_to(page.locator("main").get_by_role("link", name="Next: Naming what happened"))
    keys.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Naming what happened")

    # Every step, by keyboard.
    keys.tab_to(page.get_by_role("textbox", name="In your own words, what happened?"))
    keys.type(BEN_ACCOUNT)
    kinds = page.get_by_role("group", name="Which of these describe the break in trust for you?")
    keys.tab_to(kinds.get_by_label("A lie or a secret", exact=True))
    keys.press("Space")
    keys.tab_to(page.get_by_role("textbox", name="How has this affected you from day to day?"))
    keys.type("I feel ashamed most mornings")
    keys.tab_to(kinds.get_by_label("A promise that was broken", exact=True))  # back up with Shift+Tab
    keys.press("Space")
    safety = page.get_by_role("group", name="Right now, how safe do you feel talking about this")
    keys.tab_to(safety.get_by_label("0", exact=True))  # into the 0–10 radio group…
    keys.press("ArrowRight", times=5)  # …and along it to 5
    keys.tab_to(page.get_by_role("textbox", name="What is one thing you hope this work will bring?"))
    keys.type("That Ava can believe me again")

    expect(kinds.get_by_label("A lie or a secret", exact=True)).to_be_checked()
    expect(kinds.get_by_label("A promise that was broken", exact=True)).to_be_checked()
    expect(safety.get_by_label("5", exact=True)).to_be_checked()

    keys.tab_to(page.get_by_role("button", name=re.compile("I’m done")))
    keys.press("Enter")

    # The reveal: both accounts side by side.
    expect(page.locator(".messages")).to_contain_text("You'll see each other's side by side now")
    expect(page.get_by_text(AVA_ACCOUNT)).to_be_visible()
    expect(page.get_by_text(BEN_ACCOUNT)).to_be_visible()
    assert keys.no_ring == [], "focus without a visible ring:\n" + "\n".join(keys.no_ring)
    page.context.close()
