"""Whole-page cache for a person's own couple pages (the dashboard), exact under the cache versions.

A rendered page is stored per person and page, stamped with everything it shows
that can change, and served again only while the stamp still matches:

* the couple's data and check-in versions and the curriculum version
  (``accounts.couple_cache``): any write to the couple's data or to the published
  curriculum changes one of them;
* the person's notification version (the unread count in the navigation): every
  write to their notifications changes it (``exercises.models.daily``);
* the person and their partner as read on this request (ids, names, time zone), the
  session's role (the navigation differs for therapists) and the address;
* the person's local date ("today" on the page, this week's check-ins), and while
  invitations are open (no partner yet) the minute, because their expiry counts down.

The page must not show times relative to the minute otherwise. Anything it reads
outside the couple's data (a therapist's name on a recommendation) can be as old
as ``PAGE_TTL``.

What differs per request never enters the cache: the page is rendered with
placeholders instead of the CSRF token and the CSP nonce, and the real values are
put in on the way out. The placeholders are derived from ``SECRET_KEY``, so
nobody can type them into a text field to have them replaced. Requests that
carry messages (a flash after a form) or come from htmx are rendered normally and
not stored. Checking a stored page costs one cache round trip (versions and page
together) after the one query of ``scoping.seats_for``.
"""

from __future__ import annotations

import hashlib
import hmac
import time
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


@memoize
def placeholder(name: str) -> str:
    """A word no one can guess (nor type into a field): derived from the secret key."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"page-cache:{name}".encode(), hashlib.sha256).hexdigest()
    return f"pc{digest[:40]}"


def _cacheable(request: HttpRequest) -> bool:
    if request.method != "GET" or getattr(request, "htmx", False):
        return False
    # len() looks at the stored and queued messages without marking them as shown.
    return len(messages.get_messages(request)) == 0


class Lookup:
    """One person's cached page: ``response()`` when the stored page still holds, else ``render()`` it."""

    def __init__(self, request: HttpRequest, name: str, seats: Seats):
        self.request = request
        self.cacheable = _cacheable(request)
        self.stored = None
        if not self.cacheable:
            return
        user = request.user
        self.key = f"{couple_cache.KEY_ROOT}page:{name}:l{couple_cache.LAYOUT}:c{seats.couple_id}:u{user.pk}"
        version_keys = [
            couple_cache.couple_version_key(seats.couple_id),
            couple_cache.couple_version_key(seats.couple_id, "checkins"),
            couple_cache.CONTENT_KEY,
            couple_cache.person_version_key(NOTIFICATIONS_TOPIC, user.pk),
        ]
        found = couple_cache.read_versions(version_keys, also=[self.key])
        self.stamp = (
            *(found[key] for key in version_keys),
            request.path,
            request.session.get(ROLE_KEY),
            user.get_short_name(),
            user.time_zone,
            local_today(user).isoformat(),
            seats.partner_id,
            seats.partner_name,
            int(time.time() // 60) if seats.partner_id is None else None,
        )
        stored = found.get(self.key)
        if stored is not None and stored[0] == self.stamp:
            self.stored = stored[1]

    @property
    def hit(self) -> bool:
        return self.stored is not None

    def response(self) -> HttpResponse:
        return self._respond(self.stored)

    def render(self, template: str, context: dict) -> HttpResponse:
        if not self.cacheable:
            return HttpResponse(render_to_string(template, context, self.request))
        context = {**context, "csrf_token": placeholder("csrf"), "csp_nonce": placeholder("nonce")}
        page = render_to_string(template, context, self.request)
        cache.set(self.key, (self.stamp, page), timeout=PAGE_TTL)
        return self._respond(page)

    def _respond(self, page: str) -> HttpResponse:
        request = self.request
        page = page.replace(placeholder("csrf"), get_token(request)).replace(
            placeholder("nonce"), str(get_nonce(request))
        )
        return HttpResponse(page)
