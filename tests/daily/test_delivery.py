"""The send step, run in this process: what goes out, what is skipped, what is retried, what fails for good."""

import datetime as dt
import email
import email.policy
import re
import smtplib

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.services import leaving
from exercises.daily import delivery
from exercises.daily.copy import DEFAULT_COPY, DEFAULT_STARTERS, starter_for
from exercises.daily.mime import PromptEmail
from exercises.daily.scheduling import local_now, local_today
from exercises.daily.tokens import user_id_from_unsubscribe_token
from exercises.models import AppreciationStarter, CoupleQuietWindow, Delivery, Notification, PromptCopy, PromptKind
from tests.couple.conftest import pair
from tests.daily.conftest import due_now, smtp_mailers
from trustrepair.bench.prompts.sink import Refusal, free_port

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("prompts_off")]
Status = Delivery.Status


def claim_and_send(**kwargs) -> delivery.BatchOutcome:
    ids = delivery.claim_due()
    return delivery.deliveries_send(ids, **kwargs)


def parsed(message) -> email.message.EmailMessage:
    return email.message_from_bytes(bytes(message.message()), policy=email.policy.default)


def text_of(message) -> str:
    return parsed(message).get_body(("plain",)).get_content()


def html_of(message) -> str:
    return parsed(message).get_body(("html",)).get_content()


# --- What a due person gets -----------------------------------------------------------------


def test_a_due_person_gets_one_email_and_one_notification(couple, partner_a, partner_b, mailoutbox):
    due_now(partner_a)
    outcome = claim_and_send(retry_in=1)
    assert outcome.as_dict() == {"sent": 1, "failed": 0, "skipped": 0, "retry": 0}

    row = Delivery.objects.get(user=partner_a)
    assert row.status == Status.SENT and row.attempts == 1 and row.sent_at
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [partner_a.email]
    assert message.subject == DEFAULT_COPY[PromptKind.CHECKIN].subject
    head = parsed(message)
    assert head["Message-ID"] == row.message_id
    assert re.fullmatch(rf"<[\w.]+\.prompt{row.pk}@trustrepair\.example>", row.message_id)
    assert head["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = re.fullmatch(r"<(http[^>]+)>", str(head["List-Unsubscribe"]).strip()).group(1)
    assert "/unsubscribe/?token=" in unsubscribe
    # The deep link is the plain check-in page (behind the log-in); the only token in the mail is the unsubscribe one.
    checkin_link = "http://127.0.0.1:8000" + reverse("daily:checkin")
    assert checkin_link + "\n" in text_of(message)
    assert f'href="{checkin_link}"' in html_of(message)
    assert len(re.findall(r"token=", text_of(message))) == 1

    notice = Notification.objects.get(user=partner_a)
    assert notice.kind == "checkin_prompt" and notice.url == reverse("daily:checkin") and notice.read_at is None
    assert not Notification.objects.filter(user=partner_b).exists()

    # Running the same batch again (a redelivered task) sends nothing and notifies nobody.
    assert delivery.deliveries_send([row.pk], retry_in=1).as_dict()["sent"] == 0
    assert len(mailoutbox) == 1 and Notification.objects.count() == 1


def test_the_unsubscribe_link_names_its_recipient(couple, partner_a, mailoutbox):
    due_now(partner_a)
    claim_and_send()
    link = re.search(r"token=([^\s\"&>]+)", text_of(mailoutbox[0])).group(1)
    from urllib.parse import unquote

    assert user_id_from_unsubscribe_token(unquote(link)) == partner_a.pk


def test_appreciation_prompt_offers_the_day_s_starter_and_links_to_the_flow(couple, partner_a, partner_b, mailoutbox):
    AppreciationStarter.objects.create(kind="effort", text="Notice one thing they carried for you today.")
    due_now(partner_a, kinds=("appreciation",))
    claim_and_send()
    message = mailoutbox[0]
    row = Delivery.objects.get(user=partner_a)
    starter = starter_for(row.local_date)
    assert starter.text == "Notice one thing they carried for you today."  # the only active row
    assert starter.text in text_of(message)
    assert partner_b.display_name in text_of(message)
    assert "http://127.0.0.1:8000" + reverse("exercises:appreciations") + "?idea=effort" in text_of(message)
    notice = Notification.objects.get(user=partner_a)
    assert notice.kind == "appreciation_prompt" and notice.url == reverse("exercises:appreciations")


def test_the_starter_rotates_with_the_local_date():
    days = [dt.date(2026, 5, 1) + dt.timedelta(days=n) for n in range(len(DEFAULT_STARTERS))]
    assert len({starter_for(day, []).text for day in days}) == len(DEFAULT_STARTERS)
    assert starter_for(days[0], []) == starter_for(days[0], [])


def test_staff_wording_is_used_when_there_is_some(couple, partner_a, mailoutbox):
    PromptCopy.objects.create(kind=PromptKind.CHECKIN, subject="Checking in, gently", body="Staff words here.\nMore.")
    due_now(partner_a)
    claim_and_send()
    assert mailoutbox[0].subject == "Checking in, gently"
    assert "Staff words here." in text_of(mailoutbox[0])
    assert Notification.objects.get(user=partner_a).body == "Staff words here."


def test_only_in_app_when_email_is_off(couple, partner_a, mailoutbox):
    due_now(partner_a, email_enabled=False)
    outcome = claim_and_send()
    assert outcome.sent == 1 and mailoutbox == []
    row = Delivery.objects.get(user=partner_a)
    assert row.status == Status.SENT and row.message_id == ""
    assert Notification.objects.filter(user=partner_a).count() == 1


def test_only_email_when_in_app_is_off(couple, partner_a, mailoutbox):
    due_now(partner_a, inapp_enabled=False)
    claim_and_send()
    assert len(mailoutbox) == 1 and not Notification.objects.exists()


# --- Who gets nothing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "setup",
    ["prompts_paused", "paused_until_today", "left_couple", "kind_off", "unsubscribed_and_no_in_app", "no_couple"],
)
def test_the_tick_claims_nobody_who_must_get_nothing(setup, partner_a, partner_b, mailoutbox):
    if setup != "no_couple":
        couple = pair(partner_a, partner_b)
    preference = due_now(partner_a)
    if setup == "prompts_paused":
        partner_a.prompts_paused = True
        partner_a.save()
    elif setup == "paused_until_today":
        preference.paused_until = local_today(partner_a)
        preference.save()
    elif setup == "left_couple":
        leaving.couple_leave(couple=couple, user=partner_b)
    elif setup == "kind_off":
        preference.checkin_enabled = False
        preference.save()
    elif setup == "unsubscribed_and_no_in_app":
        preference.email_unsubscribed_at = timezone.now()
        preference.inapp_enabled = False
        preference.save()
    assert delivery.claim_due() == []
    # No prompt (the neutral "space closed" notice of a leaving is not one).
    assert mailoutbox == [] and not Notification.objects.exclude(kind="space_closed").exists()


