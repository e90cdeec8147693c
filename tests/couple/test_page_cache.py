"""The dashboard's whole-page cache (accounts/page_cache.py): fresh per-request tokens, and nothing stale or crossed."""

import datetime as dt
import html
import re

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import page_cache
from accounts.services import pairing
from exercises.models import Notification
from tests.couple.conftest import onboard, pair

pytestmark = pytest.mark.django_db


def signed_in(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def get_dashboard(client: Client):
    response = client.get(reverse("couple:dashboard"))
    assert response.status_code == 200
    return response


def page_text(response) -> str:
    """The page as read: tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", response.content.decode()))


def nonces(response) -> set[str]:
    return set(re.findall(r'nonce="([^"]+)"', response.content.decode()))


def test_a_repeated_view_comes_from_the_cache_with_its_own_tokens(couple, partner_a):
    client = signed_in(partner_a)
    first = get_dashboard(client)
    with CaptureQueriesContext(connection) as second_queries:
        second = get_dashboard(client)
    with CaptureQueriesContext(connection) as rendered_queries:
        cache.clear()
        get_dashboard(client)
    # The cached view skips what the page derives (progress, waiting items, check-ins).
    assert len(second_queries) < len(rendered_queries)
    for response in (first, second):
        body = response.content.decode()
        assert page_cache.placeholder("csrf") not in body and page_cache.placeholder("nonce") not in body
        # The scripts carry this response's nonce, the one its CSP header allows.
        (nonce,) = nonces(response)
        assert f"'nonce-{nonce}'" in response.headers["Content-Security-Policy"]
    assert nonces(first) != nonces(second)
    # Same page otherwise.
    strip = re.compile(r'nonce="[^"]+"|"X-CSRFToken": "[^"]+"')
    assert strip.sub("", first.content.decode()) == strip.sub("", second.content.decode())


def test_the_csrf_token_of_a_cached_page_is_accepted(partner_a):
    pairing.couple_create(user=partner_a)  # alone: the page has the invitation forms
    client = signed_in(partner_a, enforce_csrf_checks=True)
    get_dashboard(client)
    cached = get_dashboard(client)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', cached.content.decode()).group(1)
    refused = client.post(reverse("couple:invite_code"))
    assert refused.status_code == 403
    made = client.post(reverse("couple:invite_code"), {"csrfmiddlewaretoken": token})
    assert made.status_code == 302


def test_only_a_page_with_a_form_asks_for_a_csrf_token(couple, partner_a, outsider):
    """Asking Django for a token masks it afresh and renews the CSRF cookie: a page without a form does neither."""
    pairing.couple_create(user=outsider)  # alone: the page has the invitation forms
    for user, has_forms in ((partner_a, False), (outsider, True)):
        client = signed_in(user)
        client.cookies[settings.CSRF_COOKIE_NAME] = "a" * 32  # as a browser holds it after signing in
        for response in (get_dashboard(client), get_dashboard(client)):  # rendered, then stored
            assert ('name="csrfmiddlewaretoken"' in response.content.decode()) is has_forms
            assert (settings.CSRF_COOKIE_NAME in response.cookies) is has_forms


def test_a_new_secret_key_never_meets_a_page_stored_under_the_old_one(couple, partner_a, settings):
    """The placeholders come from the secret key: a page stored under the old key would keep its placeholders."""
    client = signed_in(partner_a)
    get_dashboard(client)  # stored, with the placeholders of the old key
    old = page_cache.placeholder("nonce")
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    page_cache.placeholder.cache_clear()
    try:
        client.force_login(partner_a)  # the old session's hash no longer matches the new key
        response = get_dashboard(client)
        assert old not in response.content.decode()
        (nonce,) = nonces(response)
        assert f"'nonce-{nonce}'" in response.headers["Content-Security-Policy"]
    finally:
        page_cache.placeholder.cache_clear()


def test_each_partner_gets_their_own_page(couple, partner_a, partner_b):
    for _ in range(2):
        assert "Avery & Blake" in page_text(get_dashboard(signed_in(partner_a)))
        assert "Blake & Avery" in page_text(get_dashboard(signed_in(partner_b)))


def test_another_couple_never_gets_the_page(couple, other_couple, partner_a, outsider):
    get_dashboard(signed_in(partner_a))
    page = page_text(get_dashboard(signed_in(outsider)))
    assert "Avery" not in page and "Blake" not in page


def test_a_new_notification_shows_in_the_navigation_at_once(couple, partner_a):
    client = signed_in(partner_a)
    assert "unread" not in page_text(get_dashboard(client))
    Notification.objects.create(user=partner_a, kind="test", title="Something arrived")
    assert "Notifications 1 unread" in page_text(get_dashboard(client))


def test_a_new_name_shows_at_once(couple, partner_a, partner_b):
    client = signed_in(partner_a)
    assert "Avery & Blake" in page_text(get_dashboard(client))
    partner_b.display_name = "Bailey"
    partner_b.save()
    assert "Avery & Bailey" in page_text(get_dashboard(client))
    partner_a.display_name = "Ash"
    partner_a.save()
    assert "Ash & Bailey" in page_text(get_dashboard(client))


def test_the_day_words_follow_the_persons_own_midnight(partner_a, partner_b):
    # Monday 2 March, 23:30 in Berlin (UTC+1); an hour later it is Tuesday there, still Monday in UTC.
    start = dt.datetime(2026, 3, 2, 22, 30, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        pair(partner_a, partner_b)
        client = signed_in(partner_a)
        assert "Blake joined the couple space today" in page_text(get_dashboard(client))
        clock.shift(dt.timedelta(hours=1))
        assert "Blake joined the couple space yesterday" in page_text(get_dashboard(client))
        clock.shift(dt.timedelta(days=2))
        assert "Blake joined the couple space on Monday" in page_text(get_dashboard(client))
        clock.shift(dt.timedelta(days=7))
        assert "Blake joined the couple space on 2 March" in page_text(get_dashboard(client))


def test_open_invitations_count_down_by_the_minute(partner_a):
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        couple = pairing.couple_create(user=partner_a)
        pairing.invitation_create_code(couple=couple, inviter=partner_a)
        client = signed_in(partner_a)
        assert "expires 3\xa0days from now" in page_text(get_dashboard(client))
        clock.shift(dt.timedelta(minutes=1))
        assert "expires 2\xa0days, 23\xa0hours from now" in page_text(get_dashboard(client))


def test_a_notification_read_elsewhere_leaves_the_badge_at_once(couple, partner_a):
    Notification.objects.create(user=partner_a, kind="test", title="Something arrived")
    client = signed_in(partner_a)
    assert "Notifications 1 unread" in page_text(get_dashboard(client))
    Notification.objects.filter(user=partner_a).update(read_at=dt.datetime.now(dt.UTC))  # a queryset write
    assert "unread" not in page_text(get_dashboard(client))
    Notification.objects.bulk_create([Notification(user=partner_a, kind="test", title=f"n{i}") for i in range(2)])
    assert "Notifications 2 unread" in page_text(get_dashboard(client))
    Notification.objects.filter(user=partner_a).delete()
    assert "unread" not in page_text(get_dashboard(client))


def test_a_flash_message_is_shown_once_and_never_cached(couple, partner_a):
    client = signed_in(partner_a)
    get_dashboard(client)
    answers = {"afraid_of_partner": "no", "threats_or_violence": "no"}
    shown = client.post(reverse("couple:safety_check"), answers, follow=True)
    assert shown.redirect_chain[-1][0] == reverse("couple:dashboard")
    assert "Your answers are private to you" in page_text(shown)
    assert "Your answers are private to you" not in page_text(get_dashboard(client))


def test_a_partner_action_shows_at_once_on_a_cached_page(couple, partner_a, partner_b):
    client = signed_in(partner_a)
    assert "Their onboarding answers" in page_text(get_dashboard(client))
    onboard(couple, partner_b)
    assert "Their onboarding answers" not in page_text(get_dashboard(client))


def test_seats_for_gives_the_same_answer_as_couple_for(couple, other_couple, partner_a, partner_b, unpaired):
    from accounts.scoping import Seats, couple_for, seats_for
    from accounts.services import leaving

    for person in (partner_a, partner_b):
        seats, full = seats_for(person), couple_for(person)
        assert seats.couple_id == full.pk
        assert (seats.partner_id, seats.partner_name, seats.safety_mode) == (
            full.partner_of(person).pk,
            full.partner_of(person).get_short_name(),
            full.safety_mode,
        )
    assert seats_for(unpaired) is None and couple_for(unpaired) is None
    alone = pairing.couple_create(user=unpaired)
    assert seats_for(unpaired) == Seats(couple_id=alone.pk, partner_id=None, partner_name=None, safety_mode=False)
    leaving.couple_leave(couple=couple, user=partner_b)
    assert seats_for(partner_a) is None and couple_for(partner_a) is None
    assert seats_for(partner_b) is None and couple_for(partner_b) is None


def test_a_check_in_renders_only_the_check_in_card_again(couple, partner_a, partner_b):
    from exercises.daily import services as daily_services

    client = signed_in(partner_a)
    get_dashboard(client)
    with CaptureQueriesContext(connection) as full:
        cache.clear()
        get_dashboard(client)
    daily_services.checkin_save(user=partner_b, couple=couple, mood="calm", safety=7, trust=6, need="", share="ratings")
    with CaptureQueriesContext(connection) as card_only:
        spliced = get_dashboard(client)
    assert "safety 7" in page_text(spliced) and "Avery & Blake" in page_text(spliced)
    assert len(card_only) < len(full)
    # The stored page with the new card is the page a full render gives.
    cache.clear()
    rendered = get_dashboard(client)
    strip = re.compile(r'nonce="[^"]+"|"X-CSRFToken": "[^"]+"')
    assert strip.sub("", spliced.content.decode()) == strip.sub("", rendered.content.decode())


def test_an_htmx_request_is_rendered_and_never_stored(couple, partner_a):
    client = signed_in(partner_a)
    assert client.get(reverse("couple:dashboard"), headers={"HX-Request": "true"}).status_code == 200
    with CaptureQueriesContext(connection) as after_htmx:
        get_dashboard(client)
    with CaptureQueriesContext(connection) as stored:
        get_dashboard(client)
    # The htmx request left no page behind: the next one rendered it, and only then was it stored.
    assert len(stored) < len(after_htmx)


def test_the_page_is_stored_without_the_templates_indentation(couple, partner_a):
    body = get_dashboard(signed_in(partner_a)).content.decode()
    assert not re.search(r"\n[ \t]", body)
    assert "Avery & Blake" in page_text(get_dashboard(signed_in(partner_a)))
    # Preformatted text keeps its spaces: a page holding any is stored as rendered.
    kept = "<p>\n    a</p>\n  <textarea>\n  two  spaces\n</textarea>"
    assert page_cache._compact(kept) == kept
    assert (
        page_cache._compact("<ul>\n    <li>one</li>\n\n    <li>two</li>\n</ul>")
        == "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"
    )


def test_day_words_fall_back_to_utc_for_a_zone_this_machine_does_not_know(partner_a):
    from accounts.templatetags.days import day_phrase

    partner_a.time_zone = "Mars/Olympus_Mons"  # as if stored before a zone was retired
    moment = dt.datetime(2026, 3, 2, 23, 30, tzinfo=dt.UTC)
    with time_machine.travel(dt.datetime(2026, 3, 3, 0, 30, tzinfo=dt.UTC), tick=False):
        assert day_phrase(moment, partner_a) == "yesterday"
