"""What "nothing executes or appears unescaped" means for one HTML document, checked on its raw text.

``html_problems`` reads a page the way a browser would start to: a payload
written out verbatim, or any element or attribute that only an injected payload
could have put there (an event-handler attribute, a ``javascript:`` URL, an
``<iframe>``, a script that is not one of the app's own files). The browser
test (``test_xss_browser.py``) asks the same questions of the live DOM.
"""

from __future__ import annotations

import html as htmllib
from collections.abc import Iterable
from urllib.parse import urlsplit

from tests.helpers import parse_html
from tests.hostile.world import DANGEROUS

# Elements the app never renders; a payload that reached the page as markup would add them.
FORBIDDEN_TAGS = frozenset({"iframe", "frame", "frameset", "object", "embed", "applet", "marquee", "base", "isindex"})
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "data", "xlink:href", "srcdoc", "content"})
# The app's own scripts: static files, and the admin's translation catalogue.
OWN_SCRIPT_PREFIXES = ("/static/", "/staff/jsi18n/")


def _scheme(value: str) -> str:
    """A URL's scheme as a browser reads it: whitespace and control characters inside it do not count."""
    cleaned = "".join(ch for ch in htmllib.unescape(value) if ch > " ").lower()
    return cleaned.split(":", 1)[0] if ":" in cleaned else ""


def _attribute_problems(tag: str, attrs: dict) -> list[str]:
    found = []
    for name, value in attrs.items():
        if name.startswith("on") or name.startswith("hx-on"):
            found.append(f"<{tag} {name}=…> event handler")
        if name in URL_ATTRIBUTES and value and _scheme(value) in {"javascript", "vbscript"}:
            found.append(f"<{tag} {name}={value!r}>")
        if name == "hx-trigger" and value and "load" in value.lower():
            found.append(f"<{tag} hx-trigger={value!r}> (htmx would fire it by itself)")
        if name == "style" and value and "javascript:" in value.lower():
            found.append(f"<{tag} style={value!r}>")
    return found


def _foreign_script(node, allow_scripts: bool) -> bool:
    src = node.attrs.get("src") or ""
    own = src and urlsplit(src).netloc == "" and urlsplit(src).path.startswith(OWN_SCRIPT_PREFIXES)
    return not allow_scripts or not own or any(isinstance(child, str) for child in node.children)


def html_problems(
    document: str | bytes, *, payloads: Iterable[str] = DANGEROUS, allow_scripts: bool = True
) -> list[str]:
    """Everything wrong with ``document``; an empty list when every payload stayed text."""
    if isinstance(document, bytes):
        document = document.decode()
    found = [f"payload written out unescaped: {p!r}" for p in payloads if p in document]
    for node in parse_html(document).iter():
        tag = node.tag
        if tag in FORBIDDEN_TAGS:
            found.append(f"<{tag}> element")
        if tag == "img" and node.attrs.get("src") == "x":
            found.append('<img src="x">')
        if tag == "meta" and "http-equiv" in node.attrs:
            found.append("<meta http-equiv>")
        if tag == "script" and _foreign_script(node, allow_scripts):
            found.append(f"<script src={node.attrs.get('src') or ''!r}> that is not the app's own")
        found += _attribute_problems(tag, node.attrs)
    return found


def shown(document: str | bytes, payloads: Iterable[str]) -> set[str]:
    """The payloads ``document`` shows as text (read after unescaping; ``html_problems`` rules out the raw form)."""
    if isinstance(document, bytes):
        document = document.decode()
    text = htmllib.unescape(document)
    return {p for p in payloads if p in text}


class Audit:
    """Collects, for one test, the problems of every page and which planted payloads the pages showed.

    ``expected`` maps a field to the payloads written into it. A page says
    which fields it shows (``shows=``); only those fields count as seen there,
    so a payload shown by some other page (the corpus is the same for every
    field) cannot stand in for a field whose own page failed to show it.
    """

    def __init__(self, expected: dict[str, Iterable[str]] | None = None):
        self.remaining = {name: set(values) for name, values in (expected or {}).items()}
        self.problems: dict[str, list[str]] = {}
        self.pages = 0

    def page(self, label: str, document: str | bytes, *, shows: Iterable[str] = (), **options) -> str:
        if isinstance(document, bytes):
            document = document.decode()
        self.pages += 1
        if problems := html_problems(document, **options):
            self.problems[label] = problems[:10] + ([f"… {len(problems) - 10} more"] if len(problems) > 10 else [])
        for name in shows:
            if self.remaining.get(name):
                self.remaining[name] -= shown(document, self.remaining[name])
        return document

    def missing(self) -> dict[str, list[str]]:
        """Field -> planted payloads that none of its pages showed (so nothing was proved about them)."""
        return {
            name: [*sorted(values)[:5], f"({len(values)} in all)"] for name, values in self.remaining.items() if values
        }

    def assert_clean(self) -> None:
        assert self.pages, "no page was checked"
        assert not self.problems, f"{len(self.problems)} page(s) with unescaped or active content: {self.problems}"
        missing = self.missing()
        assert not missing, f"planted payloads never shown where they belong (so never checked): {missing}"
