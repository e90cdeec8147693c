"""Whole-page cache for a person's own couple pages (the dashboard), exact under the cache versions.

A rendered page is stored per person and page, stamped with everything it shows
that can change, and served again only while the stamp still matches:

* the couple's data version and the curriculum version (``accounts.couple_cache``):
  any write to the couple's data or to the published curriculum changes one of them;
* the person's notification version (the unread count in the navigation): every
  write to their notifications changes it (``exercises.models.daily``);
* the person and their partner as read on this request (ids, names, time zone, the
  couple's safety mode), the session's role (the navigation differs for therapists)
  and the address;
* the person's local date ("today" on the page, this week's check-ins), and while
  invitations are open (no partner yet) the minute, because their expiry counts down.

The page must not show times relative to the minute otherwise. Anything it reads
outside the couple's data (a therapist's name on a recommendation) can be as old
as ``PAGE_TTL``.

Parts of a page that change more often than the rest (this week's check-ins) are
fragments: stored apart, with a stamp of their own (the couple's check-in version
instead of the curriculum and notification versions), and rendered alone when only
they changed. A fragment is made from the request and ``scoping.Seats`` alone
(ids, names, safety mode), so rendering it again needs no couple object; its
template sees only that context (no context processors).

What differs per request never enters the cache: the page is rendered with
placeholders instead of the CSRF token and the CSP nonce, and the real values are
put in on the way out (a token only where the page has a form: asking Django for
one masks it afresh and renews the CSRF cookie). The placeholders are derived
from ``SECRET_KEY``, so nobody can type them into a text field to have them
replaced, and a stored page's key carries a tag of that secret, so a page stored
before the secret changed is never served with placeholders nobody replaces
(scripts refused by the CSP, forms refused for their token). Requests that carry
messages (a flash after a form) or come from htmx are rendered normally and not
stored. Checking a stored page costs one cache round trip (versions and page
together) after the one query of ``scoping.seats_for``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable
from functools import cache as memoize

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import get_nonce
from django.middleware.csrf import get_token
from django.template.loader import render_to_string

from accounts import couple_cache
from accounts.middleware import ROLE_KEY
from accounts.scoping import Seats
from exercises.daily.scheduling import local_today
from exercises.models.daily import NOTIFICATIONS_TOPIC

PAGE_TTL = 600

# A line break and the indentation after it (the templates' own layout, a quarter of the page).
_INDENTATION = re.compile(r"\n\s+")

# A fragment: its template, and the function that makes its context from the request and the seats alone.
Fragment = tuple[str, Callable[[HttpRequest, Seats], dict]]


@memoize
def placeholder(name: str) -> str:
    """A word no one can guess (nor type into a field): derived from the secret key."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"page-cache:{name}".encode(), hashlib.sha256).hexdigest()
    return f"pc{digest[:40]}"


def _per_request() -> dict:
    """What differs per request, as placeholders (``_respond`` puts the real values in)."""
    return {"csrf_token": placeholder("csrf"), "csp_nonce": placeholder("nonce")}


def _cacheable(request: HttpRequest) -> bool:
    # The header django-htmx reads for ``request.htmx``, without building the request's header map.
    if request.method != "GET" or request.META.get("HTTP_HX_REQUEST") == "true":
        return False
    # len() looks at the stored and queued messages without marking them as shown.
    return len(messages.get_messages(request)) == 0


