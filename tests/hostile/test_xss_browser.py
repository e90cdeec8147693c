"""The XSS corpus in a real Chromium, with the CSP switched off so that escaping alone has to hold.

The world of ``tests.hostile.world`` (every payload in every free-text field)
is served by the live server; partners, a consented therapist and staff open
every page that shows it, and the HTML parts of the emails and the export's
``index.html`` are opened too. On each document:

- no dialog opens (``page.on("dialog")``), and ``alert``/``confirm``/``prompt``
  /``print`` were never called (an init script records every call in
  ``window.__xssCalls`` before passing it on);
- the DOM holds nothing a parsed payload would leave: no element matching
  ``TELLTALE_SELECTOR``, no attribute whose name starts with ``on`` (or
  htmx's ``hx-on``), and no ``<script>`` but the app's own files.

People are signed in by handing the browser a session cookie made with
``Client.force_login`` (the therapist's sign-in would otherwise need a TOTP
round trip that is tested elsewhere).
"""

from __future__ import annotations

import io
import zipfile

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Browser

from accounts.data.export import build_zip
from accounts.models import User
from tests.helpers import sign_in_as
from tests.hostile.pages import partner_pages
from tests.hostile.world import TELLTALE_SELECTOR, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_CALLS = """
window.__xssCalls = [];
for (const name of ["alert", "confirm", "prompt", "print"]) {
  const original = window[name].bind(window);
  window[name] = (...args) => {
    window.__xssCalls.push(name + "(" + String(args[0]).slice(0, 40) + ")");
    return name === "print" ? undefined : original(...args);
  };
}
"""

INSPECT = """
([selector, ownPrefixes]) => {
  const found = [];
  for (const el of document.querySelectorAll(selector)) found.push("telltale " + el.outerHTML.slice(0, 120));
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      if (attr.name.startsWith("on") || attr.name.startsWith("hx-on")) found.push(`${el.tagName} ${attr.name}=…`);
    }
  }
  for (const script of document.querySelectorAll("script")) {
    let own = false;
    if (script.src && location.origin !== "null") {
      const url = new URL(script.src);
      own = url.origin === location.origin && ownPrefixes.some((prefix) => url.pathname.startsWith(prefix));
    }
    if (!own) found.push("script " + (script.src || script.textContent.slice(0, 80)));
  }
  return {found, calls: window.__xssCalls || null, scripts: document.scripts.length};
}
"""
OWN_SCRIPTS = ["/static/", "/staff/jsi18n/"]


class Inspector:
    """One browser context per person; every document it opens is inspected, and what went wrong is collected."""

    def __init__(self, browser: Browser, base: str):
        self.browser, self.base = browser, base
        self.problems: dict[str, list[str]] = {}
        self.visited = 0

    def context_for(self, user: User | None):
        context = self.browser.new_context(bypass_csp=True)
        context.add_init_script(RECORD_CALLS)
        if user is not None:
            client = Client()
            sign_in_as(client, user)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": self.base}])
        page = context.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(f"{dialog.type}: {dialog.message}"), dialog.dismiss()))
        return context, page, dialogs

    def _inspect(self, label: str, page, dialogs: list[str]) -> None:
        page.wait_for_timeout(30)  # let load-time handlers (onload, onerror, autofocus) have their chance
        result = page.evaluate(INSPECT, [TELLTALE_SELECTOR, OWN_SCRIPTS])
        problems = list(result["found"])
        if result["calls"] is None:
            problems.append("the init script did not run: calls could not be recorded")
        problems += [f"called {call}" for call in result["calls"] or []]
        problems += [f"dialog {d}" for d in dialogs]
        dialogs.clear()
        self.visited += 1
        if problems:
            self.problems[label] = problems[:8]

    def visit(self, who: User | None, paths: list[str]) -> None:
        context, page, dialogs = self.context_for(who)
        for path in paths:
            response = page.goto(self.base + path)
            assert response is not None and response.status == 200, (who, path, response and response.status)
            assert "/accounts/login/" not in page.url, f"{path}: not signed in"
            self._inspect(f"{getattr(who, 'email', 'anonymous')} {path}", page, dialogs)
        context.close()

    def documents(self, documents: list[tuple[str, str]]) -> None:
        """Open raw HTML documents (emails, the export) the way a mail client or a browser would."""
        context, page, dialogs = self.context_for(None)
        for label, document in documents:
            page.goto("about:blank")
            page.set_content(document, wait_until="load")
            self._inspect(label, page, dialogs)
        context.close()


