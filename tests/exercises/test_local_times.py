"""Times are shown in the viewer's own zone (``User.time_zone``), by the middleware, not by each template."""

import datetime as dt
import html
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from exercises.models import Answer, Response
from tests.exercises.test_paired import answers, steps, url

pytestmark = pytest.mark.django_db

AUCKLAND = zoneinfo.ZoneInfo("Pacific/Auckland")


def text(response) -> str:
    return html.unescape(response.content.decode())


def in_zone(people, name: str) -> None:
    User.objects.filter(pk__in=[p.pk for p in people]).update(time_zone=name)


def test_draft_saved_time_is_the_writers_own(client, couple, partner_a, reflection):
    in_zone([partner_a], "Pacific/Auckland")
    client.force_login(partner_a)
    saved = client.post(
        reverse("exercises:autosave", args=[reflection.slug]),
        {"version": reflection.version, f"step_{steps(reflection)[1].pk}": "half a thought"},
        HTTP_HX_REQUEST="true",
    )
    at = Response.objects.get(user=partner_a).draft_saved_at
    local, utc = at.astimezone(AUCKLAND).strftime("%H:%M"), at.astimezone(dt.UTC).strftime("%H:%M")
    assert local != utc  # Auckland is 12 or 13 hours ahead
    assert f"Draft saved at {local}." in text(saved)
    assert timezone.get_current_timezone_name() == "UTC"  # the zone was the request's only


def test_revision_history_is_in_the_readers_zone(client, couple, partner_a, partner_b, reflection):
    for person, words in ((partner_a, "first version"), (partner_b, "B's answer")):
        client.force_login(person)
        client.post(url(reflection), answers(reflection, words))
    step = steps(reflection)[1]
    client.force_login(partner_a)
    client.post(reverse("exercises:revise", args=[reflection.slug, step.pk]), {f"step_{step.pk}": "second version"})
    first = Answer.objects.get(response__user=partner_a, step=step, revision=1)
    # 22:30 UTC on 2 December is 11:30 on 3 December in Auckland: both the day and the hour differ.
    Answer.objects.filter(pk=first.pk).update(created_at=dt.datetime(2026, 12, 2, 22, 30, tzinfo=dt.UTC))
    in_zone([partner_b], "Pacific/Auckland")
    client.force_login(partner_b)
    page = text(client.get(url(reflection)))
    assert "Earlier versions" in page
    assert "3 Dec 2026, 11:30" in page
    assert "2 Dec 2026, 22:30" not in page


def test_an_unknown_zone_name_shows_utc(client, couple, partner_a, reflection):
    in_zone([partner_a], "Nowhere/Atlantis")  # saved before this machine's zone database lost it, say
    client.force_login(partner_a)
    saved = client.post(
        reverse("exercises:autosave", args=[reflection.slug]),
        {"version": reflection.version, f"step_{steps(reflection)[1].pk}": "half a thought"},
        HTTP_HX_REQUEST="true",
    )
    at = Response.objects.get(user=partner_a).draft_saved_at
    assert saved.status_code == 200
    assert f"Draft saved at {at.astimezone(dt.UTC):%H:%M}." in text(saved)
