"""A worrying safety answer must leave no trace on the other partner's pages.

The world of ``tests.hostile.world`` (every feature used, A's check-ins shared with B)
is rendered for B on every page B can open, before and after A's worrying answer, and
again after A's next check-in. The only difference allowed is one ordinary activity
also causes: A's check-in kept to herself looks exactly like one anybody keeps private.
"""

import difflib

import pytest
import time_machine
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from exercises.daily import services as daily
from exercises.models import CheckIn
from tests.helpers import without_per_render
from tests.hostile.pages import partner_pages
from tests.hostile.world import build_world

WORRYING = {
    "afraid_of_partner": "sometimes",
    "controls_phone": "on",
    "controls_whereabouts": "on",
    "threats_or_violence": "no",
    "note": "",
}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    hasher = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=hasher), transaction.atomic():
        yield build_world(crowd=False)
        transaction.set_rollback(True)


def render_all(client: Client, urls: list[str]) -> dict[str, str]:
    pages = {}
    for url in urls:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        pages[url] = without_per_render(response.content.decode())
    return pages


def assert_same(before: dict[str, str], after: dict[str, str]) -> None:
    changed = {
        url: "\n".join(difflib.unified_diff(before[url].splitlines(), after[url].splitlines(), lineterm="", n=1))
        for url in before
        if before[url] != after[url]
    }
    assert not changed, "\n\n".join(f"{url}\n{diff}" for url, diff in changed.items())


def checkin_as_a(w, share: str) -> None:
    daily.checkin_save(
        user=w.a, couple=w.couple, mood="tired", safety=2, trust=2, need="", share=share, therapist_visible=True
    )


@pytest.mark.django_db
def test_the_other_partner_cannot_tell(world):
    w = world
    urls = [url for url, _ in partner_pages(w, w.b)]
    b, a = Client(), Client()
    b.force_login(w.b)
    a.force_login(w.a)
    with time_machine.travel(timezone.now(), tick=False):
        render_all(b, urls)  # settles what a first visit changes (notices read, events seen)
        before = render_all(b, urls)

        # What B would see on an ordinary day when A keeps today's check-in to herself.
        with transaction.atomic():
            checkin_as_a(w, CheckIn.Share.NOTHING)
            ordinary_private_day = render_all(b, urls)
            transaction.set_rollback(True)

        response = a.post(reverse("couple:safety_check"), WORRYING)
        assert response.status_code == 302 and response.url == reverse("couple:safety_support")
        assert_same(before, render_all(b, urls))

        checkin_as_a(w, CheckIn.Share.EVERYTHING)  # what the form sent; it stays hers
        assert_same(ordinary_private_day, render_all(b, urls))
        assert CheckIn.objects.get(user=w.a, local_date=daily.local_today(w.a)).share == CheckIn.Share.NOTHING


@pytest.mark.django_db
def test_her_own_check_in_page_is_honest_with_her(world):
    w = world
    a = Client()
    a.force_login(w.a)
    a.post(reverse("couple:safety_check"), WORRYING)
    page = a.get(reverse("daily:checkin")).content.decode()
    assert "your check-ins stay with you" in page
    assert 'value="everything"' not in page and 'value="ratings"' not in page
    answers = {"mood": "calm", "safety": "5", "trust": "5", "need": "", "therapist_visible": "on"}
    assert a.post(reverse("daily:checkin"), answers | {"share": "everything"}).status_code == 400
    assert a.post(reverse("daily:checkin"), answers | {"share": "nothing"}).status_code == 302
    week = a.get(reverse("daily:checkin")).content.decode()
    today = CheckIn.objects.get(user=w.a, local_date=daily.local_today(w.a))
    assert today.share == CheckIn.Share.NOTHING
    assert "just you" in week and "ratings shared" not in week.split("<tbody>")[1].split("</tr>")[0]


def test_public_pages_do_not_name_what_sets_protection(client, db):
    for name in ("privacy", "landing", "resources"):
        page = client.get(reverse(name)).content.decode().lower()
        assert "switches off" not in page and "safety mode" not in page
        assert "suggest fear" not in page