@pytest.mark.parametrize("change", ["prompts_paused", "paused_until", "left_couple", "kind_off", "unsubscribed"])
def test_a_claimed_prompt_is_skipped_if_things_changed_before_sending(change, couple, partner_a, partner_b, mailoutbox):
    preference = due_now(partner_a, inapp_enabled=False)
    ids = delivery.claim_due()
    assert len(ids) == 1
    if change == "prompts_paused":
        partner_a.prompts_paused = True
        partner_a.save()
    elif change == "paused_until":
        preference.paused_until = Delivery.objects.get().local_date
        preference.save()
    elif change == "left_couple":
        leaving.couple_leave(couple=couple, user=partner_a)
    elif change == "kind_off":
        preference.checkin_enabled = False
        preference.save()
    elif change == "unsubscribed":
        preference.email_unsubscribed_at = timezone.now()
        preference.save()
    outcome = delivery.deliveries_send(ids, retry_in=1)
    assert outcome.skipped == 1
    row = Delivery.objects.get()
    assert row.status == Status.SKIPPED and row.last_error
    # No prompt (the neutral "space closed" notice of a leaving is not one).
    assert mailoutbox == [] and not Notification.objects.exclude(kind="space_closed").exists()
    # Skipped is final: the reconciler never picks it up again.
    assert delivery.reconcile(stale_after=dt.timedelta(seconds=0), enqueue=lambda ids: None, backlog=lambda: 0) == 0


def test_quiet_time_means_nothing_that_day(couple, partner_a, partner_b, mailoutbox):
    local = local_now(partner_a.time_zone)
    CoupleQuietWindow.objects.create(
        couple=couple,
        starts=(local - dt.timedelta(hours=1)).time(),
        ends=(local + dt.timedelta(hours=1)).time(),
        set_by=partner_b,
    )
    due_now(partner_a)
    outcome = claim_and_send()
    assert outcome.skipped == 1
    assert Delivery.objects.get().last_error == "couple quiet time"
    assert mailoutbox == [] and not Notification.objects.exists()
    assert delivery.claim_due() == []  # and not again later that day


