"""One couple's whole journey through TrustRepair, in real Chromium windows: one browser context per person.

Avery and Blake sign up, pair, onboard and work through Atone (naming what
happened, the questions log, the accountability statement and the two
role-specific reflections, which opens Attune), the aftermath of a fight and
the daily check-in. Dr Maya Lind signs up as their therapist, staff verify her,
she turns on two-factor authentication, both partners consent, she reviews
them, writes a private note and opens Attach early; there the couple make and
keep an agreement and Blake sends an appreciation. Avery stops sharing and the
therapist is shut out on her next page load. Staff reword an exercise and
Avery sees the new words. Blake takes a copy of their data and deletes the
account; Avery's space still works.

Everything a person does in the app goes through its pages. Only what happens
outside the app is done directly: reading mail (``mail.outbox``), the
authenticator app (a TOTP code from the secret the page shows), and the clock
(the beat's every-minute tick, sent once to the real Celery worker on the real
Redis broker).

axe-core runs on every page the journey visits. Each window is watched, so a
page that was visited but never checked fails the test too; every serious or
critical violation is collected and reported together at the end.
"""

import re
import time
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import Browser, BrowserContext, Error, Locator, Page, expect

from exercises import tasks
from tests.accessibility.test_axe import serious
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.therapists.helpers import enable_totp, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CONFIRM_LINK = r"https?://[^\s\"'<>]+/accounts/confirm-email/[^\s\"'<>]+/"
JOIN_LINK = r"https?://[^\s\"'<>]+/join/[^\s\"'<>]+/"
DONE = re.compile("I’m done")
SHARE_WITH_THERAPIST = "My partner, me and our therapist"
# What makes a page worth another axe run. Its structure: the kinds of headings, form controls, alerts,
# disclosures, tables, articles and images it shows (so the same page seen again with only other words, a time
# or a count is not checked twice, but a page that grew a form or a table is). And its looks: each variant of
# badge, notice and message, checked (for contrast) wherever it first appears.
STRUCTURE = """() => {
  const kinds = (selector, name) => [...new Set([...document.querySelectorAll(selector)].map(name))].sort();
  return {
    structure: kinds('h1, h2, h3, h4, input, select, textarea, button, [role=alert], details, table, article, '
      + 'progress, img', (el) => el.tagName + ':' + (el.type || '')).join('|'),
    looks: kinds('.badge, .notice, .message, .empty-state', (el) => el.className),
  };
}"""

# What the people write; plain ASCII words, so they can be found in JSON and HTML alike.
AVERY_WHAT_HAPPENED = "Blake kept a second phone for months and lied when I asked about it"
BLAKE_WHAT_HAPPENED = "I hid messages from Avery for months and lied when asked directly"
QUESTION = "When did you decide to stop hiding the messages from me"
ANSWER = "The night you found the phone I knew I could not keep lying to you"
STATEMENT = "I lied to you for months. It was my choice and my responsibility, and it broke your trust."
FIGHT = "The argument about Sunday plans"
JOINT_NOTE = "Next time we pause for ten minutes and come back to it"
AGREEMENT = "I will text you if my plans change by more than an hour"
APPRECIATION = "Thank you for staying at the table on Sunday even when it was hard"
AVERY_PRIVATE_NEED = "A quiet evening together"  # her check-in shares only the ratings
THERAPIST_NOTE = "Both engaged; repair attempts visible after the Sunday argument"
NEW_WORDING = "Which kinds of openness would help you, or which could you offer, for the next few weeks?"


# --- The windows, and what axe finds in them ------------------------------------------


