"""Session policy: timeouts per role, ending a person's other sessions, and read-only therapists.

Timeouts (``settings.SESSION_TIMEOUTS``, seconds): a therapist's session ends
after 15 minutes without a request and 12 hours after sign-in; a partner's
after 14 days without a request and 30 days after sign-in. The clock lives in
the session itself (set at log-in), so it needs no extra query. The last-seen
time is written at most once a minute for therapists (once an hour for
partners), so a session can end up to that much *earlier* than the limit,
never later.

Other sessions: every session key a person signs in with is remembered in the
cache (``remember_session``). Logging out, changing or setting a password, and
resetting it delete the person's other sessions from the session store at
once. Independently of that list, Django itself refuses a session whose stored
password hash no longer matches (``get_user``), so a password change ends
every other session even if the cache was lost.

Read-only therapists: a person signed in as a therapist (they have a
therapist profile) who is not a current partner in a couple of their own gets
403 for any POST/PUT/PATCH/DELETE to the partner areas (URL namespaces
``couple``, ``couple_therapist`` and ``exercises``; the views ``join_link``,
``daily:checkin`` and ``daily:quiet_window``), whatever the view does. A new
partner URL module is covered once its namespace is added to
``PARTNER_NAMESPACES`` (or its views to ``PARTNER_VIEW_NAMES``). Therapist
accounts are for practice: starting or joining a couple space of one's own
is a partner write too, so it needs a separate account.
"""

from __future__ import annotations

from importlib import import_module

from allauth.account.signals import password_changed, password_reset, password_set
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone
from django.utils.cache import patch_cache_control

ROLE_KEY = "tr_role"
AUTH_AT_KEY = "tr_auth_at"
SEEN_AT_KEY = "tr_seen_at"
THERAPIST, PARTNER = "therapist", "partner"

