"""Small helpers for reading responses: a forgiving HTML tree, CSP parsing, logging in.

The HTML tree is deliberately tiny (the standard library's ``HTMLParser`` plus
parent links) so tests can ask structural questions such as "is this error
inside the same ``.field`` container as the input it belongs to?" without a
third-party parser.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.test import Client

from tests.factories import DEFAULT_PASSWORD

VOID_ELEMENTS = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
}  # fmt: skip


@dataclass(eq=False)
class Node:
    tag: str
    attrs: dict[str, str | None] = field(default_factory=dict)
    parent: Node | None = None
    children: list[Node | str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    @property
    def text(self) -> str:
        parts: list[str] = []
        for child in self.children:
            parts.append(child if isinstance(child, str) else child.text)
        return " ".join(" ".join(parts).split())

    def iter(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def find_all(self, tag: str | None = None, predicate: Callable[[Node], bool] | None = None, **attrs) -> list[Node]:
        """Descendants (and self) with this tag whose attributes equal ``attrs``.

        ``class_="x"`` matches one class among several; ``for_``/``aria_label`` spell ``for``/``aria-label``.
        """
        wanted_class = attrs.pop("class_", None)
        found = []
        for node in self.iter():
            if tag is not None and node.tag != tag:
                continue
            if wanted_class is not None and wanted_class not in node.classes:
                continue
            if any(node.attrs.get(name.rstrip("_").replace("_", "-")) != value for name, value in attrs.items()):
                continue
            if predicate is not None and not predicate(node):
                continue
            found.append(node)
        return found

    def find(self, tag: str | None = None, **attrs) -> Node:
        """Exactly one match, or an AssertionError that says how many there were."""
        found = self.find_all(tag, **attrs)
        assert len(found) == 1, f"expected one <{tag or '*'} {attrs}>, found {len(found)}"
        return found[0]

    def closest(self, predicate: Callable[[Node], bool]) -> Node | None:
        node: Node | None = self
        while node is not None:
            if predicate(node):
                return node
            node = node.parent
        return None


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document")
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), parent=self.current)
        self.current.children.append(node)
        if tag not in VOID_ELEMENTS:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, dict(attrs), parent=self.current))

    def handle_endtag(self, tag):
        # Forgiving: close up to the nearest open element with this tag, ignore strays.
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        if data.strip():
            self.current.children.append(data)


def parse_html(content: bytes | str) -> Node:
    if isinstance(content, bytes):
        content = content.decode()
    builder = _TreeBuilder()
    builder.feed(content)
    builder.close()
    return builder.root


def field_container(doc: Node, name: str) -> Node:
    """The ``.field`` wrapper (templates/django/forms/field.html) around the control called ``name``."""
    controls = doc.find_all(
        predicate=lambda n: n.tag in {"input", "select", "textarea"} and n.attrs.get("name") == name
    )
    assert len(controls) == 1, f"expected one form control named {name!r}, found {len(controls)}"
    container = controls[0].closest(lambda n: "field" in n.classes)
    assert container is not None, f"the control {name!r} is not inside a .field container"
    return container


def field_control(doc: Node, name: str) -> Node:
    controls = doc.find_all(
        predicate=lambda n: n.tag in {"input", "select", "textarea"} and n.attrs.get("name") == name
    )
    assert len(controls) == 1, f"expected one form control named {name!r}, found {len(controls)}"
    return controls[0]


def field_errors(doc: Node, name: str) -> str:
    """Text of the errors shown next to the field ``name`` ("" when it has none).

    Also checks the accessibility wiring: the errors block has an id that the
    control's ``aria-describedby`` points to, and the control is ``aria-invalid``.
    """
    container = field_container(doc, name)
    blocks = container.find_all(class_="field__errors")
    if not blocks:
        return ""
    assert len(blocks) == 1, f"{name!r} has {len(blocks)} error blocks"
    control = field_control(doc, name)
    error_id = blocks[0].attrs.get("id")
    assert error_id, f"the errors of {name!r} have no id"
    described_by = (control.attrs.get("aria-describedby") or "").split()
    assert error_id in described_by, f"{name!r}: aria-describedby={described_by} does not name {error_id!r}"
    assert control.attrs.get("aria-invalid") == "true", f"{name!r} is not marked aria-invalid"
    return blocks[0].text


def fields_with_errors(doc: Node) -> set[str]:
    names = set()
    for container in doc.find_all(class_="field"):
        if container.find_all(class_="field__errors"):
            for control in container.iter():
                if control.tag in {"input", "select", "textarea"} and control.attrs.get("name"):
                    names.add(control.attrs["name"])
    return names


def control_value(doc: Node, name: str) -> str | None:
    """What the browser would submit for ``name``: an input's value, a select's selected option."""
    control = field_control(doc, name)
    if control.tag == "select":
        selected = [o for o in control.find_all("option") if "selected" in o.attrs]
        assert len(selected) <= 1, f"{name!r} has {len(selected)} selected options"
        return selected[0].attrs.get("value") if selected else None
    if control.tag == "textarea":
        return control.text
    return control.attrs.get("value")


def parse_csp(header: str) -> dict[str, list[str]]:
    """``"default-src 'self'; script-src 'self' 'nonce-x'"`` -> ``{"default-src": ["'self'"], ...}``."""
    policy: dict[str, list[str]] = {}
    for directive in header.split(";"):
        tokens = directive.split()
        if tokens:
            policy[tokens[0].lower()] = tokens[1:]
    return policy


# What differs on every render of the same page: CSRF tokens, CSP nonces, an exercise page's own tab name.
PER_RENDER = re.compile(r'(name="csrfmiddlewaretoken" value|nonce|name="csrf-token" content|name="tab" value)="[^"]*"')


def without_per_render(page: str) -> str:
    return PER_RENDER.sub(r'\1=""', page)


NONCE_SOURCE = re.compile(r"^'nonce-([A-Za-z0-9+/_=-]+)'$")


def csp_nonce(policy: dict[str, list[str]]) -> str:
    nonces = [m.group(1) for source in policy.get("script-src", []) if (m := NONCE_SOURCE.match(source))]
    assert len(nonces) == 1, f"script-src should carry exactly one nonce: {policy.get('script-src')}"
    return nonces[0]


def login(client: Client, user, password: str = DEFAULT_PASSWORD):
    """Log ``user`` in through allauth's real login form (not force_login); returns the response.

    Use ``client.force_login(user)`` when the test is not about logging in.
    """
    from django.urls import reverse

    return client.post(reverse("account_login"), {"login": user.email, "password": password})


def queries_of(client: Client, url: str) -> tuple[int, object]:
    """How many SQL queries one GET of ``url`` took, and the response (asserted 200)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(captured.captured_queries), response