def test_a_quiet_time_at_another_hour_holds_nothing_back(couple, partner_a, partner_b, mailoutbox):
    local = local_now(partner_a.time_zone)
    CoupleQuietWindow.objects.create(
        couple=couple,
        starts=(local + dt.timedelta(hours=2)).time(),
        ends=(local + dt.timedelta(hours=3)).time(),
        set_by=partner_b,
    )
    due_now(partner_a)
    claim_and_send()
    assert len(mailoutbox) == 1


def test_a_prompt_more_than_the_catch_up_window_late_is_skipped(couple, partner_a, mailoutbox):
    due_now(partner_a)
    ids = delivery.claim_due()
    Delivery.objects.filter(pk__in=ids).update(due_at=timezone.now() - dt.timedelta(hours=3, minutes=1))
    outcome = delivery.deliveries_send(ids)
    assert outcome.skipped == 1 and mailoutbox == []
    assert Delivery.objects.get().last_error == "more than the catch-up window late"


# --- SMTP failures --------------------------------------------------------------------------


def test_a_temporary_refusal_is_retried_and_the_notification_is_not_repeated(couple, partner_a, smtp_sink):
    smtp_sink.refuse(Refusal(partner_a.email, 451, "4.7.1 Try again later", stage="rcpt", times=1))
    due_now(partner_a)
    ids = delivery.claim_due()
    first = delivery.deliveries_send(ids, retry_in=30)
    assert first.retry_ids == ids and first.sent == 0
    row = Delivery.objects.get()
    assert row.status == Status.QUEUED and "451" in row.last_error
    assert row.queued_at > timezone.now() + dt.timedelta(seconds=25)  # left to the retry, not the reconciler
    message_id = row.message_id
    assert Notification.objects.count() == 1

    second = delivery.deliveries_send(first.retry_ids, retry_in=60)
    assert second.sent == 1
    row.refresh_from_db()
    assert row.status == Status.SENT and row.attempts == 2 and row.message_id == message_id and row.last_error == ""
    assert smtp_sink.stats.snapshot()["received"] == 1
    assert smtp_sink.stats.by_id[message_id] == 1
    assert Notification.objects.count() == 1  # created on the first attempt only


def test_a_temporary_refusal_after_data_is_retried_too(couple, partner_a, smtp_sink):
    smtp_sink.refuse(Refusal(partner_a.email, 452, "4.3.1 Mailbox full for now", stage="data", times=1))
    due_now(partner_a)
    assert claim_and_send(retry_in=5).retry_ids


def test_a_permanent_refusal_is_recorded_and_never_retried(couple, partner_a, smtp_sink):
    smtp_sink.refuse(Refusal(partner_a.email, 550, "5.1.1 No such mailbox", stage="rcpt"))
    due_now(partner_a)
    outcome = claim_and_send(retry_in=5)
    assert outcome.failed == 1 and outcome.retry_ids == []
    row = Delivery.objects.get()
    assert row.status == Status.FAILED and row.last_error.startswith("550") and "No such mailbox" in row.last_error
    assert row.attempts == 1
    assert smtp_sink.stats.received == 0
    # The in-app prompt still reached them.
    assert Notification.objects.filter(user=partner_a).count() == 1
    assert delivery.reconcile(stale_after=dt.timedelta(seconds=0), enqueue=lambda ids: None, backlog=lambda: 0) == 0


def test_one_refused_recipient_does_not_hold_up_the_rest_of_the_batch(couple, partner_a, partner_b, smtp_sink):
    smtp_sink.refuse(Refusal(partner_a.email, 550, "5.1.1 No such mailbox"))
    due_now(partner_a)
    due_now(partner_b)
    outcome = claim_and_send(retry_in=5)
    assert (outcome.sent, outcome.failed) == (1, 1)
    assert smtp_sink.stats.recipients == {partner_b.email: 1}


def test_no_mail_server_means_every_message_is_retried(couple, partner_a, partner_b, settings):
    settings.MAILERS = smtp_mailers(free_port())  # nothing listens there
    due_now(partner_a)
    due_now(partner_b)
    outcome = claim_and_send(retry_in=5)
    assert len(outcome.retry_ids) == 2
    assert "ConnectionRefusedError" in outcome.retry_error
    assert set(Delivery.objects.values_list("status", flat=True)) == {Status.QUEUED}


