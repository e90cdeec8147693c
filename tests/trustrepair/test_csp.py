"""Content-Security-Policy: the header on every HTML page, and templates that need no exceptions to it."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.helpers import csp_nonce, parse_csp, parse_html

pytestmark = pytest.mark.django_db

ANONYMOUS_PAGES = ["landing", "resources", "privacy", "account_login", "account_signup", "account_reset_password"]
LOGGED_IN_PAGES = [
    "accounts:settings",
    "account_email",
    "account_change_password",
    "account_logout",
    "mfa_index",
]


def assert_strict_csp(response) -> str:
    """Check the policy on one HTML response; return its nonce."""
    assert response["Content-Type"].startswith("text/html")
    header = response.get("Content-Security-Policy")
    assert header, "no Content-Security-Policy header"
    assert "Content-Security-Policy-Report-Only" not in response, "the policy must be enforced, not just reported"
    policy = parse_csp(header)

    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    script_src = policy["script-src"]
    for unsafe in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "https:", "http:"):
        assert unsafe not in script_src, f"script-src allows {unsafe}"
    assert "'unsafe-inline'" not in policy.get("style-src", policy["default-src"])
    nonce = csp_nonce(policy)

    # Every script on the page is an external file carrying this request's nonce.
    scripts = parse_html(response.content).find_all("script")
    assert scripts, "base.html loads htmx and app.js"
    for script in scripts:
        assert script.attrs.get("src"), f"inline <script> on {response.wsgi_request.path}"
        assert script.attrs.get("nonce") == nonce, f"{script.attrs.get('src')} lacks the request's nonce"
    return nonce


@pytest.mark.parametrize("name", ANONYMOUS_PAGES)
def test_anonymous_pages_send_strict_csp(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert_strict_csp(response)


@pytest.mark.parametrize("name", LOGGED_IN_PAGES)
def test_logged_in_pages_send_strict_csp(client, partner_a, name):
    client.force_login(partner_a)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert_strict_csp(response)


def test_error_re_render_sends_strict_csp(client):
    response = client.post(reverse("account_signup"), {"email": "not-an-email"})
    assert response.status_code in {200, 400}
    assert_strict_csp(response)


def test_nonce_is_fresh_per_request(client):
    first = assert_strict_csp(client.get(reverse("account_login")))
    second = assert_strict_csp(client.get(reverse("account_login")))
    assert first != second
    assert len(first) >= 16


def test_framing_is_refused_twice_over(client):
    """frame-ancestors for modern browsers, X-Frame-Options for old ones."""
    response = client.get(reverse("landing"))
    assert response["X-Frame-Options"] == "DENY"


# --- Templates ---------------------------------------------------------------------

TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"

COMMENTS = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", re.DOTALL)
TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)\b((?:{%.*?%}|{{.*?}}|[^<>])*)>", re.DOTALL)
ATTRIBUTE_NAME = r"(?:^|[\s\"'}])"
EVENT_HANDLER = re.compile(ATTRIBUTE_NAME + r"(on[a-z]+)\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(ATTRIBUTE_NAME + r"style\s*=", re.IGNORECASE)
SRC_ATTRIBUTE = re.compile(ATTRIBUTE_NAME + r"src\s*=", re.IGNORECASE)
DATA_BLOCK_TYPE = re.compile(r"\stype\s*=\s*[\"']application/(ld\+)?json[\"']", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"=\s*[\"']?\s*javascript:", re.IGNORECASE)


def is_mail_template(path: Path) -> bool:
    # Mail is read in mail clients, never served under our CSP; they need inline styles.
    return bool({"email", "emails"} & set(path.relative_to(TEMPLATES_DIR).parts[:-1]))


def page_templates() -> list[Path]:
    return sorted(p for p in TEMPLATES_DIR.rglob("*.html") if not is_mail_template(p))


def csp_violations(source: str) -> list[str]:
    """What in a template would need 'unsafe-inline' (or be blocked by the CSP)."""
    source = COMMENTS.sub("", source)
    problems = []
    for match in TAG.finditer(source):
        tag, attributes = match.group(1).lower(), match.group(2)
        line = source.count("\n", 0, match.start()) + 1
        if tag == "script" and not SRC_ATTRIBUTE.search(attributes) and not DATA_BLOCK_TYPE.search(attributes):
            problems.append(f"line {line}: inline <script>")
        if tag == "style":
            problems.append(f"line {line}: inline <style> element")
        for handler in EVENT_HANDLER.findall(attributes):
            problems.append(f"line {line}: event-handler attribute {handler}= on <{tag}>")
        if STYLE_ATTRIBUTE.search(attributes):
            problems.append(f"line {line}: style attribute on <{tag}>")
        if JAVASCRIPT_URL.search(attributes):
            problems.append(f"line {line}: javascript: URL on <{tag}>")
    return problems


def test_scanner_finds_what_it_should():
    bad = """
    {% comment %}<script>ignored()</script>{% endcomment %}
    <script>alert(1)</script>
    <script nonce="{{ csp_nonce }}">alert(2)</script>
    <button type="button" onclick="go()">Go</button>
    <div class="x" style="color: red">x</div>
    <style>p { color: red }</style>
    <a href="javascript:void(0)">x</a>
    <img src="x.png" {% if a %}onerror="boom()"{% endif %}>
    """
    found = csp_violations(bad)
    assert len(found) == 7, found
    good = """
    <script src="{% static 'js/app.js' %}" defer nonce="{{ csp_nonce }}"></script>
    <script id="data" type="application/json">{"a": 1}</script>
    <a href="{% url 'x' %}" data-online="1" class="button">On and on</a>
    <p>Turn on= notifications</p><div data-style="calm">{% if a > b %}x{% endif %}</div>
    """
    assert csp_violations(good) == []


def test_scanner_sees_the_project_templates():
    names = {p.relative_to(TEMPLATES_DIR).as_posix() for p in page_templates()}
    assert {"base.html", "django/forms/field.html", "accounts/settings.html"} <= names


@pytest.mark.parametrize("path", page_templates(), ids=lambda p: p.relative_to(TEMPLATES_DIR).as_posix())
def test_template_needs_no_unsafe_inline(path):
    assert csp_violations(path.read_text()) == []
