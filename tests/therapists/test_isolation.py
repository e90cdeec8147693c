"""The isolation matrix, extended to therapists: without consent, after revocation, and every other way of not qualifying.

Every therapist URL that takes a couple id is requested (GET and POST) by a
therapist who has the first couple's data planted around them but may not
see it: 404 every time, no marked text in any response, nothing changed and
nothing written to the access log.
"""

import html

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AccessLogEntry, TherapistNote
from accounts.therapists import services
from exercises.models import ModuleUnlock, Recommendation
from tests.isolation_cases.therapist import CASES
from tests.test_isolation import MARKER, world  # noqa: F401 - the first couple's world, shared with the matrix
from tests.therapists.helpers import link, make_therapist

pytestmark = pytest.mark.django_db

COUPLE_URLS = sorted(name for name in CASES if name.startswith("therapist:") and name != "therapist:invitation")


def _linked_then(w, change):
    """The marked therapist of the isolation case, after ``change(link)``; their access worked before."""
    from accounts.models import TherapistLink

    the_link = TherapistLink.objects.get(couple=w.couple)
    client = Client()
    client.force_login(the_link.therapist)
    assert client.get(reverse("therapist:couple", args=[w.couple.pk])).status_code == 200
    change(the_link, w)
    return the_link.therapist


def without_consent(w):
    """Linked, but only one partner ever consented."""
    therapist = make_therapist(display_name="Dr Halfway")
    link(w.couple, therapist, consents={w.partner_a: {"progress": True, "trends": True, "writing": True}})
    return therapist


def after_revocation(w):
    return _linked_then(w, lambda the_link, space: services.consent_revoke(link=the_link, partner=space.partner_b))


def after_the_link_ended(w):
    return _linked_then(w, lambda the_link, space: services.link_end(link=the_link, partner=space.partner_a))


def unverified(w):
    therapist = make_therapist(verified=False, display_name="Dr Pending")
    link(w.couple, therapist)
    return therapist


def of_another_couple(w):
    from tests.couple.conftest import pair
    from tests.factories import UserFactory

    therapist = make_therapist(display_name="Dr Elsewhere")
    link(pair(UserFactory(verified=True), UserFactory(verified=True)), therapist)
    return therapist


THERAPISTS = {
    "therapist without consent": without_consent,
    "therapist after revocation": after_revocation,
    "therapist after the link ended": after_the_link_ended,
    "unverified therapist with both consents": unverified,
    "therapist of another couple": of_another_couple,
}


def snapshot(w):
    return (
        list(TherapistNote.objects.filter(couple=w.couple).values_list("pk", "text")),
        Recommendation.objects.filter(couple=w.couple).count(),
        ModuleUnlock.objects.filter(couple=w.couple).count(),
        AccessLogEntry.objects.filter(couple=w.couple).count(),
    )


@pytest.mark.parametrize("who", list(THERAPISTS))
@pytest.mark.parametrize("url_name", COUPLE_URLS)
def test_therapists_who_may_not_see_get_404_everywhere(world, who, url_name):  # noqa: F811
    url = reverse(url_name, kwargs=CASES[url_name](world))
    therapist = THERAPISTS[who](world)
    before = snapshot(world)
    client = Client()
    client.force_login(therapist)
    for method in ("get", "post"):
        response = getattr(client, method)(url, {"text": "x", "module": 1, "exercise": 1})
        body = html.unescape(response.content.decode())
        assert response.status_code == 404, f"{method.upper()} {url} as {who}: {response.status_code}"
        assert MARKER not in body
    assert snapshot(world) == before, f"{url} as {who} changed something"


def test_the_case_therapist_does_get_in(world):  # noqa: F811
    """Guard against a matrix that passes because the pages are broken for everyone."""
    kwargs = CASES["therapist:couple"](world)
    from accounts.models import TherapistLink

    therapist = TherapistLink.objects.get(couple=world.couple).therapist
    client = Client()
    client.force_login(therapist)
    response = client.get(reverse("therapist:couple", kwargs=kwargs))
    assert response.status_code == 200
    assert f"question {MARKER}" in html.unescape(response.content.decode())