@pytest.fixture
def world(monkeypatch, settings):
    # Appreciation emails are queued through Celery after commit: nothing here needs them sent.
    from exercises.tasks import send_appreciation_email

    monkeypatch.setattr(send_appreciation_email, "delay", lambda *args, **kwargs: None)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with transaction.atomic():  # one commit instead of thousands
        return build_world(crowd=False)


def test_no_payload_runs_or_becomes_markup_in_chromium(live_server, browser: Browser, world):
    inspector = Inspector(browser, live_server.url)

    for partner in world.partners:
        # Pages that repeat a template with other rows (filters, more pages of a list, more change forms) are
        # sampled here; test_xss.py reads every one of them raw.
        inspector.visit(partner, [url for url, _ in partner_pages(world, partner, every_variant=False)])

    couple_page = reverse("therapist:couple", args=[world.couple.pk])
    inspector.visit(world.therapist, [reverse("therapist:caseload"), couple_page])
    inspector.visit(world.therapist2, [couple_page])
    inspector.visit(world.crowd_therapists[0], [reverse("therapist:caseload")])

    admin = [
        reverse("admin:accounts_therapistprofile_changelist"),
        reverse("admin:accounts_therapistprofile_change", args=[world.therapist.therapist_profile.pk]),
        reverse("admin:accounts_couple_change", args=[world.couple.pk]),
    ]
    users = User.objects.count()
    admin += [f"{reverse('admin:accounts_user_changelist')}?p={n}" for n in range(1, -(-users // 100) + 1)]
    admin += [reverse("admin:accounts_user_change", args=[p.pk]) for p in (world.a, world.b, world.therapist)]
    inspector.visit(world.staff, admin)

    # Emails: the couple invitation sent while planting carries A's name; the HTML part is what a mail client renders.
    sent = [m for m in mail.outbox if m.alternatives]
    assert sent, "the world sent no email"
    inspector.documents([(f"email {m.subject[:40]}", m.alternatives[0][0]) for m in sent])
    # The export's readable page, opened from disk (no CSP there at all).
    exports = []
    for person in (world.a, world.b, world.therapist):
        with zipfile.ZipFile(io.BytesIO(build_zip(person))) as archive:
            exports.append((f"export of {person.email}", archive.read("index.html").decode()))
    inspector.documents(exports)

    assert inspector.visited > 60
    assert not inspector.problems, (
        f"{len(inspector.problems)} document(s) ran or rendered a payload: {inspector.problems}"
    )


def test_the_inspector_sees_an_injected_payload(live_server, browser: Browser):
    """Guard against an inspector that looks at nothing: a document that does contain payloads is caught."""
    inspector = Inspector(browser, live_server.url)
    inspector.documents(
        [
            ("dialog", "<p>x</p><script>alert(1)</script>"),
            ("handler", "<img src=x onerror=alert(1)>"),
            ("telltale", '<details open ontoggle="1">x</details>'),
            ("print", "<script>print()</script>"),
            ("htmx", '<div hx-get="/" hx-trigger="load">x</div>'),
            ("clean", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        ]
    )
    assert set(inspector.problems) == {"dialog", "handler", "telltale", "print", "htmx"}, inspector.problems
    assert any(p.startswith("dialog alert") for p in inspector.problems["dialog"]), inspector.problems["dialog"]
