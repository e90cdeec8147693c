"""Before the load: one request of each kind with the prepared sessions, checked for status, content and effect.

A session that did not work would show as a redirect to the sign-in page and a
CSRF problem as a 403, so the load that follows measures the real pages.
"""

from __future__ import annotations

import http.client
from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import CommandError
from django.utils import timezone

from . import mix
from .server import HOST, Server
from .sessions import SessionFile

CHECKIN_BODY = "mood=calm&safety=6&trust=5&need=&share=ratings&therapist_visible=on"
# Text each page must contain (None: only the status is checked).
MARKERS = {"dashboard": b"Waiting for you", "caseload": b"<table"}


@dataclass
class Check:
    label: str
    method: str
    path: str
    headers: dict[str, str]
    body: str | None = None
    expected: int = 200
    marker: bytes | str | None = None  # text of a 200, Location of a redirect


def _checks(server: Server, sessions: SessionFile, paths: dict[str, str | None]) -> list[Check]:
    _, partner_key, exercise_path = sessions.partners[0]
    partner_cookie = f"{settings.SESSION_COOKIE_NAME}={partner_key}"
    partner = {"Cookie": partner_cookie}
    checks = []
    for kind in ("dashboard", "exercise", "exercises", "progress", "journey", "questions", "agreements"):
        path = exercise_path if kind == "exercise" else paths.get(kind)
        if kind in sessions.weights and path:
            checks.append(Check(mix.LABELS[kind], "GET", path, partner, marker=MARKERS.get(kind)))
    reference = mix.reference_path()
    checks.append(Check("reference", "GET", reference, partner, marker=b"ok"))
    checks.append(Check("reference without a session", "GET", reference, {}, marker=b"ok"))
    if "checkin" in sessions.weights:
        headers = {
            "Cookie": f"{partner_cookie}; {settings.CSRF_COOKIE_NAME}={sessions.csrf_token}",
            "X-CSRFToken": sessions.csrf_token,
            "Origin": server.url,
            "Referer": server.url + paths["checkin"],
            "Content-Type": "application/x-www-form-urlencoded",
        }
        checks.append(
            Check("check-in post", "POST", paths["checkin"], headers, CHECKIN_BODY, 302, marker=paths["checkin"])
        )
    if "caseload" in sessions.weights:
        cookie = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={sessions.therapists[0][1]}"}
        checks.append(Check(mix.LABELS["caseload"], "GET", paths["caseload"], cookie, marker=MARKERS["caseload"]))
    if "therapist_couple" in sessions.weights:
        # A few couples of every therapist the load will use (the rule that picked them is the app's own).
        for _, key, couple_paths in sessions.therapists:
            cookie = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={key}"}
            checks += [Check(mix.LABELS["therapist_couple"], "GET", path, cookie) for path in couple_paths[:3]]
    return checks


def preflight(server: Server, sessions: SessionFile, paths: dict[str, str | None]) -> str:
    """Run the checks; raises ``CommandError`` on the first one that fails, else says what was checked."""
    from exercises.models import CheckIn

    checks = _checks(server, sessions, paths)
    started = timezone.now()
    for check in checks:
        conn = http.client.HTTPConnection(HOST, server.port, timeout=30)
        try:
            conn.request(check.method, check.path, body=check.body, headers=check.headers)
            reply = conn.getresponse()
            content = reply.read()
        finally:
            conn.close()
        location = reply.getheader("Location") or ""
        if check.expected in (301, 302, 303):
            ok = reply.status == check.expected and location == check.marker
        else:
            ok = reply.status == check.expected and (check.marker is None or check.marker in content)
        if not ok:
            where = location or content[:300].decode("utf-8", "replace")
            raise CommandError(
                f"Pre-flight: {check.label} ({check.method} {check.path}) answered {reply.status}, "
                f"expected {check.expected}: {where}\nServer log: {server.error_log}"
            )
    partner_id = sessions.partners[0][0]
    if (
        "checkin" in sessions.weights
        and not CheckIn.objects.filter(user_id=partner_id, updated_at__gte=started).exists()
    ):
        raise CommandError("Pre-flight: the check-in post answered as expected but saved no check-in.")
    kinds = len({check.label for check in checks})
    return (
        f"Pre-flight: {kinds} kinds of request ({len(checks)} requests) answer as expected with the prepared sessions."
    )