# The partner areas: whole URL namespaces, plus single views of other modules (by view name).
PARTNER_NAMESPACES = frozenset({"couple", "couple_therapist", "exercises"})
PARTNER_VIEW_NAMES = frozenset({"join_link", "daily:checkin", "daily:quiet_window"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def _now() -> float:
    return timezone.now().timestamp()


def timeouts(role: str) -> tuple[int, int]:
    """(idle, absolute) seconds for a role."""
    limits = settings.SESSION_TIMEOUTS[THERAPIST if role == THERAPIST else PARTNER]
    return limits["idle"], limits["absolute"]


def _refresh_every(idle: int) -> int:
    return max(1, min(idle // 15, 3600))


def role_of(user) -> str:
    from accounts.models import TherapistProfile

    return THERAPIST if TherapistProfile.objects.filter(user_id=user.pk).exists() else PARTNER


def start_session_clock(request: HttpRequest, role: str) -> None:
    now = _now()
    request.session[ROLE_KEY] = role
    request.session[AUTH_AT_KEY] = now
    request.session[SEEN_AT_KEY] = now
    # The cookie's own lifetime is left alone: allauth sets it from "remember me".


def mark_therapist(request: HttpRequest) -> None:
    """The person just became a therapist (``/therapist/join/``): therapist limits apply from now on."""
    start_session_clock(request, THERAPIST)


def is_therapist_session(request: HttpRequest) -> bool:
    return request.session.get(ROLE_KEY) == THERAPIST


# --- Remembering and ending a person's sessions ---------------------------------------------


def _registry_key(user_id: int) -> str:
    return f"trustrepair:sessions:{user_id}"


def _registry_ttl() -> int:
    return max(limits["absolute"] for limits in settings.SESSION_TIMEOUTS.values())


def remember_session(user_id: int, session_key: str | None) -> None:
    if not session_key:
        return
    keys = cache.get(_registry_key(user_id)) or []
    if session_key not in keys:
        keys = [*keys, session_key][-50:]  # a bound, in case someone signs in from very many places
        cache.set(_registry_key(user_id), keys, timeout=_registry_ttl())


def end_other_sessions(user_id: int, *, keep: str | None) -> int:
    """Delete every remembered session of the person except ``keep``. Returns how many were ended."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = cache.get(_registry_key(user_id)) or []
    ended = 0
    for key in keys:
        if key != keep:
            store().delete(key)
            ended += 1
    cache.set(_registry_key(user_id), [keep] if keep else [], timeout=_registry_ttl())
    return ended


def _current_key(request) -> str | None:
    session = getattr(request, "session", None)
    return session.session_key if session is not None else None


@receiver(user_logged_in, dispatch_uid="trustrepair_session_login")
def _on_login(sender, request, user, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    start_session_clock(request, role_of(user))
    if request.session.session_key is None:
        request.session.save()
    remember_session(user.pk, request.session.session_key)


@receiver(user_logged_out, dispatch_uid="trustrepair_session_logout")
def _on_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        end_other_sessions(user.pk, keep=None)


@receiver(password_changed, dispatch_uid="trustrepair_session_password_changed")
@receiver(password_set, dispatch_uid="trustrepair_session_password_set")
@receiver(password_reset, dispatch_uid="trustrepair_session_password_reset")
def _on_password_change(sender, request, user, **kwargs) -> None:
    signed_in_here = getattr(request, "user", None) is not None and request.user.pk == user.pk
    keep = _current_key(request) if signed_in_here else None
    end_other_sessions(user.pk, keep=keep)
    if keep:
        remember_session(user.pk, keep)


# --- The middleware -----------------------------------------------------------------------------


class SessionPolicyMiddleware:
    """Ends sessions past their idle or absolute limit, refuses therapists' writes to partner areas,
    and marks every response ``Cache-Control: no-store``.

    Must come after ``AuthenticationMiddleware`` and ``MessageMiddleware``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if request.user.is_authenticated:
            self._enforce_timeouts(request)
        response = self.get_response(request)
        # Every page here is someone's (or a form with their CSRF token): never kept by a browser's
        # back-forward cache on a shared device, nor by a proxy. Static files never reach this (whitenoise).
        patch_cache_control(response, no_store=True)
        return response

    def _enforce_timeouts(self, request: HttpRequest) -> None:
        session = request.session
        role = session.get(ROLE_KEY)
        if role is None:  # a session from before this policy, or a log-in that bypassed the signal
            role = role_of(request.user)
            session[ROLE_KEY] = role
        idle, absolute = timeouts(role)
        now = _now()
        auth_at = session.get(AUTH_AT_KEY)
        seen_at = session.get(SEEN_AT_KEY, auth_at)
        if auth_at is None:
            session[AUTH_AT_KEY] = session[SEEN_AT_KEY] = now
            return
        if now - auth_at > absolute:
            self._end(
                request,
                "For your privacy you were signed out: sessions last at most "
                f"{_duration(absolute)}. Please sign in again.",
            )
        elif now - seen_at > idle:
            self._end(
                request,
                f"For your privacy you were signed out after {_duration(idle)} without activity. Please sign in again.",
            )
        elif now - seen_at >= _refresh_every(idle):
            session[SEEN_AT_KEY] = now

    def _end(self, request: HttpRequest, message: str) -> None:
        # Only this session: a timeout is not a log-out, so other devices stay signed in.
        request.session.flush()
        request.user = AnonymousUser()

        async def anonymous():
            return request.user

        request.auser = anonymous
        messages.info(request, message)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if request.method in SAFE_METHODS:
            return None
        match = request.resolver_match
        if match is None or not (
            PARTNER_NAMESPACES.intersection(match.namespaces) or match.view_name in PARTNER_VIEW_NAMES
        ):
            return None
        if not request.user.is_authenticated or not is_therapist_session(request):
            return None
        from accounts.models import Membership

        if Membership.objects.filter(user=request.user, left_at__isnull=True, couple__ended_at__isnull=True).exists():
            return None  # a therapist who is also a partner in their own couple writes to their own space
        raise PermissionDenied("Therapists have read-only access to couple data.")


class LocalTimeMiddleware:
    """Shows every time and date in the signed-in person's own zone (``User.time_zone``).

    Activated for the whole request, so each ``|date``/``|time`` in a template and each
    ``timezone.localtime()`` in code is local by construction, and no template has to remember
    a ``|timezone`` filter. A zone name this machine does not know falls back to UTC, as
    ``exercises.daily.scheduling.local_now`` does. Must come after ``SessionPolicyMiddleware``
    (a session that just timed out is anonymous, so it sees UTC).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        from accounts.local_time import shown_to

        with shown_to(getattr(request, "user", None)):
            return self.get_response(request)


def _duration(seconds: int) -> str:
    if seconds % 86400 == 0:
        days = seconds // 86400
        return f"{days} day{'s' if days != 1 else ''}"
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    minutes = max(1, seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
