"""Pages of the daily rhythm: preferences and quiet time, the check-in, notifications, one-click unsubscribe."""

import datetime as dt
import html
import re

import pytest
import time_machine
from django.core import signing
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Couple
from exercises.daily import delivery, selectors, services
from exercises.daily.copy import DEFAULT_COPY
from exercises.daily.notifications import appreciation_email_send, notify_appreciation_received
from exercises.daily.scheduling import local_today
from exercises.daily.tokens import unsubscribe_token
from exercises.models import (
    Appreciation,
    AppreciationStarter,
    CheckIn,
    CoupleQuietWindow,
    Notification,
    PromptCopy,
    PromptPreference,
)
from tests.couple.conftest import MARKER
from tests.daily.conftest import due_now
from tests.helpers import protect

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return html.unescape(response.content.decode())


def text(response) -> str:
    """The page as words: tags dropped, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", page(response)).split())


def field_errors(response, name: str) -> str:
    """The error text rendered next to one field (templates/django/forms/field.html)."""
    match = re.search(rf'id="id_{name}_error">(.*?)</div>', response.content.decode(), re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).strip() if match else ""


PREFS = {
    "checkin_enabled": "on",
    "checkin_time": "07:30",
    "appreciation_enabled": "on",
    "appreciation_time": "20:15",
    "weekly_summary_enabled": "on",
    "weekly_summary_day": "5",
    "weekly_summary_time": "17:45",
    "email_enabled": "on",
    "inapp_enabled": "on",
    "paused_until": "",
}


# --- Preferences --------------------------------------------------------------------------


def test_preferences_need_a_login(client):
    response = client.get(reverse("daily:preferences"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_preferences_show_the_account_time_zone_and_the_defaults(client, partner_a):
    client.force_login(partner_a)
    response = client.get(reverse("daily:preferences"))
    assert response.status_code == 200
    body = page(response)
    assert "Europe/Berlin" in body and reverse("accounts:settings") in body
    assert 'value="08:00"' in body and 'value="19:00"' in body
    assert not PromptPreference.objects.exists()  # reading creates nothing


def test_saving_preferences(client, partner_a):
    client.force_login(partner_a)
    tomorrow = local_today(partner_a) + dt.timedelta(days=1)
    data = PREFS | {"paused_until": tomorrow.isoformat(), "prompts_paused": "on"}
    del data["appreciation_enabled"]
    response = client.post(reverse("daily:preferences"), data)
    assert response.status_code == 302
    pref = PromptPreference.objects.get(user=partner_a)
    assert (pref.checkin_time, pref.appreciation_time) == (dt.time(7, 30), dt.time(20, 15))
    assert pref.checkin_enabled and not pref.appreciation_enabled and pref.paused_until == tomorrow
    partner_a.refresh_from_db()
    assert partner_a.prompts_paused


@pytest.mark.parametrize(
    ("change", "field", "message", "kept"),
    [
        ({"checkin_time": "25:99"}, "checkin_time", "Enter a time like 08:00", 'value="25:99"'),
        ({"appreciation_time": "evening"}, "appreciation_time", "Enter a time like 08:00", 'value="evening"'),
        ({"checkin_time": ""}, "checkin_time", "Choose a time", None),
        ({"paused_until": "2001-01-01"}, "paused_until", "Choose today or a later day", 'value="2001-01-01"'),
        ({"paused_until": "2099-01-01"}, "paused_until", "up to a year", 'value="2099-01-01"'),
        ({"paused_until": "31/12/2026"}, "paused_until", "Enter a date like", 'value="31/12/2026"'),
        ({"email_enabled": "", "inapp_enabled": ""}, "inapp_enabled", "at least one way", None),
        ({"weekly_summary_day": "8"}, "weekly_summary_day", "Choose one of the days", 'value="17:45"'),
        ({"weekly_summary_day": "sunday"}, "weekly_summary_day", "Choose one of the days", None),
        ({"weekly_summary_day": ""}, "weekly_summary_day", "Choose a day", None),
        ({"weekly_summary_time": "dusk"}, "weekly_summary_time", "Enter a time like 08:00", 'value="dusk"'),
    ],
)
def test_bad_preferences_get_a_message_next_to_the_field_and_keep_what_was_typed(
    client, partner_a, change, field, message, kept
):
    client.force_login(partner_a)
    data = {k: v for k, v in (PREFS | change).items() if v != ""}
    response = client.post(reverse("daily:preferences"), data)
    assert response.status_code == 400
    assert message in field_errors(response, field)
    if kept:
        assert kept in response.content.decode()
    assert 'value="20:15"' in response.content.decode() or field == "appreciation_time"  # the rest is kept too
    assert not PromptPreference.objects.exists()


def test_turning_email_back_on_undoes_a_one_click_unsubscribe(client, partner_a):
    services.email_unsubscribe(user_id=partner_a.pk)
    client.force_login(partner_a)
    assert "You stopped prompt emails" in page(client.get(reverse("daily:preferences")))
    client.post(reverse("daily:preferences"), PREFS)
    pref = PromptPreference.objects.get(user=partner_a)
    assert pref.email_enabled and pref.email_unsubscribed_at is None


# --- The couple's quiet time ------------------------------------------------------------------


def test_either_partner_sets_the_quiet_time_and_both_see_who_did(client, couple, partner_a, partner_b):
    client.force_login(partner_a)
    response = client.post(reverse("daily:quiet_window"), {"quiet-starts": "22:00", "quiet-ends": "07:00"})
    assert response.status_code == 302
    window = CoupleQuietWindow.objects.get(couple=couple)
    assert (window.starts, window.ends, window.set_by) == (dt.time(22, 0), dt.time(7, 0), partner_a)
    assert "Set by you" in page(client.get(reverse("daily:preferences")))

    other = Client()
    other.force_login(partner_b)
    body = text(other.get(reverse("daily:preferences")))
    assert "Quiet from 22:00 to 07:00" in body and f"Set by {partner_a.display_name}" in body
    # B changes it; it is one window for the couple.
    other.post(reverse("daily:quiet_window"), {"quiet-starts": "21:30", "quiet-ends": "06:30"})
    window = CoupleQuietWindow.objects.get(couple=couple)
    assert (window.starts, window.set_by) == (dt.time(21, 30), partner_b)
    other.post(reverse("daily:quiet_window"), {"action": "clear"})
    assert not CoupleQuietWindow.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"quiet-starts": "22:00", "quiet-ends": "22:00"}, "quiet-ends", "different from the start"),
        ({"quiet-starts": "late", "quiet-ends": "07:00"}, "quiet-starts", "Enter a time like 08:00"),
        ({"quiet-ends": "07:00"}, "quiet-starts", "Choose a time"),
    ],
)
def test_a_bad_quiet_time_is_explained_and_kept(client, couple, partner_a, data, field, message):
    client.force_login(partner_a)
    response = client.post(reverse("daily:quiet_window"), data)
    assert response.status_code == 400
    assert message in field_errors(response, field)
    for value in data.values():
        assert f'value="{value}"' in response.content.decode()
    assert not CoupleQuietWindow.objects.exists()


def test_without_a_couple_there_is_no_quiet_time(client, unpaired):
    client.force_login(unpaired)
    assert "Quiet time for both of you" not in page(client.get(reverse("daily:preferences")))
    assert (
        client.post(reverse("daily:quiet_window"), {"quiet-starts": "22:00", "quiet-ends": "07:00"}).status_code == 404
    )


# --- The check-in -----------------------------------------------------------------------------

CHECKIN = {"mood": "hopeful", "safety": "6", "trust": "4", "need": f"A walk together. {MARKER}", "share": "everything"}


def test_a_check_in_is_one_per_local_day_and_can_be_changed_that_day(client, couple, partner_a):
    client.force_login(partner_a)
    assert client.get(reverse("daily:checkin")).status_code == 200
    assert client.post(reverse("daily:checkin"), CHECKIN).status_code == 302
    assert client.post(reverse("daily:checkin"), CHECKIN | {"trust": "7", "share": "ratings"}).status_code == 302
    checkin = CheckIn.objects.get(user=partner_a)
    assert (checkin.trust, checkin.share, checkin.couple) == (7, "ratings", couple)
    assert "Today's check-in is updated." in page(client.get(reverse("daily:checkin")))


def test_the_local_day_is_the_person_s_own(client, couple, partner_a, outsider):
    # 23:30 UTC on 4 May is already 5 May in Berlin.
    with time_machine.travel(dt.datetime(2026, 5, 4, 23, 30, tzinfo=dt.UTC), tick=False):
        client.force_login(partner_a)
        client.post(reverse("daily:checkin"), CHECKIN)
    assert CheckIn.objects.get(user=partner_a).local_date == dt.date(2026, 5, 5)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"mood": ""}, "mood", "Choose the word that fits best"),
        ({"mood": "furious"}, "mood", "Choose one of the words"),
        ({"safety": "11"}, "safety", "from 0 to 10"),
        ({"trust": "abc"}, "trust", "from 0 to 10"),
        ({"trust": ""}, "trust", "from 0 to 10"),
        ({"share": "the-neighbours"}, "share", "Choose one of the options"),
        ({"need": "x" * 501}, "need", "keep it to 500 characters"),
    ],
)
def test_bad_check_ins_get_a_message_and_keep_what_was_typed(client, couple, partner_a, change, field, message):
    client.force_login(partner_a)
    response = client.post(reverse("daily:checkin"), CHECKIN | change)
    assert response.status_code == 400
    assert message in field_errors(response, field)
    if field != "need":
        assert MARKER in page(response)  # the need text survives the error
    assert not CheckIn.objects.exists()


def test_the_partner_sees_what_was_shared_and_nothing_more(couple, partner_a, partner_b):
    reader = Client()
    reader.force_login(partner_b)
    services.checkin_save(user=partner_a, couple=couple, mood="tender", safety=3, trust=2, need=MARKER, share="ratings")
    body = page(reader.get(reverse("daily:checkin")))
    assert "safety 3 · trust 2" in body
    assert MARKER not in body and "Tender · safety" not in body  # (Tender is also a choice on the form)

    services.checkin_save(
        user=partner_a, couple=couple, mood="tender", safety=3, trust=2, need=MARKER, share="everything"
    )
    body = page(reader.get(reverse("daily:checkin")))
    assert "Tender · safety 3 · trust 2" in body and MARKER in body

    services.checkin_save(user=partner_a, couple=couple, mood="tender", safety=3, trust=2, need=MARKER, share="nothing")
    body = page(reader.get(reverse("daily:checkin")))
    assert MARKER not in body and "safety 3" not in body


def test_a_protected_person_s_check_ins_stay_with_them_and_they_are_told(client, couple, partner_a, partner_b):
    services.checkin_save(
        user=partner_b, couple=couple, mood="calm", safety=8, trust=8, need=MARKER, share="everything"
    )
    protect(partner_a)
    client.force_login(partner_a)
    response = client.get(reverse("daily:checkin"))
    body = page(response)
    assert MARKER in body and "safety 8" in body, "what the partner shares still reaches the protected person"
    assert "Just for me" in body and "Everything" not in body and "Only my ratings" not in body
    assert "your check-ins stay with you" in body
    # A share value from an old form is refused, and nothing is shared either way.
    assert client.post(reverse("daily:checkin"), CHECKIN).status_code == 400
    assert client.post(reverse("daily:checkin"), CHECKIN | {"share": "nothing"}).status_code == 302
    assert CheckIn.objects.get(user=partner_a).share == "nothing"
    # The service holds the line too, whatever it is given.
    couple.refresh_from_db()
    saved = services.checkin_save(
        user=partner_a, couple=couple, mood="calm", safety=1, trust=1, need="", share="everything"
    )
    assert saved.share == "nothing"


def test_checking_in_answers_the_day_s_prompt_notice(client, couple, partner_a):
    Notification.objects.create(user=partner_a, kind="checkin_prompt", title="Check in", url=reverse("daily:checkin"))
    client.force_login(partner_a)
    client.post(reverse("daily:checkin"), CHECKIN)
    assert selectors.unread_count(partner_a) == 0


def test_check_in_needs_a_couple(client, unpaired):
    client.force_login(unpaired)
    assert client.get(reverse("daily:checkin")).status_code == 404


def test_the_dashboard_card_shows_the_week_in_one_query(couple, partner_a, partner_b, django_assert_num_queries):
    today = local_today(partner_a)
    for offset in range(10):
        for person, share in ((partner_a, "nothing"), (partner_b, "everything")):
            CheckIn.objects.create(
                user=person, couple=couple, local_date=today - dt.timedelta(days=offset),
                mood="calm", safety=offset % 11, trust=5, need=f"need {offset}", share=share,
            )  # fmt: skip
    couple = Couple.objects.prefetch_related("memberships__user").get(pk=couple.pk)
    with django_assert_num_queries(1):
        week = selectors.checkins_for_dashboard(couple, partner_a)
    assert len(week["days"]) == 7 and week["done_today"] and week["show_partner"]
    assert all(day["mine"] and day["partner"]["need"] for day in week["days"])
    card = render_to_string("daily/includes/dashboard_checkins.html", {"checkins": week})
    assert "This week's check-ins" in card and "need 6" in card and "need 7" not in card


def test_the_week_names_its_days_today_then_weekday_day_and_month(couple, partner_a):
    today = local_today(partner_a)
    week = selectors.checkins_for_dashboard(couple, partner_a)
    card = render_to_string("daily/includes/dashboard_checkins.html", {"checkins": week})
    CheckIn.objects.create(user=partner_a, couple=couple, local_date=today, mood="calm", safety=5, trust=5)
    table = render_to_string("daily/includes/week.html", {"week": selectors.checkins_for_dashboard(couple, partner_a)})
    assert "No check-ins this week yet" in card
    assert f'<time datetime="{today.isoformat()}">Today</time>' in table
    for offset in range(1, 7):
        day = today - dt.timedelta(days=offset)
        assert f'<time datetime="{day.isoformat()}">{day.strftime("%a")} {day.day} {day.strftime("%b")}</time>' in table


# --- Notifications ----------------------------------------------------------------------------


def test_notifications_list_marks_and_counts(client, partner_a, partner_b):
    mine = Notification.objects.create(
        user=partner_a, kind="checkin_prompt", title="Time to check in", url="/couple/checkin/"
    )
    Notification.objects.create(user=partner_a, kind="x", title="Another one")
    Notification.objects.create(user=partner_b, kind="x", title=f"Not yours {MARKER}")
    client.force_login(partner_a)
    response = client.get(reverse("daily:notifications"))
    body = page(response)
    assert "Time to check in" in body and MARKER not in body
    assert re.search(r"Notifications <span class=\"badge badge--waiting\">2<", response.content.decode())

    opened = client.post(reverse("daily:notification_read", args=[mine.pk]), {"open": "1"})
    assert opened.status_code == 302 and opened["Location"] == "/couple/checkin/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert selectors.unread_count(partner_a) == 1

    assert client.post(reverse("daily:notifications_read_all")).status_code == 302
    assert selectors.unread_count(partner_a) == 0
    assert selectors.unread_count(partner_b) == 1  # somebody else's stay as they were


def test_someone_else_s_notification_is_not_found(client, partner_a, partner_b):
    theirs = Notification.objects.create(user=partner_b, kind="x", title="Private")
    client.force_login(partner_a)  # even the partner
    assert client.post(reverse("daily:notification_read", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("daily:notification_read", args=[theirs.pk])).status_code == 405
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_an_offsite_notification_link_is_not_followed(client, partner_a):
    notice = Notification.objects.create(user=partner_a, kind="x", title="x", url="https://evil.example/")
    client.force_login(partner_a)
    response = client.post(reverse("daily:notification_read", args=[notice.pk]), {"open": "1"})
    assert response["Location"] == reverse("daily:notifications")


def test_the_unread_badge_costs_one_query(client, partner_a, django_assert_num_queries):
    for n in range(30):
        Notification.objects.create(user=partner_a, kind="x", title=f"n{n}")
    client.force_login(partner_a)
    client.get(reverse("resources"))  # warm the session
    from exercises.daily.context_processors import notifications

    request = client.get(reverse("resources")).wsgi_request
    with django_assert_num_queries(1):
        assert str(notifications(request)["unread_notifications"]) == "30"


# --- One-click unsubscribe --------------------------------------------------------------------


def unsubscribe_url(user) -> str:
    from urllib.parse import quote

    return f"{reverse('daily:unsubscribe')}?token={quote(unsubscribe_token(user.pk))}"


def test_unsubscribe_get_asks_and_post_does_it_without_a_login(partner_a):
    anonymous = Client(enforce_csrf_checks=True)
    url = unsubscribe_url(partner_a)
    response = anonymous.get(url)
    assert response.status_code == 200 and "Stop prompt emails?" in page(response)
    assert not PromptPreference.objects.filter(user=partner_a, email_unsubscribed_at__isnull=False).exists()

    token = signing.Signer(salt="exercises.daily.unsubscribe.prompts").sign(str(partner_a.pk))
    response = anonymous.post(reverse("daily:unsubscribe"), {"token": token})
    assert response.status_code == 200 and "Prompt emails are off" in page(response)
    pref = PromptPreference.objects.get(user=partner_a)
    assert pref.email_unsubscribed_at and not pref.email_enabled
    # Again: still fine, nothing changes.
    stamp = pref.email_unsubscribed_at
    assert anonymous.post(url).status_code == 200
    pref.refresh_from_db()
    assert pref.email_unsubscribed_at == stamp


def test_rfc_8058_one_click_post_from_a_mail_provider(partner_a):
    provider = Client(enforce_csrf_checks=True)
    response = provider.post(
        unsubscribe_url(partner_a), "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert PromptPreference.objects.get(user=partner_a).email_unsubscribed_at is not None


@pytest.mark.parametrize(
    "token",
    [
        "",
        "12",
        "12:forged-signature",
        None,  # partner_a's token with one character changed
        "other-purpose",
    ],
)
def test_a_tampered_unsubscribe_token_is_refused_clearly(partner_a, token):
    if token is None:
        good = unsubscribe_token(partner_a.pk)
        token = good[:-1] + ("A" if good[-1] != "A" else "B")
    elif token == "other-purpose":
        token = signing.Signer(salt="something.else").sign(str(partner_a.pk))
    anonymous = Client()
    for method in (anonymous.get, anonymous.post):
        response = method(reverse("daily:unsubscribe"), {"token": token})
        assert response.status_code == 400
        assert "This link doesn't work" in page(response)
    assert not PromptPreference.objects.filter(email_unsubscribed_at__isnull=False).exists()


def test_after_unsubscribing_prompts_come_in_the_app_only(couple, partner_a, prompts_off, mailoutbox):
    Client().post(unsubscribe_url(partner_a))
    due_now(partner_a)
    delivery.deliveries_send(delivery.claim_due())
    assert mailoutbox == []
    assert Notification.objects.filter(user=partner_a).count() == 1
    # The unsubscribe mark wins even if "by email" were switched on some other way.
    PromptPreference.objects.filter(user=partner_a).update(email_enabled=True)
    assert delivery.wants_email(PromptPreference.objects.get(user=partner_a)) is False


# --- An appreciation arrived ------------------------------------------------------------------


def email_tasks(callbacks) -> list:
    """The on-commit callbacks that queue the email (the others re-bump the unread-count version)."""
    return [callback for callback in callbacks if "notify_appreciation_received" in callback.__qualname__]


def _appreciation(couple, sender, recipient):
    return Appreciation.objects.create(couple=couple, sender=sender, recipient=recipient, kind="effort", text=MARKER)


def test_an_arrived_appreciation_is_announced_once_in_the_app_and_by_email(
    couple, partner_a, partner_b, mailoutbox, django_capture_on_commit_callbacks
):
    appreciation = _appreciation(couple, partner_a, partner_b)
    with django_capture_on_commit_callbacks() as callbacks:
        notify_appreciation_received(appreciation)
        notify_appreciation_received(appreciation)
    assert Notification.objects.filter(user=partner_b).count() == 1
    first = Notification.objects.get(user=partner_b)
    assert first.title == f"{partner_a.display_name} sent you an appreciation"
    assert first.url.startswith(reverse("exercises:appreciations"))
    assert len(email_tasks(callbacks)) == 1  # the email task, after the commit

    assert appreciation_email_send(appreciation.pk) is True
    assert appreciation_email_send(appreciation.pk) is False  # not twice
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [partner_b.email]
    assert MARKER not in mailoutbox[0].body  # the words stay in the app
    assert "http://127.0.0.1:8000" + reverse("exercises:appreciations") in mailoutbox[0].body


def test_the_appreciation_email_sent_state_is_in_the_database(couple, partner_a, partner_b, mailoutbox, monkeypatch):
    """An emptied cache cannot send it twice; a failed send gives the claim back for the retry."""
    from django.core.cache import cache
    from django.core.mail.backends.locmem import EmailBackend

    appreciation = _appreciation(couple, partner_a, partner_b)

    def refuse(self, messages):
        raise ConnectionError("mail server away")

    with monkeypatch.context() as patched, pytest.raises(ConnectionError):
        patched.setattr(EmailBackend, "send_messages", refuse)
        appreciation_email_send(appreciation.pk)
    appreciation.refresh_from_db()
    assert appreciation.emailed_at is None and mailoutbox == []  # not sent, so the retry may send it

    assert appreciation_email_send(appreciation.pk) is True
    appreciation.refresh_from_db()
    assert appreciation.emailed_at is not None
    cache.clear()  # an eviction or a restart of the cache server
    assert appreciation_email_send(appreciation.pk) is False
    assert len(mailoutbox) == 1


def test_no_appreciation_email_for_someone_who_unsubscribed_or_already_read_it(
    couple, partner_a, partner_b, mailoutbox
):
    services.email_unsubscribe(user_id=partner_b.pk)
    appreciation = _appreciation(couple, partner_a, partner_b)
    notify_appreciation_received(appreciation)
    assert Notification.objects.filter(user=partner_b).count() == 1
    # The sender cannot read the recipient's settings (row security): the task, acting for them, does.
    assert appreciation_email_send(appreciation.pk) is False

    seen = _appreciation(couple, partner_b, partner_a)
    Appreciation.objects.filter(pk=seen.pk).update(seen_at=timezone.now())
    assert appreciation_email_send(seen.pk) is False
    assert mailoutbox == []


# --- Seeding the wording ----------------------------------------------------------------------


def test_load_prompt_copy_is_idempotent_and_keeps_staff_edits():
    call_command("load_prompt_copy", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert PromptCopy.objects.count() == len(DEFAULT_COPY) == 3 and AppreciationStarter.objects.count() > 0
    PromptCopy.objects.filter(kind="checkin").update(subject="Edited by staff")
    AppreciationStarter.objects.filter(kind="effort").delete()
    starters = AppreciationStarter.objects.count()
    call_command("load_prompt_copy", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert PromptCopy.objects.get(kind="checkin").subject == "Edited by staff"
    assert PromptCopy.objects.count() == 3
    assert AppreciationStarter.objects.filter(kind="effort").count() > 0  # a kind left empty is refilled
    assert AppreciationStarter.objects.exclude(kind="effort").count() == starters
