"""axe-core in a real Chromium on the pages people use: no serious or critical violations."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser

from tests.couple.conftest import onboard, pair
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parent.parent / "vendor" / "axe.min.js"

PUBLIC = ["/", "/privacy/", "/support/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]
PARTNER = [
    "/couple/",
    "/couple/onboarding/",
    "/couple/together/",
    "/couple/safety-check/",
    "/couple/leave/",
    "/couple/exercises/",
    "/couple/exercises/naming-what-happened/",
    "/couple/exercises/aftermath-of-a-fight/",
    "/couple/exercises/accountability/",
    "/couple/exercises/questions/",
    "/couple/exercises/agreements/",
    "/couple/exercises/rituals/",
    "/couple/exercises/appreciations/",
    "/couple/progress/",
    "/couple/progress/journey/",
    "/settings/",
    "/accounts/2fa/",
]


def serious(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def audit(browser: Browser, base: str, paths: list[str], email: str | None = None) -> dict[str, list[str]]:
    context = browser.new_context(bypass_csp=True)  # axe is injected as a script; the app's CSP would block it
    page = context.new_page()
    if email:
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(DEFAULT_PASSWORD)
        page.get_by_role("button", name=re.compile("Sign in|Log in", re.I)).click()
        page.wait_for_url(f"{base}/couple/")
    found = {}
    for path in paths:
        response = page.goto(base + path)
        assert response.status < 400, (path, response.status)
        if problems := serious(page):
            found[path] = problems
    context.close()
    return found


def test_no_serious_accessibility_violations(live_server, browser: Browser):
    call_command("load_curriculum", verbosity=0)
    a = UserFactory(verified=True, email="ada@example.test", display_name="Ada")
    b = UserFactory(verified=True, email="bo@example.test", display_name="Bo")
    couple = pair(a, b)
    onboard(couple, a, roles={"dishonesty": "hurt"})
    onboard(couple, b, roles={"dishonesty": "caused"})
    # A missed log by Bo waits for Ada: her agreements page shows the confirm and "see it differently" forms.
    from exercises.services import agreements

    agreement = agreements.agreement_propose(couple=couple, user=a, category="money", text="Ask first.", review_on=None)
    agreements.agreement_decide(agreement=agreement, user=b, accept=True)
    agreements.agreement_log(agreement=agreement, user=b, kept=False, occurred_on=agreements.local_today(b))
    found = audit(browser, live_server.url, PUBLIC)
    found |= audit(browser, live_server.url, PARTNER, email="ada@example.test")
    assert found == {}
