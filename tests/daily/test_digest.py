"""The waiting digest: one email gathering what waits, per the person's settings, outside quiet time, exactly once."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from exercises.daily import digest, waiting
from exercises.daily.scheduling import local_now
from exercises.models import CoupleQuietWindow, Notification, PromptPreference
from exercises.services import agreements as service
from tests.daily.conftest import at_once_in_two_connections, smtp_mailers
from trustrepair.bench.prompts.sink import free_port

MARKER = "DIGEST-PRIVATE-WORDS-8830"
SETTLED = dt.timedelta(minutes=11)


def propose(user, couple, words=f"I call when I'm late. {MARKER}"):
    return service.agreement_propose(couple=couple, user=user, category="availability", text=words, review_on=None)


def later(minutes_after_settling=0) -> dt.datetime:
    return timezone.now() + SETTLED + dt.timedelta(minutes=minutes_after_settling)


def body_of(message) -> str:
    return message.body + "".join(content for content, _ in message.alternatives)


@pytest.mark.django_db
def test_what_waits_goes_in_one_email_once(couple, partner_a, partner_b, mailoutbox):
    first = propose(partner_a, couple)
    propose(partner_a, couple, words=f"We eat together on Sundays. {MARKER}")
    assert digest.digests_send() == 0  # not settled yet: what comes together goes together
    assert digest.digests_send(now=later()) == 1
    (message,) = mailoutbox
    assert message.to == [partner_b.email]
    assert message.subject == "2 things are waiting for you on TrustRepair"
    text = body_of(message)
    assert text.count("Avery has proposed an agreement for you to look at") == 4  # twice in each part
    assert "http://127.0.0.1:8000" + waiting.agreement_link(first) in text
    assert MARKER not in text + message.subject  # titles only, never the partner's words
    assert "List-Unsubscribe" in message.extra_headers
    assert not Notification.objects.filter(user=partner_b, emailed_at__isnull=True).exists()
    # The next runs send nothing more.
    assert digest.digests_send(now=later(5)) == 0
    assert digest.digests_send(now=later(500)) == 0
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_something_dealt_with_before_the_email_is_not_emailed(couple, partner_a, partner_b, mailoutbox):
    agreement = propose(partner_a, couple)
    service.agreement_decide(agreement=agreement, user=partner_b, accept=True)
    assert digest.digests_send(now=later()) == 0
    assert mailoutbox == []


@pytest.mark.django_db
@pytest.mark.parametrize("setting", ["digest_off", "email_off", "unsubscribed", "paused", "all_paused"])
def test_no_digest_for_someone_who_does_not_want_it(setting, couple, partner_a, partner_b, mailoutbox):
    preference, _ = PromptPreference.objects.get_or_create(user=partner_b)
    if setting == "digest_off":
        preference.digest_enabled = False
    elif setting == "email_off":
        preference.email_enabled = False
    elif setting == "unsubscribed":
        preference.email_unsubscribed_at = timezone.now()
    elif setting == "paused":
        preference.paused_until = local_now(partner_b.time_zone).date() + dt.timedelta(days=2)
    elif setting == "all_paused":
        partner_b.prompts_paused = True
        partner_b.save()
    preference.save()
    propose(partner_a, couple)
    assert digest.digests_send(now=later()) == 0
    assert mailoutbox == []
    # The in-app notice is there all the same.
    assert Notification.objects.filter(user=partner_b, kind=waiting.AGREEMENT_TO_ANSWER, emailed_at=None).exists()


@pytest.mark.django_db
def test_quiet_time_defers_the_digest_until_it_ends(couple, partner_a, partner_b, mailoutbox):
    send_at = later()
    local = local_now(partner_b.time_zone, send_at)
    CoupleQuietWindow.objects.create(
        couple=couple,
        starts=(local - dt.timedelta(minutes=30)).time(),
        ends=(local + dt.timedelta(minutes=30)).time(),
        set_by=partner_a,
    )
    propose(partner_a, couple)
    assert digest.digests_send(now=send_at) == 0
    assert mailoutbox == []
    # Deferred, not dropped: the first run after the quiet time sends it.
    assert digest.digests_send(now=send_at + dt.timedelta(minutes=31)) == 1
    assert [m.to for m in mailoutbox] == [[partner_b.email]]


@pytest.mark.django_db
def test_one_digest_at_most_every_few_hours(couple, partner_a, partner_b, mailoutbox, settings):
    propose(partner_a, couple, words="One")
    assert digest.digests_send(now=later()) == 1
    propose(partner_a, couple, words="Two")
    assert digest.digests_send(now=later(10)) == 0  # within the gap: it waits
    assert digest.digests_send(now=later(settings.WAITING_DIGEST_GAP_MINUTES + 1)) == 1
    assert len(mailoutbox) == 2
    assert "1 thing" not in mailoutbox[1].subject and mailoutbox[1].subject.startswith("Something is waiting")


@pytest.mark.django_db
def test_a_stale_notice_is_never_emailed(couple, partner_a, partner_b, mailoutbox, settings):
    propose(partner_a, couple)
    assert digest.digests_send(now=timezone.now() + dt.timedelta(hours=settings.WAITING_DIGEST_MAX_AGE_HOURS + 1)) == 0
    assert mailoutbox == []


@pytest.mark.django_db
def test_a_failed_send_gives_the_claim_back(couple, partner_a, partner_b, settings):
    propose(partner_a, couple)
    settings.MAILERS = smtp_mailers(free_port())  # nobody listens there
    with pytest.raises(OSError):
        digest.digest_send(partner_b.pk, now=later())
    assert Notification.objects.get(user=partner_b, kind=waiting.AGREEMENT_TO_ANSWER).emailed_at is None
    assert digest.digests_send(now=later()) == 0  # logged, not raised, and still unclaimed
    assert Notification.objects.get(user=partner_b, kind=waiting.AGREEMENT_TO_ANSWER).emailed_at is None


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_one_email(couple, partner_a, partner_b):
    propose(partner_a, couple)
    mail.outbox = []
    send_at = later()
    results = at_once_in_two_connections(lambda: [digest.digests_send(now=send_at)])
    assert sorted(results) == [[0], [1]]
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_the_preference_page_turns_the_digest_off(client, couple, partner_b):
    client.force_login(partner_b)
    page = client.get(reverse("daily:preferences"))
    assert 'name="digest_enabled"' in page.content.decode()
    data = {
        "checkin_time": "08:00",
        "appreciation_time": "19:00",
        "weekly_summary_day": "7",
        "weekly_summary_time": "18:00",
        "email_enabled": "on",
        "inapp_enabled": "on",
    }
    assert client.post(reverse("daily:preferences"), data).status_code == 302
    assert PromptPreference.objects.get(user=partner_b).digest_enabled is False
    assert client.post(reverse("daily:preferences"), data | {"digest_enabled": "on"}).status_code == 302
    assert PromptPreference.objects.get(user=partner_b).digest_enabled is True


def test_the_beat_runs_the_digest_every_few_minutes(settings):
    import exercises.tasks  # noqa: F401 -- registers the tasks
    from trustrepair.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["waiting-digest"]
    assert entry["task"] in app.tasks
    assert entry["schedule"] <= 600


@pytest.mark.django_db(transaction=True)
def test_the_beat_task_sends_the_digest_through_a_real_worker(celery_worker, couple, partner_a, partner_b):
    from exercises.tasks import send_digests

    propose(partner_a, couple)
    # Settled: as if proposed a quarter of an hour ago (the task reads the clock itself).
    Notification.objects.update(created_at=timezone.now() - dt.timedelta(minutes=15))
    mail.outbox = []
    assert send_digests.apply_async(ignore_result=False).get(timeout=10) == 1
    assert send_digests.apply_async(ignore_result=False).get(timeout=10) == 0
    assert [m.to for m in mail.outbox] == [[partner_b.email]]


@pytest.mark.django_db
def test_the_digest_does_not_name_the_exercise(couple, partner_a, partner_b, mailoutbox):
    from exercises.services import paired
    from tests.exercises.factories import exercise_with_steps

    exercise = exercise_with_steps(slug="after-the-affair", title="After the affair")
    run = paired.run_get_or_create(couple=couple, exercise=exercise)
    first = exercise.steps.get(order=1)
    paired.response_submit(run=run, user=partner_a, answers={first.pk: (MARKER, None)}, visibility="couple")
    assert digest.digests_send(now=later()) == 1
    (message,) = mailoutbox
    text = body_of(message) + message.subject
    assert "An exercise is waiting for your answers" in text
    assert "After the affair" not in text and MARKER not in text
    assert "http://127.0.0.1:8000" + reverse("exercises:detail", args=["after-the-affair"]) in text