@dataclass
class Trip:
    """Every page the journey visited, every page it checked with axe, and what axe and the pages reported."""

    base: str
    contexts: list[BrowserContext] = field(default_factory=list)
    visited: set[str] = field(default_factory=set)
    checked: set[str] = field(default_factory=set)
    fingerprints: set[tuple[str, str]] = field(default_factory=set)
    looks: set[str] = field(default_factory=set)
    axe_runs: int = 0
    violations: dict[str, list[str]] = field(default_factory=dict)
    script_errors: list[str] = field(default_factory=list)

    def open_window(self, browser: Browser, name: str, email: str, *, time_zone: str, password: str) -> "Person":
        # bypass_csp: axe is injected as a script, which the app's CSP (rightly) forbids.
        context = browser.new_context(bypass_csp=True, timezone_id=time_zone, locale="en-GB")
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)

        def navigated(frame) -> None:
            if frame == page.main_frame and frame.url.startswith(self.base):
                self.visited.add(urlsplit(frame.url).path)

        page.on("framenavigated", navigated)
        page.on("pageerror", lambda error: self.script_errors.append(f"{name} on {page.url}: {error}"))
        return Person(name=name, email=email, password=password, time_zone=time_zone, page=page, trip=self)

    def check(self, page: Page, where: str) -> None:
        """Run axe on the page as it is now, unless this page was already checked in the same state (STRUCTURE)."""
        page.wait_for_load_state()
        path = urlsplit(page.url).path
        state = page.evaluate(STRUCTURE)
        fingerprint, new_looks = (path, state["structure"]), set(state["looks"]) - self.looks
        self.checked.add(path)
        if fingerprint in self.fingerprints and not new_looks:
            return
        self.fingerprints.add(fingerprint)
        self.looks |= new_looks
        self.axe_runs += 1
        try:
            problems = serious(page)
        except Error:  # the page was still being replaced: check the one that stays
            page.wait_for_load_state()
            problems = serious(page)
        if problems:
            found = self.violations.setdefault(f"{where} {path}", [])
            found += [problem for problem in problems if problem not in found]

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@dataclass
class Person:
    name: str
    email: str
    password: str
    time_zone: str
    page: Page
    trip: Trip

    def go(self, path: str):
        response = self.page.goto(self.trip.base + path)
        self.look()
        return response

    def look(self) -> None:
        self.trip.check(self.page, f"{self.name}:")

    @property
    def main(self) -> Locator:
        return self.page.locator("main")

    def heading(self) -> Locator:
        return self.page.get_by_role("heading", level=1)

    def messages(self) -> Locator:
        return self.page.locator(".messages")

    def press(self, name, **kwargs) -> None:
        self.main.get_by_role("button", name=name, **kwargs).click()

    def follow(self, name, **kwargs) -> None:
        self.main.get_by_role("link", name=name, **kwargs).first.click()


def link_in_mail(to: str, pattern: str) -> str:
    """Open your inbox and find the newest message to you with such a link."""
    for message in reversed(mail.outbox):
        if to in message.to and (found := re.search(pattern, message.body)):
            return found.group(0)
    raise AssertionError(f"no mail to {to} with a link like {pattern}")


def shown(root: Locator, text: str) -> Locator:
    """Words shown on the page, not the same words waiting in a form field to be edited."""
    return root.get_by_text(text).and_(root.locator(":not(textarea):not(option)"))


def reload_until(person: Person, locator: Locator, *, timeout: float = 30.0) -> None:
    """Come back to the page now and then until ``locator`` shows up (work done by the Celery worker)."""
    deadline = time.monotonic() + timeout
    while not locator.count():
        assert time.monotonic() < deadline, f"{person.name} waited {timeout} s on {person.page.url} in vain"
        time.sleep(0.3)
        person.page.reload()


def answer(page: Page, answers: dict) -> None:
    """Answer an exercise's steps, found by their prompts: text, a number on the 0–10 scale, or some choices."""
    for prompt, value in answers.items():
        if isinstance(value, int):
            page.get_by_role("group", name=prompt).get_by_label(str(value), exact=True).check()
        elif isinstance(value, list):
            group = page.get_by_role("group", name=prompt)
            for choice in value:
                group.get_by_label(choice, exact=True).check()
        else:
            page.get_by_role("textbox", name=prompt).fill(value)


def authenticator_code(secret: str) -> str:
    """What the authenticator app shows (``totp_code`` never gives one about to expire)."""
    return totp_code(secret)


# --- Accounts ----------------------------------------------------------------------------


def sign_up(person: Person, display_name: str) -> None:
    """On the sign-up page: a name, the address, the password twice; the time zone comes from the browser."""
    page = person.page
    expect(person.heading()).to_be_visible()
    person.look()
    page.get_by_role("textbox", name="Display name").fill(display_name)
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password", exact=True).fill(person.password)
    page.get_by_label("Password (again)").fill(person.password)
    expect(page.get_by_label("Time zone")).to_have_value(person.time_zone)
    person.press(re.compile(r"sign up|create", re.I))
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    person.look()


def confirm_email_from_the_mail(person: Person, lands: str = "/couple/") -> None:
    person.page.goto(link_in_mail(person.email, CONFIRM_LINK))
    person.look()
    person.press(re.compile("confirm", re.I))
    expect(person.page).to_have_url(f"{person.trip.base}{lands}")
    person.look()