def test_the_last_try_fails_what_is_still_temporary(couple, partner_a, settings):
    settings.MAILERS = smtp_mailers(free_port())
    due_now(partner_a)
    outcome = claim_and_send(retry_in=None)
    assert outcome.failed == 1 and not outcome.retry_ids
    assert Delivery.objects.get().last_error.startswith("gave up retrying:")


def test_backoff_grows_and_is_capped(settings):
    settings.DAILY_PROMPT_RETRY_BASE_SECONDS = 10
    settings.DAILY_PROMPT_RETRY_CAP_SECONDS = 100
    for attempt, ceiling in [(0, 10), (1, 20), (2, 40), (3, 80), (4, 100), (9, 100)]:
        delays = {delivery.retry_delay(attempt) for _ in range(20)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1  # jitter


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (smtplib.SMTPServerDisconnected("gone"), delivery.CONNECTION),
        (ConnectionRefusedError(), delivery.CONNECTION),
        (TimeoutError(), delivery.CONNECTION),
        (smtplib.SMTPResponseException(421, b"closing"), delivery.CONNECTION),
        (smtplib.SMTPDataError(451, b"later"), delivery.TEMPORARY),
        (smtplib.SMTPRecipientsRefused({"a@b.c": (450, b"busy")}), delivery.TEMPORARY),
        (smtplib.SMTPRecipientsRefused({"a@b.c": (550, b"unknown")}), delivery.PERMANENT),
        (smtplib.SMTPSenderRefused(553, b"no", "x@y.z"), delivery.PERMANENT),
        (ValueError("bad address"), delivery.PERMANENT),
    ],
)
def test_failures_are_classified(exc, kind):
    assert delivery.classify(exc) == kind


# --- Reconciler -----------------------------------------------------------------------------


def test_the_reconciler_takes_back_rows_stuck_sending_and_requeues_lost_ones(couple, partner_a, partner_b):
    due_now(partner_a)
    due_now(partner_b)
    stuck, lost = delivery.claim_due()
    old = timezone.now() - dt.timedelta(minutes=10)
    Delivery.objects.filter(pk=stuck).update(status=Status.SENDING, queued_at=old)
    Delivery.objects.filter(pk=lost).update(queued_at=old)
    handed = []
    # While the send queue has messages, queued rows are probably still in it: only the stuck one comes back.
    assert delivery.reconcile(enqueue=handed.extend, backlog=lambda: 3) == 1
    assert handed == [stuck]
    assert Delivery.objects.get(pk=stuck).status == Status.QUEUED
    # With an empty queue the lost one is handed out again (the first was re-queued a moment ago: fresh).
    handed.clear()
    assert delivery.reconcile(enqueue=handed.extend, backlog=lambda: 0) == 1
    assert handed == [lost]
    # Both were just handed out: nothing is stale now.
    assert delivery.reconcile(enqueue=handed.extend, backlog=lambda: 0) == 0


def test_a_row_that_keeps_getting_stuck_fails_after_the_attempt_cap(couple, partner_a, settings, mailoutbox):
    settings.DAILY_PROMPT_MAX_ATTEMPTS = 3
    due_now(partner_a)
    ids = delivery.claim_due()
    Delivery.objects.filter(pk__in=ids).update(attempts=3)
    outcome = delivery.deliveries_send(ids)
    assert outcome.failed == 1 and mailoutbox == []
    assert Delivery.objects.get().last_error.startswith("gave up after 3 attempts")


# --- The message itself ---------------------------------------------------------------------


def test_the_message_parses_back_whole(couple, partner_a, mailoutbox):
    partner_a.display_name = "Zoë"
    partner_a.save()
    PromptCopy.objects.create(kind=PromptKind.CHECKIN, subject="Un café, Zoë ?", body="Ça va ?")
    due_now(partner_a)
    claim_and_send()
    head = parsed(mailoutbox[0])
    assert head["Subject"] == "Un café, Zoë ?"
    assert head["To"] == partner_a.email
    assert head["From"] == "TrustRepair <hello@trustrepair.example>"
    assert head.get_content_type() == "multipart/alternative"
    assert "Hello Zoë," in text_of(mailoutbox[0])
    assert "<p>Ça va ?</p>" in html_of(mailoutbox[0])
    assert all(len(line) <= 998 for line in bytes(mailoutbox[0].message()).split(b"\r\n"))