class Lookup:
    """One person's cached page, and the fragments of it that change more often than the rest.

    ``fragments`` maps a context name to a ``Fragment`` (template, context function). The page
    (the shell) is rendered with a placeholder in each fragment's place and stored apart from
    the fragments, each with its own stamp: a check-in then re-renders its card, not the page.
    ``response()`` serves what is stored and renders only what is stale; ``render()`` renders all.
    """

    def __init__(self, request: HttpRequest, name: str, seats: Seats, fragments: dict[str, Fragment] | None = None):
        self.request = request
        self.seats = seats
        self.fragments = fragments or {}
        self.cacheable = _cacheable(request)
        self.shell = None
        self.parts: dict[str, str | None] = dict.fromkeys(self.fragments)
        if not self.cacheable:
            return
        user = request.user
        # The placeholders come from the secret key: a page stored under another key is never found.
        secret = placeholder("key")[2:14]
        root = f"{couple_cache.KEY_ROOT}page:{name}:l{couple_cache.LAYOUT}:s{secret}:c{seats.couple_id}:u{user.pk}"
        self.key = root
        self.fragment_keys = {part: f"{root}:{part}" for part in self.fragments}
        data, checkins, content, unread = (
            couple_cache.couple_version_key(seats.couple_id),
            couple_cache.couple_version_key(seats.couple_id, "checkins"),
            couple_cache.CONTENT_KEY,
            couple_cache.person_version_key(NOTIFICATIONS_TOPIC, user.pk),
        )
        found = couple_cache.read_versions([data, checkins, content, unread], also=[root, *self.fragment_keys.values()])
        shown = (
            request.path,
            request.session.get(ROLE_KEY),
            user.get_short_name(),
            user.time_zone,
            local_today(user).isoformat(),
            seats.partner_id,
            seats.partner_name,
            seats.safety_mode,
            int(time.time() // 60) if seats.partner_id is None else None,
        )
        self.stamp = (found[data], found[content], found[unread], *shown)
        self.fragment_stamp = (found[data], found[checkins], *shown)
        self.shell = _matching(found.get(root), self.stamp)
        for part, key in self.fragment_keys.items():
            self.parts[part] = _matching(found.get(key), self.fragment_stamp)

    @property
    def stored(self) -> bool:
        """The page around the fragments is stored and still right (``response()`` renders stale fragments)."""
        return self.shell is not None

    def response(self) -> HttpResponse:
        """The stored page; fragments that are stale are rendered and stored first."""
        for part, html in self.parts.items():
            if html is None:
                self.parts[part] = self._render_fragment(part)
        page = self.shell
        for part, html in self.parts.items():
            page = page.replace(placeholder(part), html)
        return self._respond(page)

    def render(self, template: str, context: dict) -> HttpResponse:
        """Render the whole page, storing it and its fragments when the request allows."""
        for part in self.fragments:
            self.parts[part] = self._render_fragment(part)
        context = {**context, **_per_request(), **{part: placeholder(part) for part in self.fragments}}
        self.shell = _compact(render_to_string(template, context, self.request))
        if self.cacheable:
            cache.set(self.key, (self.stamp, self.shell), timeout=PAGE_TTL)
        return self.response()

    def _render_fragment(self, part: str) -> str:
        template, make_context = self.fragments[part]
        context = {**make_context(self.request, self.seats), **_per_request()}
        # Without the request, so without the context processors: a stored fragment shows only what its
        # context function gives (nothing of this request's user or messages slips in), and it renders faster.
        html = _compact(render_to_string(template, context))
        if self.cacheable:
            cache.set(self.fragment_keys[part], (self.fragment_stamp, html), timeout=PAGE_TTL)
        return html

    def _respond(self, page: str) -> HttpResponse:
        request = self.request
        csrf = placeholder("csrf")
        if csrf in page:  # only a page with a form asks for a token (which also renews the CSRF cookie)
            page = page.replace(csrf, get_token(request))
        return HttpResponse(page.replace(placeholder("nonce"), str(get_nonce(request))))


def _compact(html: str) -> str:
    """The page without the templates' indentation: once when stored, not on every view.

    A browser shows a run of whitespace as one space, so a line break stands for the
    run; only preformatted text (``pre``, ``textarea``) keeps its spaces, and a page
    holding any is left as it is.
    """
    if "<pre" in html or "<textarea" in html:
        return html
    return _INDENTATION.sub("\n", html)


def _matching(stored, stamp) -> str | None:
    return stored[1] if stored is not None and stored[0] == stamp else None