def sign_in(person: Person, *, second_factor: str | None = None) -> None:
    """Sign in through the form; with ``second_factor`` (a TOTP secret) also through the code step."""
    person.go("/accounts/login/")
    person.page.get_by_label("Email").fill(person.email)
    person.page.get_by_label("Password").fill(person.password)
    person.press(re.compile("sign in|log in", re.I))
    if second_factor is not None:
        expect(person.page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
        person.look()
        person.page.get_by_label("Code").fill(authenticator_code(second_factor))
        person.press(re.compile("sign in|log in|confirm|continue", re.I))
    expect(person.page).to_have_url(re.compile(r"/couple/$"))
    person.look()


def sign_out(person: Person) -> None:
    person.page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign out").click()
    expect(person.heading()).to_have_text(re.compile("sign out", re.I))
    person.look()
    person.press(re.compile("sign out", re.I))
    expect(person.page).to_have_url(f"{person.trip.base}/")
    person.look()


def confirm_password_if_asked(person: Person, then: str) -> bool:
    """allauth's re-authentication: the password again before something sensitive. Returns whether it asked."""
    expect(person.page).to_have_url(re.compile(rf"/accounts/reauthenticate/|{then}"))
    if "/accounts/reauthenticate/" not in person.page.url:
        return False
    person.look()
    person.page.get_by_label("Password").fill(person.password)
    person.press(re.compile("confirm", re.I))
    expect(person.page).to_have_url(re.compile(then))
    return True


# --- Pairing and onboarding ------------------------------------------------------------


def avery_signs_up_from_the_front_page(avery: Person) -> None:
    avery.go("/")
    avery.follow("Create your account")
    sign_up(avery, "Avery")
    confirm_email_from_the_mail(avery)
    expect(avery.heading()).to_have_text("Welcome, Avery")


def avery_starts_a_space_and_invites(avery: Person, partner_email: str) -> None:
    avery.press("Start our space")
    expect(avery.page.get_by_label("Your partner's email address")).to_be_visible()
    avery.look()
    avery.page.get_by_role("textbox", name="Your partner's email address").fill(partner_email)
    avery.press("Send invitation link")
    expect(avery.page.get_by_text("Invitation sent")).to_be_visible()
    avery.look()


def blake_signs_up_from_the_invitation(blake: Person) -> None:
    join_link = link_in_mail(blake.email, JOIN_LINK)
    blake.page.goto(join_link)
    expect(blake.heading()).to_contain_text("Avery invites you")
    blake.look()
    blake.follow("Create an account")
    sign_up(blake, "Blake")
    # Confirming joins nothing by itself: it leads back to the invitation, where Blake chooses to join.
    confirm_email_from_the_mail(blake, lands="/" + join_link.split("://", 1)[1].split("/", 1)[1])
    expect(blake.heading()).to_contain_text("Avery invites you")
    blake.press("Join Avery")
    expect(blake.heading()).to_have_text("Blake & Avery")


def onboard(person: Person, role: str, *, safety: int, trust: int, then: str) -> None:
    person.go("/couple/")
    person.follow("Tell us what happened, privately")
    expect(person.page).to_have_url(re.compile(r"/couple/onboarding/$"))
    person.look()
    person.page.get_by_role("group", name="Dishonesty or secrets").get_by_label(role).check()
    person.page.get_by_role("group", name=re.compile("how safe")).get_by_label(str(safety), exact=True).check()
    person.page.get_by_role("group", name=re.compile("how much do you trust")).get_by_label(
        str(trust), exact=True
    ).check()
    person.press("Save my answers")
    expect(person.page.get_by_text(then)).to_be_visible()
    person.look()


# --- Exercises -------------------------------------------------------------------------


def open_exercise(person: Person, title: str) -> None:
    """From the path through repair, open one exercise by its title."""
    person.go("/couple/exercises/")
    person.follow(title, exact=True)
    expect(person.heading()).to_contain_text(title)
    person.look()


def finish_exercise(person: Person, answers: dict, *, then: str) -> None:
    answer(person.page, answers)
    person.press(DONE)
    expect(person.messages()).to_contain_text(then)
    person.look()


def reflect(person: Person, title: str, answers: dict, *, then: str = "Your answers are in") -> None:
    open_exercise(person, title)
    finish_exercise(person, answers, then=then)


def avery_asks_a_question(avery: Person) -> None:
    open_exercise(avery, "What I need to understand")
    avery.page.get_by_role("textbox", name="Your question").fill(QUESTION)
    avery.page.get_by_role("group", name="Who can read it").get_by_label(SHARE_WITH_THERAPIST).check()
    avery.press("Ask Blake")
    expect(avery.main.get_by_role("article").filter(has_text=QUESTION)).to_be_visible()
    avery.look()


def blake_answers_the_question(blake: Person) -> None:
    blake.go("/couple/")
    blake.follow("1 question waiting for your answer")
    question = blake.main.get_by_role("article").filter(has_text=QUESTION)
    expect(question).to_be_visible()
    blake.look()
    question.get_by_role("textbox", name="Your answer").fill(ANSWER)
    question.get_by_role("button", name="Send my answer").click()
    expect(shown(question, ANSWER)).to_be_visible()
    blake.look()


def blake_owns_it_in_a_statement(blake: Person) -> None:
    open_exercise(blake, "Your accountability statement")
    blake.page.get_by_role("textbox", name="Your statement").fill(STATEMENT)
    blake.press("Save and share with Avery")
    expect(blake.main.get_by_role("heading", name="Your statement is with Avery")).to_be_visible()
    blake.look()


def avery_feels_heard_enough(avery: Person) -> None:
    avery.go("/couple/")
    avery.follow("The accountability statement")
    expect(shown(avery.main, STATEMENT)).to_be_visible()
    avery.look()
    avery.page.get_by_role("group", name="How heard do you feel").get_by_label("8", exact=True).check()
    avery.page.get_by_label("I feel heard enough to go on").check()
    avery.press("Send my response")
    expect(avery.main.get_by_role("heading", name="Heard enough to go on")).to_be_visible()
    avery.look()


def name_a_fight(avery: Person) -> None:
    open_exercise(avery, "The aftermath of a fight")
    avery.page.get_by_role("textbox", name="What happened, in a few neutral words").fill(FIGHT)
    avery.press("Start", exact=True)
    expect(avery.heading()).to_have_text(f"The aftermath of a fight: {FIGHT}")
    avery.look()


def open_the_fight(blake: Person) -> None:
    open_exercise(blake, "The aftermath of a fight")
    blake.follow(FIGHT)
    expect(blake.heading()).to_have_text(f"The aftermath of a fight: {FIGHT}")
    blake.look()


def write_the_note_for_next_time(person: Person) -> None:
    person.page.get_by_role("textbox", name="What we'll try next time").fill(JOINT_NOTE)
    person.press("Save our note")
    expect(person.messages()).to_contain_text("Your note for next time is saved.")
    person.look()


# --- The daily check-in ----------------------------------------------------------------


def avery_sets_the_checkin_for_now(avery: Person) -> None:
    """Prompt settings: the daily check-in at the current minute of Avery's own clock, in the app."""
    avery.go("/settings/prompts/")
    zone = avery.main.get_by_text("Times are in your time zone").locator("strong").inner_text()
    assert zone == avery.time_zone
    avery.page.get_by_label("Daily check-in prompt").check()
    avery.page.get_by_label("Check-in time").fill(datetime.now(ZoneInfo(zone)).strftime("%H:%M"))
    avery.page.get_by_label("In the app").check()
    avery.press("Save", exact=True)
    expect(avery.messages()).to_contain_text("Your prompt settings are saved.")
    avery.look()


def the_beat_ticks() -> None:
    """What celery beat sends every minute, sent once here: the real task, on the real broker and worker."""
    tasks.tick.delay()


def avery_follows_the_prompt_and_checks_in(avery: Person) -> None:
    avery.go("/couple/")
    notifications = avery.page.get_by_role("navigation", name="Main").get_by_role("link", name="Notifications")
    reload_until(avery, notifications.filter(has_text="unread"))
    avery.look()
    notifications.click()
    expect(avery.heading()).to_have_text("Notifications")
    avery.look()
    prompt = avery.main.get_by_role("article").filter(has_text="A minute for today's check-in")
    prompt.get_by_role("button", name="Open").click()
    expect(avery.page).to_have_url(re.compile(r"/couple/checkin/$"))
    avery.look()
    avery.page.get_by_role("group", name="A word for your mood").get_by_label("Hopeful").check()
    avery.page.get_by_role("group", name="How safe do you feel").get_by_label("6", exact=True).check()
    avery.page.get_by_role("group", name="How much do you trust").get_by_label("5", exact=True).check()
    avery.page.get_by_role("textbox", name="One thing I need today").fill(AVERY_PRIVATE_NEED)
    avery.press("Save my check-in")
    expect(avery.messages()).to_contain_text("Thank you for checking in.")
    avery.look()


# --- The therapist ---------------------------------------------------------------------


def maya_signs_up_as_a_therapist(maya: Person) -> None:
    maya.go("/accounts/signup/")
    sign_up(maya, "Maya")
    confirm_email_from_the_mail(maya)
    maya.go("/therapist/join/")
    maya.page.get_by_role("textbox", name="Your name").fill("Dr Maya Lind")
    maya.page.get_by_role("textbox", name="Practice name").fill("Lind Couples Practice")
    maya.page.get_by_role("textbox", name="Licence number").fill("PSY-778")
    maya.page.get_by_role("textbox", name="Licensing region").fill("Hamburg")
    maya.press("Send for verification")
    expect(maya.heading()).to_have_text("Waiting for verification")
    maya.look()


def staff_verify_the_therapist(staff: Person, email: str) -> None:
    staff.go("/staff/")
    staff.page.get_by_role("link", name="Therapist profiles").click()
    expect(staff.page).to_have_url(re.compile(r"/staff/accounts/therapistprofile/$"))
    staff.look()
    staff.page.get_by_role("row").filter(has_text=email).get_by_role("checkbox").check()
    staff.page.locator("select[name=action]").select_option("verify")
    staff.page.get_by_role("button", name="Run").click()
    expect(staff.page.get_by_text("1 therapist(s) verified.")).to_be_visible()
    staff.look()


def maya_turns_on_two_factor(maya: Person) -> None:
    maya.go("/therapist/")
    expect(maya.heading()).to_have_text("Turn on two-factor authentication")
    maya.follow("Set up two-factor authentication")
    expect(maya.heading()).to_have_text("Two-factor authentication")
    maya.look()
    maya.follow("Set up an authenticator app", exact=True)
    confirm_password_if_asked(maya, then=r"/accounts/2fa/totp/activate/$")
    expect(maya.heading()).to_have_text("Set up an authenticator app")
    maya.look()
    secret = maya.page.get_by_label("Setup key").input_value()
    maya.page.get_by_role("textbox", name="Authenticator code").fill(authenticator_code(secret))
    maya.press("Turn on", exact=True)
    expect(maya.page).not_to_have_url(re.compile(r"/totp/activate/"))
    maya.look()


def maya_reads_her_practice_code(maya: Person) -> str:
    maya.go("/therapist/")
    expect(maya.heading()).to_have_text("Your caseload")
    return maya.main.locator("strong.code").inner_text()


def avery_links_the_therapist(avery: Person, code: str) -> None:
    avery.go("/couple/")
    avery.follow("Your therapist")
    expect(avery.heading()).to_have_text("Your therapist")
    avery.look()
    avery.page.get_by_role("textbox", name="Practice code").fill(code)
    avery.press("Link with this code")
    expect(avery.page.get_by_text("Dr Maya Lind is linked")).to_be_visible()
    avery.look()


def consent_to_share_everything(person: Person) -> None:
    person.go("/couple/therapist/")
    person.page.get_by_label("Our progress").check()
    person.page.get_by_label("Check-in trends").check()
    person.page.get_by_label("Writing we mark for our therapist").check()
    person.press("Allow")
    expect(person.page.get_by_text("Your choice applies from your therapist's next page view")).to_be_visible()
    person.look()


def maya_reviews_the_couple(maya: Person) -> None:
    maya.go("/therapist/")
    maya.follow("Avery & Blake")
    expect(maya.heading()).to_have_text("Avery & Blake")
    expect(shown(maya.main, QUESTION)).to_be_visible()  # marked for the therapist
    expect(shown(maya.main, ANSWER)).to_be_visible()
    expect(maya.main.get_by_text(AVERY_WHAT_HAPPENED)).to_have_count(0)  # kept between the two of them
    maya.look()


def maya_writes_a_private_note(maya: Person) -> None:
    maya.page.get_by_role("textbox", name="Private note").fill(THERAPIST_NOTE)
    maya.press("Save note")
    expect(shown(maya.main, THERAPIST_NOTE)).to_be_visible()
    maya.look()


def maya_opens_attach_early(maya: Person) -> None:
    maya.page.get_by_label("Module").select_option(label="Attach")
    maya.press("Open module")
    expect(maya.messages()).to_contain_text("Attach is open for them now.")
    maya.look()


def avery_stops_sharing(avery: Person) -> None:
    avery.go("/couple/therapist/")
    avery.press("Stop sharing")
    expect(avery.page.get_by_text("You stopped sharing")).to_be_visible()
    avery.look()


def maya_is_shut_out_on_her_next_page_load(maya: Person) -> None:
    response = maya.page.reload()
    assert response is not None and response.status == 404
    expect(maya.main.get_by_text(QUESTION)).to_have_count(0)
    maya.look()
    maya.go("/therapist/")
    expect(maya.page.get_by_text("No couple shares with you yet")).to_be_visible()


# --- Attach: an agreement kept, an appreciation seen --------------------------------------


def avery_proposes_an_agreement(avery: Person) -> None:
    open_exercise(avery, "Agreements and boundaries")
    avery.page.get_by_role("group", name="What is it about?").get_by_label("Availability").check()
    avery.page.get_by_role("textbox", name="The agreement").fill(AGREEMENT)
    avery.press("Propose", exact=True)
    expect(avery.main.get_by_role("heading", name="Waiting for Blake")).to_be_visible()
    avery.look()


def blake_accepts_it_and_logs_it_kept(blake: Person) -> None:
    blake.go("/couple/")
    blake.follow(re.compile("agreement or log to look at"))
    agreement = blake.main.get_by_role("article").filter(has_text=AGREEMENT)
    blake.look()
    agreement.get_by_role("button", name="Accept").click()
    expect(agreement.get_by_text("Confirmed by both of you: kept 0 times")).to_be_visible()
    blake.look()
    agreement.locator("summary").filter(has_text=re.compile("Log how")).click()
    how = agreement.get_by_role("group", name="How did it go?")
    if how.count():
        how.get_by_label("Kept", exact=True).check()
    agreement.get_by_role("textbox", name=re.compile("A note|How you kept it")).fill(
        "Texted at six when the train was late"
    )
    agreement.get_by_role("button", name="Save the log").click()
    expect(agreement.get_by_text("You logged it kept")).to_be_visible()
    blake.look()


def avery_confirms_it_was_kept(avery: Person) -> None:
    avery.go("/couple/")
    avery.follow(re.compile("agreement or log to look at"))
    agreement = avery.main.get_by_role("article").filter(has_text=AGREEMENT)
    expect(agreement.get_by_text("Blake logged this")).to_be_visible()
    avery.look()
    agreement.get_by_role("button", name="Confirm").click()
    expect(agreement.get_by_text("Confirmed by both of you: kept 1 time.")).to_be_visible()
    avery.look()


def blake_sends_an_appreciation(blake: Person) -> None:
    open_exercise(blake, "Appreciations")
    blake.page.get_by_role("group", name="What would you like to say?").get_by_label("An effort I noticed").check()
    blake.page.get_by_role("textbox", name="Your appreciation").fill(APPRECIATION)
    blake.press("Send to Avery")
    expect(blake.messages()).to_contain_text("Sent. Avery will find it here.")
    blake.look()


def avery_reads_the_appreciation(avery: Person) -> None:
    avery.go("/couple/")
    avery.follow("1 new appreciation from your partner")
    received = avery.main.get_by_role("article").filter(has_text=APPRECIATION)
    expect(received.get_by_text("New", exact=True)).to_be_visible()
    avery.look()
    avery.page.reload()
    expect(received).to_be_visible()
    expect(received.get_by_text("New", exact=True)).to_have_count(0)  # seen now


# --- Staff reword an exercise -----------------------------------------------------------


def staff_reword_the_first_step(staff: Person, title: str, wording: str) -> None:
    staff.go("/staff/exercises/exercise/")
    staff.page.get_by_role("link", name=title, exact=True).click()
    expect(staff.page).to_have_url(re.compile(r"/staff/exercises/exercise/\d+/change/$"))
    staff.look()
    staff.page.locator("textarea[name='steps-0-prompt']").fill(wording)
    staff.page.get_by_role("button", name="Save", exact=True).click()
    expect(staff.page.get_by_text("was changed successfully")).to_be_visible()
    staff.look()
    # The edit waits in the draft: publishing is what couples see.
    staff.go("/staff/exercises/exercise/")
    row = staff.page.get_by_role("row").filter(has=staff.page.get_by_role("link", name=title, exact=True))
    row.locator("input[name='_selected_action']").check()
    staff.page.locator("select[name='action']").select_option("publish")
    staff.page.get_by_role("button", name="Run", exact=True).click()
    expect(staff.page.get_by_text("changes are live")).to_be_visible()


def avery_sees_the_new_wording(avery: Person, title: str, wording: str) -> None:
    open_exercise(avery, title)
    expect(avery.page.get_by_role("group", name=wording)).to_be_visible()


# --- The safety check: Avery answers it with fear, and Blake cannot tell -------------------

BLAKES_PAGES = [
    "couple:dashboard",
    "couple:together",
    "daily:checkin",
    "insights:progress",
    "exercises:agreements",
    "exercises:appreciations",
    "couple_therapist:index",
    "accounts:settings",
    "privacy",
]


def what_blake_reads(blake: Person) -> dict[str, str]:
    texts = {}
    for name in BLAKES_PAGES:
        blake.go(reverse(name))
        texts[name] = blake.main.inner_text()
    return texts


def avery_answers_the_safety_check_with_fear(avery: Person) -> None:
    avery.go("/couple/safety-check/")
    avery.page.get_by_role("group", name="Do you ever feel afraid of your partner?").get_by_label("Sometimes").check()
    avery.page.get_by_label("My partner checks or controls my phone or messages").check()
    avery.page.get_by_label("My partner tracks or demands to know where I am").check()
    avery.page.get_by_role("group", name="Has your partner ever threatened you").get_by_label("No", exact=True).check()
    avery.press("Save privately")
    expect(avery.page).to_have_url(re.compile(r"/couple/safety-check/support/$"))
    avery.look()
    avery.go("/couple/checkin/")
    expect(avery.main).to_contain_text("your check-ins stay with you")


# --- Blake's data: a copy, then the account deleted ---------------------------------------


def blake_downloads_a_copy(blake: Person) -> tuple[str, str]:
    """Ask for the export (password again), wait for the worker, download the zip; returns its two files."""
    blake.go("/settings/")
    blake.follow(re.compile("Download a copy of your data"))
    expect(blake.heading()).to_have_text("Your data")
    blake.look()
    blake.press("Prepare my download")
    assert confirm_password_if_asked(blake, then=r"/settings/data/$"), "no password asked before an export"
    expect(blake.messages()).to_contain_text("We are preparing your download")
    blake.look()
    download = blake.main.get_by_role("link", name=re.compile("Download the copy from"))
    reload_until(blake, download)
    blake.look()
    with blake.page.expect_download() as started:
        download.click()
    with zipfile.ZipFile(started.value.path()) as archive:
        return archive.read("data.json").decode(), archive.read("index.html").decode()


def look_at_the_copy(blake: Person, html: str) -> None:
    """The export's index.html is a page too: the person opens it in their browser."""
    page = blake.page.context.new_page()
    page.set_content(html)
    if problems := serious(page):
        blake.trip.violations["Blake: the export's index.html"] = problems
    page.close()


def blake_deletes_the_account(blake: Person) -> None:
    blake.go("/settings/data/")
    blake.follow("Delete my account…")
    assert confirm_password_if_asked(blake, then=r"/settings/data/delete/$"), "no password asked before deleting"
    expect(blake.heading()).to_have_text("Delete your account")
    blake.look()
    blake.page.get_by_label("I understand").check()
    blake.page.get_by_role("textbox", name="to confirm").fill("delete")
    blake.press("Delete my account for good")
    expect(blake.page).to_have_url(re.compile(r"/settings/data/deleted/$"))
    blake.look()


def avery_still_has_a_working_space(avery: Person) -> None:
    response = avery.go("/couple/")
    assert response is not None and response.status == 200
    expect(avery.main.get_by_role("heading", name="Your couple space has closed")).to_be_visible()
    response = avery.go("/notifications/")
    assert response is not None and response.status == 200


# --- The journey -------------------------------------------------------------------------


def test_a_couple_a_therapist_and_staff_through_the_whole_product(
    celery_worker, live_server, browser: Browser, settings, mailoutbox, tmp_path
):
    settings.SITE_URL = live_server.url  # links in mail point at the server under test
    settings.STORAGES = {  # exports go to a throw-away folder
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    call_command("load_curriculum", verbosity=0)
    sam = UserFactory(verified=True, email="sam@example.test", display_name="Sam", is_staff=True, is_superuser=True)
    sams_secret = enable_totp(sam)  # staff pages need a second factor; set up through allauth's own API

    trip = Trip(base=live_server.url)
    avery = trip.open_window(
        browser, "Avery", "avery@example.test", time_zone="Europe/Berlin", password="quiet-harbour-lanterns-1"
    )
    blake = trip.open_window(
        browser, "Blake", "blake@example.test", time_zone="Europe/Berlin", password="amber-field-kettle-27"
    )
    maya = trip.open_window(
        browser, "Maya", "maya@example.test", time_zone="America/New_York", password="steady-harbour-lantern-58"
    )
    staff = trip.open_window(browser, "Staff", "sam@example.test", time_zone="Europe/London", password=DEFAULT_PASSWORD)
    try:
        # Avery signs up, confirms the address from the mail and invites Blake, who signs up from the link.
        avery_signs_up_from_the_front_page(avery)
        avery_starts_a_space_and_invites(avery, blake.email)
        blake_signs_up_from_the_invitation(blake)
        avery.page.reload()
        expect(avery.heading()).to_have_text("Avery & Blake")

        onboard(avery, "I was hurt", safety=4, trust=3, then="stay private until Blake has answered")
        onboard(blake, "I caused the hurt", safety=6, trust=5, then="You see it the same way")

        # Atone: naming what happened, side by side once both have finished.
        reflect(
            avery,
            "Naming what happened",
            {
                "In your own words, what happened?": AVERY_WHAT_HAPPENED,
                "Which of these describe the break in trust for you?": ["A lie or a secret"],
                "How has this affected you from day to day?": "I sleep badly and check my phone all the time",
                "Right now, how safe do you feel talking about this": 4,
                "What is one thing you hope this work will bring?": "To believe what Blake tells me again",
            },
            then="stay private until your partner has finished",
        )
        reflect(
            blake,
            "Naming what happened",
            {
                "In your own words, what happened?": BLAKE_WHAT_HAPPENED,
                "Which of these describe the break in trust for you?": [
                    "A lie or a secret",
                    "A promise that was broken",
                ],
                "How has this affected you from day to day?": "I feel ashamed and I am afraid of losing Avery",
                "Right now, how safe do you feel talking about this": 6,
                "What is one thing you hope this work will bring?": "That Avery can trust me again",
            },
            then="You'll see each other's side by side now",
        )
        expect(shown(blake.main, AVERY_WHAT_HAPPENED)).to_be_visible()
        avery.page.reload()
        expect(shown(avery.main, BLAKE_WHAT_HAPPENED)).to_be_visible()
        avery.look()

        # The questions log: Avery asks, Blake answers.
        avery_asks_a_question(avery)
        blake_answers_the_question(blake)
        avery.page.reload()
        expect(shown(avery.main, ANSWER)).to_be_visible()

        # The rest of Atone, which opens Attune.
        blake_owns_it_in_a_statement(blake)
        avery_feels_heard_enough(avery)
        reflect(
            avery,
            "Carrying the hurt",
            {
                "What is the hardest part of carrying this right now?": "Not knowing what else I do not know",
                "When does it tend to hit hardest?": "Late in the evening when Blake is on the phone",
                "What do you wish your partner understood": "That asking again is not an attack",
                "How much of this have you been able to say out loud": 3,
            },
        )
        reflect(
            blake,
            "Owning it without defending",
            {
                "Think of a recent moment": "When Avery asked about the phone bill I explained instead of listening",
                "What was going on inside you just then?": ["Shame"],
                "What might your partner have needed to hear": "That I understood why the bill frightened them",
                "Practise it here": "I lied to you and that is on me",
                "What will you do the next time": "Breathe, and ask what Avery needs",
            },
        )

        # Attune: the aftermath of a fight, both answer, reveal, a joint note.
        name_a_fight(avery)
        finish_exercise(
            avery,
            {
                "What did you feel during that moment?": ["Hurt", "Unheard"],
                "Did this bring back anything older": "The night I found the phone",
                "What set it off for you?": "The sigh when I asked where Blake had been",
                "What would help you let this moment go": "Hearing that my question was fair",
            },
            then="stay private until your partner has finished",
        )
        open_the_fight(blake)
        finish_exercise(
            blake,
            {
                "What did you feel during that moment?": ["Defensive", "Ashamed"],
                "Did this bring back anything older": "Being questioned as a child",
                "What set it off for you?": "The question came while we were with friends",
                "What would help you let this moment go": "Agreeing when we talk about hard things",
            },
            then="You'll see each other's side by side now",
        )
        expect(shown(blake.main, "The sigh when I asked where Blake had been")).to_be_visible()
        write_the_note_for_next_time(blake)
        avery.page.reload()
        expect(shown(avery.main, JOINT_NOTE)).to_be_visible()
        avery.look()

        # The daily check-in arrives the real way: preference → beat tick → worker → notification.
        avery_sets_the_checkin_for_now(avery)
        the_beat_ticks()
        avery_follows_the_prompt_and_checks_in(avery)

        # A therapist signs up, staff verify her, she turns on two-factor, both partners consent.
        maya_signs_up_as_a_therapist(maya)
        sign_in(staff, second_factor=sams_secret)
        staff_verify_the_therapist(staff, maya.email)
        maya_turns_on_two_factor(maya)
        code = maya_reads_her_practice_code(maya)
        avery_links_the_therapist(avery, code)
        consent_to_share_everything(avery)
        consent_to_share_everything(blake)
        maya_reviews_the_couple(maya)
        maya_writes_a_private_note(maya)
        maya_opens_attach_early(maya)

        # Attach: an agreement proposed, accepted, kept and confirmed; an appreciation sent and seen.
        avery_proposes_an_agreement(avery)
        blake_accepts_it_and_logs_it_kept(blake)
        avery_confirms_it_was_kept(avery)
        blake_sends_an_appreciation(blake)
        avery_reads_the_appreciation(avery)

        # Avery stops sharing: the therapist's very next page load is refused.
        avery_stops_sharing(avery)
        maya_is_shut_out_on_her_next_page_load(maya)

        # Staff reword an exercise; Avery reads the new words.
        staff_reword_the_first_step(staff, "Transparency we agree on", NEW_WORDING)
        avery_sees_the_new_wording(avery, "Transparency we agree on", NEW_WORDING)

        # Avery answers the private safety check with fear: nothing on Blake's pages changes.
        what_blake_reads(blake)  # a first visit settles what it changes (notices read)
        before = what_blake_reads(blake)
        avery_answers_the_safety_check_with_fear(avery)
        assert what_blake_reads(blake) == before

        # Blake takes a copy of their data, comes back another day and deletes the account.
        data_json, index_html = blake_downloads_a_copy(blake)
        for words in (BLAKE_WHAT_HAPPENED, STATEMENT, ANSWER, APPRECIATION, "Agreeing when we talk about hard things"):
            assert words in data_json, f"{words!r} missing from data.json"
            assert words in index_html, f"{words!r} missing from index.html"
        for words in (AVERY_PRIVATE_NEED, THERAPIST_NOTE):  # Avery's unshared check-in, the therapist's note
            assert words not in data_json and words not in index_html, f"{words!r} leaked into Blake's copy"
        look_at_the_copy(blake, index_html)
        sign_out(blake)
        sign_in(blake)
        blake_deletes_the_account(blake)
        avery_still_has_a_working_space(avery)
    finally:
        trip.close()

    assert sorted(trip.visited - trip.checked) == [], "pages visited but never checked with axe"
    assert trip.script_errors == []
    assert trip.violations == {}, "serious or critical accessibility violations:\n" + "\n".join(
        f"{page}: {problem}" for page, problems in trip.violations.items() for problem in problems
    )