_staff_sessions: dict[int, str] = {}


def staff_login(client: Client, user) -> None:
    """Sign ``user`` (staff) in as the staff pages require: a session, then the second factor.

    The second factor goes through allauth's own reauthentication form with a TOTP code
    (an authenticator is turned on first when the person has none). allauth accepts each
    code once, so a second client for the same person within the test joins the session
    the first one made.
    """
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import decrypt
    from django.conf import settings
    from django.contrib.sessions.models import Session
    from django.urls import reverse

    from tests.therapists.helpers import enable_totp, totp_code

    known = _staff_sessions.get(user.pk)
    if known and Session.objects.filter(session_key=known).exists():
        client.cookies[settings.SESSION_COOKIE_NAME] = known
        return
    client.force_login(user)
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    secret = decrypt(totp.data["secret"]) if totp else enable_totp(user)
    code = totp_code(secret)
    if totp is not None:
        # A test that ended the earlier session (sign out, erasure) signs in again within the code's
        # 30 seconds: forget that allauth saw the code, as the next window would.
        from allauth.mfa.totp.internal.auth import TOTP
        from django.core.cache import cache

        cache.delete(TOTP(totp)._get_used_cache_key(code))
    response = client.post(reverse("mfa_reauthenticate"), {"code": code})
    assert response.status_code == 302, response.status_code
    _staff_sessions[user.pk] = client.cookies[settings.SESSION_COOKIE_NAME].value


def sign_in_as(client: Client, user) -> None:
    """``force_login``, with the second factor the staff pages need when ``user`` is staff."""
    if user.is_staff:
        staff_login(client, user)
    else:
        client.force_login(user)


WORRYING_SAFETY = {"afraid_of_partner": "sometimes", "threats_or_violence": "no", "controls_phone": True}


def protect(user) -> None:
    """Answer ``user``'s private safety check with fear and control: they are protected from now on."""
    from accounts.services import onboarding

    onboarding.safety_check_save(user=user, **WORRYING_SAFETY)
