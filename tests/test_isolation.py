"""The isolation matrix: nobody outside a couple reaches anything of it, through any URL.

Every URL pattern of the project is enumerated from the resolver. Each one in
the couple area (under /couple/ or /join/, or taking an object id, and not
allauth's or the admin's own) must have a case in ``CASES`` that says how to
fill its arguments from the first couple's data; a new couple URL without a
case fails ``test_every_couple_url_has_a_case``, so later features inherit the
check. Each case is requested as a partner of another couple, an unpaired user
and an anonymous visitor: ids of the first couple answer 404 (or the login
redirect for anonymous visitors), and a marker planted in the first couple's
data appears in no response.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import Couple, Invitation, OnboardingResponse, User
from accounts.models.couple import hash_token
from accounts.services import onboarding, pairing
from tests.factories import UserFactory
from tests.isolation_cases import all_cases

MARKER = "ISOLATION-MARKER-5e1f"
LINK_TOKEN = "isolation-test-link-token-not-secret"


@dataclass
class World:
    couple: Couple
    invitation: Invitation
    partner_a: User
    partner_b: User
    marker: str = MARKER


# url name -> kwargs built from the first couple's world (couple-space cases here,
# every later feature's in tests/isolation_cases/).
CASES: dict[str, Callable[[World], dict]] = {
    "couple:dashboard": lambda w: {},
    "couple:create": lambda w: {},
    "couple:invite_email": lambda w: {},
    "couple:invite_code": lambda w: {},
    "couple:invitation_revoke": lambda w: {"pk": w.invitation.pk},
    "couple:join_code": lambda w: {},
    "couple:onboarding": lambda w: {},
    "couple:together": lambda w: {},
    "couple:safety_check": lambda w: {},
    "couple:safety_support": lambda w: {},
    "couple:leave": lambda w: {},
    "couple:dismiss_notice": lambda w: {},
    "join_link": lambda w: {"token": LINK_TOKEN},
} | all_cases()


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), (f"{namespace}{entry.name}" if entry.name else None), entry


def couple_area_urls() -> dict[str, str]:
    """url name -> route, for every pattern this test must cover."""
    found = {}
    for route, name, entry in _walk(get_resolver()):
        module = getattr(entry.callback, "__module__", "")
        if module.startswith(("allauth.", "django.contrib.admin", "django.views.static")) or route.startswith("staff/"):
            continue  # allauth's own keys, and the staff admin (covered below)
        takes_id = "<" in route
        if route.startswith(("couple/", "join/")) or takes_id:
            found[name or route] = route
    return found


def test_every_couple_url_has_a_case():
    missing = sorted(set(couple_area_urls()) - set(CASES))
    assert not missing, f"Add isolation cases for these couple-area URLs: {missing}"
    stale = sorted(set(CASES) - set(couple_area_urls()))
    assert not stale, f"These cases name URLs that no longer exist: {stale}"


@pytest.fixture
def world(partner_a, partner_b) -> World:
    partner_a.display_name = f"Avery {MARKER}"
    partner_a.save()
    partner_b.display_name = f"Blake {MARKER}"
    partner_b.save()
    couple = pairing.couple_create(user=partner_a)
    invitation = Invitation.objects.create(
        couple=couple,
        inviter=partner_a,
        kind=Invitation.Kind.LINK,
        email=f"{MARKER.lower()}@example.test",
        token_hash=hash_token(LINK_TOKEN),
        expires_at=timezone.now() + timedelta(hours=72),
    )
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
        user=partner_a,
        couple=couple,
        afraid_of_partner="no",
        threats_or_violence="no",
        note=f"safety note {MARKER}",
    )
    invitation.refresh_from_db()
    return World(couple=couple, invitation=invitation, partner_a=partner_a, partner_b=partner_b)


def _other_couple_partner():
    first = UserFactory(verified=True, display_name="Other One")
    second = UserFactory(verified=True, display_name="Other Two")
    pairing.couple_create(user=first)
    code = pairing.invitation_create_code(couple=pairing.Couple.objects.for_user(first).get(), inviter=first)
    pairing.invitation_accept(invitation=code, user=second)
    return first


ROLES = {
    "partner of another couple": _other_couple_partner,
    "unpaired user": lambda: UserFactory(verified=True, display_name="Loner"),
    "anonymous visitor": lambda: None,
}


def snapshot(world: World) -> tuple:
    world.couple.refresh_from_db()
    world.invitation.refresh_from_db()
    return (
        world.couple.ended_at,
        world.couple.safety_mode,
        world.invitation.status,
        [m.user_id for m in world.couple.current_memberships()],
        OnboardingResponse.objects.filter(couple=world.couple).count(),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("url_name", sorted(CASES))
def test_outsiders_get_nothing(world, role, url_name):
    url = reverse(url_name, kwargs=CASES[url_name](world))
    route = couple_area_urls()[url_name]
    takes_id = "<int:" in route or "<str:" in route  # an object id (a curriculum slug is not couple data)
    before = snapshot(world)
    visitor = ROLES[role]()
    client = Client()
    if visitor is not None:
        client.force_login(visitor)

    for method in ("get", "post"):
        response = getattr(client, method)(url)
        body = html.unescape(response.content.decode(errors="replace"))
        assert MARKER not in body, f"{method.upper()} {url} as {role} shows the first couple's data"
        assert MARKER.lower() not in body.lower()
        if visitor is None and url_name != "join_link":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], (method, url)
        elif takes_id:
            # A GET on a POST-only URL is 405 whatever the id, so it tells nothing either.
            allowed = (404, 410) if method == "post" else (404, 405, 410)
            assert response.status_code in allowed, f"{method.upper()} {url} as {role}: {response.status_code}"
        else:
            assert response.status_code < 500

    assert snapshot(world) == before, f"{url} as {role} changed the first couple's data"


@pytest.mark.django_db
def test_partners_themselves_can_reach_their_pages(client, world, partner_b):
    """The matrix would pass trivially if the pages were broken for everyone: check the owners get in."""
    client.force_login(partner_b)
    for url_name in ("couple:dashboard", "couple:together", "couple:leave"):
        response = client.get(reverse(url_name))
        assert response.status_code == 200
        assert MARKER in html.unescape(response.content.decode())


@pytest.mark.django_db
def test_the_staff_admin_is_closed_to_partners(client, world, partner_a):
    client.force_login(partner_a)
    for url in (
        reverse("admin:index"),
        reverse("admin:accounts_couple_change", args=[world.couple.pk]),
        reverse("admin:accounts_invitation_changelist"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and reverse("admin:login") in response["Location"], url