def test_header_injection_is_refused():
    message = PromptEmail("Hello\r\nBcc: victim@example.test", "body", to=["a@example.test"])
    with pytest.raises(ValueError):
        message.message()


def test_a_long_unsubscribe_url_stays_a_plain_link():
    url = "https://trustrepair.example/unsubscribe/?token=" + "x" * 120
    message = PromptEmail("s", "b", to=["a@example.test"], headers={"List-Unsubscribe": f"<{url}>"})
    head = email.message_from_bytes(bytes(message.message()), policy=email.policy.default)
    assert str(head["List-Unsubscribe"]).strip() == f"<{url}>"
    assert b"=?utf-8?" not in bytes(message.message())


# --- Bodies rendered once per batch ---------------------------------------------------------


def test_the_batch_body_cache_gives_exactly_what_a_full_render_gives():
    from accounts.models import User
    from exercises.daily import emails

    links = emails.Links.build()
    names = ["Avery", "O'Neill & <Sons>", "Zoë", 'Quote "this"']
    for index, name in enumerate(names):
        user = User(pk=100 + index, email=f"p{index}@example.test", display_name=name)
        row = Delivery(pk=500 + index, kind=PromptKind.APPRECIATION, message_id=f"<m{index}@x>")
        starter = starter_for(dt.date(2026, 5, 1), [])
        args = {"delivery": row, "user": user, "copy": DEFAULT_COPY[PromptKind.APPRECIATION], "starter": starter}
        cached = emails.appreciation_prompt(**args, partner_name=f"<{name}>", links=links)
        full = emails.appreciation_prompt(**args, partner_name=f"<{name}>", links=emails.Links.build())
        assert (cached.subject, cached.body, cached.alternatives) == (full.subject, full.body, full.alternatives)
    assert list(links.bodies.shells.values()) != [None]  # the shortcut was taken


def test_a_template_that_transforms_a_personal_value_is_rendered_in_full(monkeypatch):
    from exercises.daily import emails

    monkeypatch.setattr(emails, "render_bodies", lambda name, context: (context["name"].upper(), context["name"]))
    cache = emails.BodyCache()
    assert cache.bodies("x", {"name": "avery"}) == ("AVERY", "avery")
    assert cache.bodies("x", {"name": "blake"}) == ("BLAKE", "blake")  # not "AVERY" with a name swapped in
    assert list(cache.shells.values()) == [None]


# --- A check-in prompt never arrives for a day already checked in -----------------------------


def _check_in(user, couple):
    from exercises.daily.services import checkin_save

    return checkin_save(user=user, couple=couple, mood="calm", safety=6, trust=6, need="", share="ratings")


def test_no_checkin_prompt_for_a_day_already_checked_in(couple, partner_a, partner_b, mailoutbox):
    _check_in(partner_a, couple)
    due_now(partner_a)
    due_now(partner_b)
    ids = delivery.claim_due()
    # Only the partner who has not checked in today is asked to.
    assert list(Delivery.objects.filter(pk__in=ids).values_list("user_id", flat=True)) == [partner_b.pk]
    delivery.deliveries_send(ids, retry_in=1)
    assert [m.to for m in mailoutbox] == [[partner_b.email]]
    assert not Notification.objects.filter(user=partner_a, kind="checkin_prompt").exists()


def test_a_claimed_checkin_prompt_is_skipped_once_the_person_checks_in(couple, partner_a, mailoutbox):
    due_now(partner_a)
    ids = delivery.claim_due()
    assert len(ids) == 1
    _check_in(partner_a, couple)  # between the claim and the send
    outcome = delivery.deliveries_send(ids, retry_in=1)
    assert outcome.skipped == 1
    assert Delivery.objects.get().last_error == "already checked in that day"
    assert mailoutbox == [] and not Notification.objects.filter(kind="checkin_prompt").exists()


def test_yesterday_s_checkin_does_not_hold_back_today_s_prompt(couple, partner_a, mailoutbox):
    from exercises.models import CheckIn

    CheckIn.objects.create(
        user=partner_a,
        couple=couple,
        local_date=local_today(partner_a) - dt.timedelta(days=1),
        mood="calm",
        safety=5,
        trust=5,
    )
    due_now(partner_a, inapp_enabled=False)
    assert claim_and_send(retry_in=1).sent == 1
    assert len(mailoutbox) == 1
