"""The isolation matrix with every role, over every URL of the project.

Every URL pattern is enumerated from the resolver (allauth's own and the staff
admin's own aside). Each is filled with the first couple's ids: from
``tests/isolation_cases`` where a case exists (the same cases that
``tests/test_isolation.py`` uses), else from ``EXTRA_CASES`` below. Each is then
requested, GET and POST, by everyone who must not see the first couple:

- an anonymous visitor, an unpaired person, a partner of another couple;
- a therapist linked to the couple but not verified by staff (both partners consented);
- a verified therapist linked to the couple without any consent;
- a verified therapist whose consent one partner revoked;
- a staff user (superuser) who is not a partner.

For a URL that takes an object id (the first couple's), the answer is a
redirect to the log-in page (anonymous visitors), 403, 404, 405 or 410, never a
200 with the couple's data. For every URL: never a 5xx, the marker planted in
the first couple's data appears in no response, and nothing of the first
couple changes.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from accounts.models import AccessLogEntry, TherapistLink, TherapistNote
from accounts.therapists import services as therapy
from exercises.daily import services as daily
from exercises.models import CheckIn, ModuleUnlock, Notification, Recommendation
from tests.factories import UserFactory
from tests.test_isolation import CASES as ISOLATION_CASES
from tests.test_isolation import MARKER, World, _other_couple_partner, _walk, snapshot, world  # noqa: F401
from tests.therapists.helpers import link, make_therapist

pytestmark = pytest.mark.django_db


def _checkin(w: World) -> dict:
    daily.checkin_save(
        user=w.partner_a, couple=w.couple, mood="calm", safety=5, trust=5, need=f"need {w.marker}", share="everything"
    )
    return {}


def _quiet_window(w: World) -> dict:
    daily.quiet_window_set(couple=w.couple, user=w.partner_a, starts=dt.time(22), ends=dt.time(7))
    return {}


def _notification(w: World) -> dict:
    notice = Notification.objects.create(
        user=w.partner_a, kind="appreciation_received", title=f"{w.marker} sent you an appreciation", url="/"
    )
    return {"pk": notice.pk}


def _without_kwargs(_planted: dict) -> dict:
    return {}


# URLs that tests/isolation_cases has no case for: pages of one's own (no couple object in the URL),
# and the daily rhythm's couple URLs until it brings cases of its own (a case there takes precedence).
EXTRA_CASES: dict[str, Callable[[World], dict]] = {
    "landing": lambda w: {},
    "home": lambda w: {},
    "resources": lambda w: {},
    "privacy": lambda w: {},
    "healthz": lambda w: {},
    "accounts:settings": lambda w: {},
    "data:index": lambda w: {},
    "data:export": lambda w: {},
    "data:erase": lambda w: {},
    "data:erased": lambda w: {},
    "daily:checkin": _checkin,
    "daily:quiet_window": _quiet_window,
    "daily:preferences": _quiet_window,
    "daily:notifications": lambda w: _without_kwargs(_notification(w)),
    "daily:notification_read": _notification,
    "daily:notifications_read_all": lambda w: _without_kwargs(_notification(w)),
    "daily:unsubscribe": lambda w: {},
    "therapist:caseload": lambda w: {},
    "therapist:join": lambda w: {},
    "therapist:mfa_required": lambda w: {},
}
CASES = EXTRA_CASES | ISOLATION_CASES


def every_url() -> dict[str, str]:
    """url name -> route, for every pattern of the project but allauth's and the admin's own."""
    found = {}
    for route, name, entry in _walk(get_resolver()):
        module = getattr(entry.callback, "__module__", "")
        if module.startswith(("allauth.", "django.contrib.admin", "django.views.static")) or route.startswith("staff/"):
            continue
        found[name or route] = route
    return found


def test_every_url_has_a_case():
    missing = sorted(set(every_url()) - set(CASES))
    assert not missing, f"Add cases (tests/isolation_cases, or EXTRA_CASES here) for: {missing}"


# --- The roles ---------------------------------------------------------------------------------------


def unverified_therapist(w: World):
    therapist = make_therapist(verified=False, display_name="Dr Pending")
    link(w.couple, therapist)  # both partners consented: only the missing verification keeps them out
    return therapist


def therapist_without_consent(w: World):
    therapist = make_therapist(display_name="Dr Unconsented")
    link(w.couple, therapist, consents={})
    return therapist


def therapist_after_revocation(w: World):
    therapist = make_therapist(display_name="Dr Revoked")
    the_link = link(w.couple, therapist)
    therapy.consent_revoke(link=the_link, partner=w.partner_b)
    return therapist


ROLES: dict[str, Callable[[World], object]] = {
    "anonymous visitor": lambda w: None,
    "unpaired person": lambda w: UserFactory(verified=True, display_name="Loner"),
    "partner of another couple": lambda w: _other_couple_partner(),
    "unverified therapist": unverified_therapist,
    "verified therapist without consent": therapist_without_consent,
    "therapist after revocation": therapist_after_revocation,
    "staff who is not a partner": lambda w: UserFactory(verified=True, is_staff=True, is_superuser=True),
}

LOGIN = reverse("account_login")
REFUSED = {403, 404, 405, 410}


def full_snapshot(w: World) -> tuple:
    return (
        snapshot(w),
        list(TherapistNote.objects.filter(couple=w.couple).values_list("pk", "text")),
        Recommendation.objects.filter(couple=w.couple, dismissed_at__isnull=True).count(),
        ModuleUnlock.objects.filter(couple=w.couple).count(),
        AccessLogEntry.objects.filter(couple=w.couple).count(),
        sorted(TherapistLink.objects.filter(couple=w.couple, ended_at__isnull=True).values_list("pk", flat=True)),
        list(CheckIn.objects.filter(couple=w.couple).values_list("pk", "need", "share")),
        Notification.objects.filter(user__in=[w.partner_a, w.partner_b], read_at__isnull=True).count(),
    )


@pytest.mark.parametrize("url_name", sorted(every_url()))
def test_nobody_else_gets_the_couples_data(world, url_name):  # noqa: F811 - the first couple's world
    route = every_url()[url_name]
    url = reverse(url_name, kwargs=CASES[url_name](world))
    takes_id = "<int:" in route or "<str:" in route  # a curriculum slug is not couple data
    public = url_name == "join_link"  # anyone holding the link may open it; the used link answers 410
    problems = []
    for role, make in ROLES.items():
        visitor = make(world)
        before = full_snapshot(world)
        client = Client()
        if visitor is not None:
            client.force_login(visitor)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            status = response.status_code
            body = html.unescape(response.content.decode(errors="replace"))
            where = f"{method.upper()} {url} as {role}"
            if MARKER.lower() in body.lower():
                problems.append(f"{where}: shows the first couple's data ({status})")
            if status >= 500:
                problems.append(f"{where}: {status}")
            elif takes_id:
                to_login = status == 302 and response["Location"].startswith(LOGIN)
                if not (status in REFUSED or (visitor is None and not public and to_login)):
                    problems.append(f"{where}: {status} {response.get('Location', '')}")
        if full_snapshot(world) != before:
            problems.append(f"{url} as {role} changed the first couple's data")
    assert not problems, "\n".join(problems)


def test_the_roles_are_what_they_claim(world):  # noqa: F811
    """Guard against a matrix that passes because nobody could get in anyway."""
    partner = Client()
    partner.force_login(world.partner_b)
    assert MARKER in html.unescape(partner.get(reverse("couple:together")).content.decode())

    # The revoked therapist did see the couple before the revocation; the others are exactly one step away.
    therapist = make_therapist(display_name="Dr Before")
    the_link = link(world.couple, therapist)
    client = Client()
    client.force_login(therapist)
    couple_page = reverse("therapist:couple", args=[world.couple.pk])
    assert client.get(couple_page).status_code == 200
    therapy.consent_revoke(link=the_link, partner=world.partner_b)
    assert client.get(couple_page).status_code == 404

    staff = ROLES["staff who is not a partner"](world)
    admin = Client()
    admin.force_login(staff)
    assert admin.get(reverse("admin:accounts_couple_change", args=[world.couple.pk])).status_code == 200
