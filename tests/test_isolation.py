"""The isolation matrix: nobody outside a couple reaches anything of it, through any URL, in any role.

One matrix, three parameters: (url, role, expected outcome).

URLs
    Every URL pattern of the project, enumerated from the resolver (allauth's
    own and the staff admin's own aside). Each must have exactly one case in
    ``tests/isolation_cases`` that fills its arguments with the first couple's
    ids (creating that data on the way, with ``MARKER`` in every text it
    writes); a new URL without a case, or a case whose URL is gone, fails
    ``test_every_url_has_one_case``, so later features inherit the check.

Roles
    Everyone who must not see the first couple: an anonymous visitor, an
    unpaired user, a partner of another couple, a staff user who is not a
    partner, a therapist linked with both consents but not verified by staff,
    a verified therapist linked without any consent, and one whose consent a
    partner revoked, on every URL; and on the therapist's pages of the couple,
    also a therapist consented by one partner only, the couple's own
    therapist after a revocation and after the link ended, and a therapist of
    another couple.

Expected outcomes
    ``login``: the log-in redirect (an anonymous visitor anywhere in the
    couple area, ids included, the join link aside). ``404``: exactly 404,
    GET and POST (a therapist on the therapist's pages of the couple).
    ``refused``: 404 or 410 (GET may also be 405: a POST-only URL tells
    nothing either way; an outsider on any other URL with an id of the first
    couple). ``refused or forbidden``: 403, 404, 405 or 410 (a therapist or
    staff user there: therapists are refused writes in the couple area with a
    403 before any couple is looked up).
    ``no error``: below 500 (pages with no couple object in the URL). On top
    of the outcome, always: never a 5xx, the marker appears in no response
    (case-insensitively), and nothing of the first couple changes.

The first couple's world is built once per module inside a transaction rolled
back at the end (the pattern of ``tests/hostile/conftest.py``); each test runs
in its own savepoint, so a case's data and a role's requests never reach the
next test.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import (
    AccessLogEntry,
    Consent,
    Couple,
    Invitation,
    OnboardingResponse,
    TherapistLink,
    TherapistNote,
    User,
)
from accounts.models.couple import hash_token
from accounts.services import onboarding, pairing
from accounts.therapists import services as therapy
from exercises.models import CheckIn, ModuleUnlock, Notification, Recommendation
from tests.couple.conftest import pair
from tests.factories import UserFactory
from tests.helpers import sign_in_as, staff_login
from tests.isolation_cases import all_cases
from tests.therapists.helpers import link, make_therapist

pytestmark = pytest.mark.django_db

MARKER = "ISOLATION-MARKER-5e1f"
LINK_TOKEN = "isolation-test-link-token-not-secret"
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN = reverse("account_login")
# What the therapist's pages are posted (a valid note, suggestion or unlock, were the therapist let in).
THERAPIST_FORM = {"text": "x", "module": 1, "exercise": 1}


@dataclass
class World:
    couple: Couple
    invitation: Invitation
    partner_a: User
    partner_b: User
    marker: str = MARKER
    link_token: str = LINK_TOKEN
    people: dict[str, User] = field(default_factory=dict)  # the roles built once with the world


CASES: dict[str, Callable[[World], dict]] = all_cases()


# --- The URLs ------------------------------------------------------------------------------------------


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), (f"{namespace}{entry.name}" if entry.name else None), entry


def every_url() -> dict[str, str]:
    """url name -> route, for every pattern of the project but allauth's and the staff admin's own."""
    found = {}
    for route, name, entry in _walk(get_resolver()):
        module = getattr(entry.callback, "__module__", "")
        if module.startswith(("allauth.", "django.contrib.admin", "django.views.static")) or route.startswith("staff/"):
            continue  # allauth's own keys, and the staff admin (test_the_staff_admin_is_closed_to_partners)
        found[name or route] = route
    return found


URLS = every_url()


def takes_id(route: str) -> bool:
    return "<int:" in route or "<str:" in route  # an object id (a curriculum slug is not couple data)


def in_couple_area(route: str) -> bool:
    return route.startswith(("couple/", "join/")) or takes_id(route)


# The therapist's pages of one couple: what a therapist who may not see the couple tries first.
THERAPIST_COUPLE_URLS = sorted(
    name for name, route in URLS.items() if name.startswith("therapist:") and "<int:couple_id>" in route
)


def test_every_url_has_one_case():
    missing = sorted(set(URLS) - set(CASES))
    assert not missing, f"Add isolation cases (tests/isolation_cases) for these URLs: {missing}"
    stale = sorted(set(CASES) - set(URLS))
    assert not stale, f"These cases name URLs that no longer exist: {stale}"


# --- The roles -----------------------------------------------------------------------------------------


def _other_couple_partner(w: World) -> User:
    first = UserFactory(verified=True, display_name="Other One")
    pair(first, UserFactory(verified=True, display_name="Other Two"))
    return first


def _unverified_therapist(w: World) -> User:
    therapist = make_therapist(verified=False, display_name="Dr Pending")
    link(w.couple, therapist)  # both partners consented: only the missing verification keeps them out
    return therapist


def _therapist_without_consent(w: World) -> User:
    therapist = make_therapist(display_name="Dr Unconsented")
    link(w.couple, therapist, consents={})
    return therapist


def _therapist_after_revocation(w: World) -> User:
    """Saw the couple, until partner B revoked their consent."""
    therapist = make_therapist(display_name="Dr Revoked")
    the_link = link(w.couple, therapist)
    client = Client()
    client.force_login(therapist)
    assert client.get(reverse("therapist:couple", args=[w.couple.pk])).status_code == 200
    therapy.consent_revoke(link=the_link, partner=w.partner_b)
    return therapist


def _therapist_with_partial_consent(w: World) -> User:
    """Linked, but only one partner ever consented (to everything)."""
    therapist = make_therapist(display_name="Dr Halfway")
    link(w.couple, therapist, consents={w.partner_a: {"progress": True, "trends": True, "writing": True}})
    return therapist


def _therapist_of_another_couple(w: World) -> User:
    therapist = make_therapist(display_name="Dr Elsewhere")
    link(pair(UserFactory(verified=True), UserFactory(verified=True)), therapist)
    return therapist


def _case_therapist_after(change: Callable[[TherapistLink, World], object]) -> Callable[[World], User]:
    """The marked therapist of the case (``tests/isolation_cases/therapist.py``), after ``change``; they got in before."""

    def make(w: World) -> User:
        the_link = TherapistLink.objects.get(couple=w.couple, therapist__display_name=f"Dr {MARKER}")
        client = Client()
        client.force_login(the_link.therapist)
        assert client.get(reverse("therapist:couple", args=[w.couple.pk])).status_code == 200
        change(the_link, w)
        return the_link.therapist

    return make


ANONYMOUS, OUTSIDER, THERAPIST, STAFF = "anonymous", "outsider", "therapist", "staff"
EVERY_URL = tuple(sorted(URLS))


@dataclass(frozen=True)
class Role:
    kind: str
    make: Callable[[World], User | None]
    urls: tuple[str, ...] = EVERY_URL
    with_the_world: bool = True  # built once with the world; else in the test, after the case made its data


ROLES: dict[str, Role] = {
    "anonymous visitor": Role(ANONYMOUS, lambda w: None),
    "unpaired user": Role(OUTSIDER, lambda w: UserFactory(verified=True, display_name="Loner")),
    "partner of another couple": Role(OUTSIDER, _other_couple_partner),
    "staff who is not a partner": Role(STAFF, lambda w: UserFactory(verified=True, is_staff=True, is_superuser=True)),
    "unverified therapist with both consents": Role(THERAPIST, _unverified_therapist),
    "therapist without consent": Role(THERAPIST, _therapist_without_consent),
    "therapist after revocation": Role(THERAPIST, _therapist_after_revocation),
    "therapist with one partner's consent": Role(THERAPIST, _therapist_with_partial_consent, THERAPIST_COUPLE_URLS),
    "therapist of another couple": Role(THERAPIST, _therapist_of_another_couple, THERAPIST_COUPLE_URLS),
    "the couple's therapist after revocation": Role(
        THERAPIST,
        _case_therapist_after(lambda the_link, w: therapy.consent_revoke(link=the_link, partner=w.partner_b)),
        THERAPIST_COUPLE_URLS,
        with_the_world=False,
    ),
    "the couple's therapist after the link ended": Role(
        THERAPIST,
        _case_therapist_after(lambda the_link, w: therapy.link_end(link=the_link, partner=w.partner_a)),
        THERAPIST_COUPLE_URLS,
        with_the_world=False,
    ),
}


# --- The expected outcomes -----------------------------------------------------------------------------

LOGIN_REDIRECT, NOT_FOUND, REFUSED, FORBIDDEN, NO_ERROR = "login", "404", "refused", "refused or forbidden", "no error"


def expected(role: Role, url_name: str) -> str:
    route = URLS[url_name]
    if role.kind == ANONYMOUS and url_name != "join_link":  # anyone holding the link may open it; used, it is 410
        return LOGIN_REDIRECT if in_couple_area(route) else NO_ERROR
    if not takes_id(route):
        return NO_ERROR
    if role.kind == THERAPIST and url_name in THERAPIST_COUPLE_URLS:
        return NOT_FOUND
    return REFUSED if role.kind == OUTSIDER else FORBIDDEN


def meets(outcome: str, method: str, response) -> bool:
    status = response.status_code
    if outcome == LOGIN_REDIRECT:
        return status == 302 and response["Location"].startswith(LOGIN)
    if outcome == NOT_FOUND:
        return status == 404
    if outcome == REFUSED:
        return status in ((404, 410) if method == "post" else (404, 405, 410))
    if outcome == FORBIDDEN:
        return status in (403, 404, 405, 410)
    return status < 500


MATRIX = [
    pytest.param(url_name, role_name, expected(role, url_name), id=f"{url_name}-{role_name}-{expected(role, url_name)}")
    for url_name in sorted(URLS)
    for role_name, role in ROLES.items()
    if url_name in role.urls
]


# --- The first couple's world --------------------------------------------------------------------------


def build_world() -> World:
    partner_a = UserFactory(verified=True, email="partner-a@example.test", display_name=f"Avery {MARKER}")
    partner_b = UserFactory(verified=True, email="partner-b@example.test", display_name=f"Blake {MARKER}")
    couple = pairing.couple_create(user=partner_a)
    invitation = Invitation.objects.create(
        couple=couple,
        inviter=partner_a,
        kind=Invitation.Kind.LINK,
        email=f"{MARKER.lower()}@example.test",
        token_hash=hash_token(LINK_TOKEN),
        expires_at=timezone.now() + timedelta(hours=72),
    )
    # An emailed link is accepted only by its address: B confirmed it as a second address.
    EmailAddress.objects.create(user=partner_b, email=invitation.email, verified=True, primary=False)
    pairing.invitation_accept(invitation=invitation, user=partner_b)
    for person in (partner_a, partner_b):
        onboarding.onboarding_submit(
            couple=couple,
            user=person,
            roles={"other": "both"},
            other_fracture=f"{person.email} wrote {MARKER}",
            baseline_safety=3,
            baseline_trust=3,
        )
    onboarding.safety_check_save(
        user=partner_a, afraid_of_partner="no", threats_or_violence="no", note=f"safety note {MARKER}"
    )
    invitation.refresh_from_db()
    world = World(couple=couple, invitation=invitation, partner_a=partner_a, partner_b=partner_b)
    for name, role in ROLES.items():
        if role.with_the_world:
            world.people[name] = role.make(world)
    return world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


def snapshot(w: World) -> tuple:
    """Everything of the first couple a request must not change."""
    w.couple.refresh_from_db()
    w.invitation.refresh_from_db()
    return (
        w.couple.ended_at,
        w.invitation.status,
        [m.user_id for m in w.couple.current_memberships()],
        OnboardingResponse.objects.filter(couple=w.couple).count(),
        [(n.pk, n.text) for n in TherapistNote.objects.filter(couple=w.couple).order_by("pk")],
        list(Recommendation.objects.filter(couple=w.couple).order_by("pk").values_list("pk", "dismissed_at")),
        ModuleUnlock.objects.filter(couple=w.couple).count(),
        AccessLogEntry.objects.filter(couple=w.couple).count(),
        sorted(TherapistLink.objects.filter(couple=w.couple, ended_at__isnull=True).values_list("pk", flat=True)),
        sorted(Consent.objects.filter(link__couple=w.couple, revoked_at__isnull=True).values_list("pk", flat=True)),
        [(c.pk, c.need, c.share) for c in CheckIn.objects.filter(couple=w.couple).order_by("pk")],
        Notification.objects.filter(user__in=[w.partner_a, w.partner_b], read_at__isnull=True).count(),
    )


# --- The matrix ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("url_name", "role_name", "outcome"), MATRIX)
def test_nobody_else_gets_the_couples_data(world, url_name, role_name, outcome):
    url = reverse(url_name, kwargs=CASES[url_name](world))
    role = ROLES[role_name]
    visitor = world.people[role_name] if role.with_the_world else role.make(world)
    before = snapshot(world)
    client = Client()
    if visitor is not None:
        sign_in_as(client, visitor)
    data = THERAPIST_FORM if url_name.startswith("therapist:") else {}

    for method in ("get", "post"):
        response = getattr(client, method)(url, data)
        where = f"{method.upper()} {url} as {role_name}: {response.status_code} {response.get('Location', '')}"
        body = html.unescape(response.content.decode(errors="replace"))
        assert MARKER.lower() not in body.lower(), f"{where} shows the first couple's data"
        assert response.status_code < 500, where
        assert meets(outcome, method, response), f"{where}, expected {outcome}"

    assert snapshot(world) == before, f"{url} as {role_name} changed the first couple's data"


# --- Guards: the matrix would pass trivially if the pages were broken for everyone ------------------------


def test_the_owners_do_get_in(world):
    partner = Client()
    partner.force_login(world.partner_b)
    for url_name in ("couple:dashboard", "couple:together", "couple:leave"):
        response = partner.get(reverse(url_name))
        assert response.status_code == 200, url_name
        assert MARKER in html.unescape(response.content.decode()), url_name

    kwargs = CASES["therapist:couple"](world)
    therapist = Client()
    therapist.force_login(
        TherapistLink.objects.get(couple=world.couple, therapist__display_name=f"Dr {MARKER}").therapist
    )
    response = therapist.get(reverse("therapist:couple", kwargs=kwargs))
    assert response.status_code == 200
    assert f"question {MARKER}" in html.unescape(response.content.decode())

    # The staff user is refused the couple's pages, not the admin's (where they may see it, staff-only).
    staff = Client()
    staff_login(staff, world.people["staff who is not a partner"])
    assert staff.get(reverse("admin:accounts_couple_change", args=[world.couple.pk])).status_code == 200


def test_the_staff_admin_is_closed_to_partners(world):
    client = Client()
    client.force_login(world.partner_a)
    for url in (
        reverse("admin:index"),
        reverse("admin:accounts_couple_change", args=[world.couple.pk]),
        reverse("admin:accounts_invitation_changelist"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and reverse("admin:login") in response["Location"], url
