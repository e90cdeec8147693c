"""End to end with a real Celery worker on the real Redis broker: tick → broker → worker → PostgreSQL → mail.

The worker runs in a thread of this process (``celery_worker``), so Django's
test outbox sees what it sends; with ``smtp_sink`` the mail goes over SMTP to
a sink instead. Tests that let the worker read the database commit their data
(``transaction=True``).
"""

import time

import pytest
from django.core import mail

from exercises import tasks
from exercises.daily import delivery
from exercises.models import Delivery, Notification
from tests.couple.conftest import pair
from tests.daily.conftest import at_once_in_two_connections, due_now
from tests.factories import UserFactory
from trustrepair.bench.prompts.sink import Refusal

Status = Delivery.Status
pytestmark = [
    pytest.mark.usefixtures("celery_worker", "prompts_off"),
    pytest.mark.django_db(transaction=True),
]


def wait_until(condition, timeout: float = 20.0, what: str = "the pipeline"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"Timed out waiting for {what}")


def all_finished(expected: int):
    def check():
        rows = list(Delivery.objects.values_list("status", flat=True))
        return len(rows) == expected and all(status not in (Status.QUEUED, Status.SENDING) for status in rows)

    return check


def settle(seconds: float = 0.6) -> None:
    """Give anything that would wrongly repeat the time to show up."""
    time.sleep(seconds)


def test_a_due_person_gets_exactly_one_email_and_one_notification(partner_a, partner_b, mailoutbox):
    pair(partner_a, partner_b)
    due_now(partner_a)
    tasks.tick.delay()
    wait_until(all_finished(1))
    settle()
    row = Delivery.objects.get()
    assert row.user == partner_a and row.status == Status.SENT
    assert [message.to for message in mail.outbox] == [[partner_a.email]]
    assert mail.outbox[0].extra_headers["Message-ID"] == row.message_id
    assert Notification.objects.filter(user=partner_a).count() == 1
    assert not Notification.objects.filter(user=partner_b).exists()


def test_ticking_twice_sends_nothing_twice(partner_a, partner_b, mailoutbox):
    pair(partner_a, partner_b)
    due_now(partner_a)
    due_now(partner_b)
    tasks.tick.delay()
    wait_until(all_finished(2))
    tasks.tick.delay()
    tasks.reconcile.delay()
    settle(1.0)
    assert Delivery.objects.count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([partner_a.email, partner_b.email])
    assert Notification.objects.count() == 2


def test_two_ticks_at_the_same_moment_claim_each_prompt_once(mailoutbox):
    people = [UserFactory(verified=True, time_zone=zone) for zone in ["Asia/Kolkata", "Pacific/Chatham"] * 6]
    for first, second in zip(people[::2], people[1::2], strict=True):
        pair(first, second)
    for person in people:
        due_now(person, kinds=("checkin", "appreciation"))

    def tick() -> list[int]:
        ids = delivery.claim_due()
        delivery.fan_out(ids)
        return ids

    claimed = at_once_in_two_connections(tick)

    expected = len(people) * 2
    assert sorted(claimed[0] + claimed[1]) == sorted(set(claimed[0]) | set(claimed[1]))  # no id claimed twice
    assert len(claimed[0]) + len(claimed[1]) == expected
    wait_until(all_finished(expected))
    settle()
    assert len(mail.outbox) == expected
    assert len({message.extra_headers["Message-ID"] for message in mail.outbox}) == expected
    assert Notification.objects.count() == expected


def test_a_temporary_smtp_failure_is_retried_by_the_worker(partner_a, partner_b, smtp_sink, settings):
    settings.DAILY_PROMPT_RETRY_BASE_SECONDS = 0.2
    smtp_sink.refuse(Refusal(partner_a.email, 451, "4.3.0 Please try again", times=2))
    pair(partner_a, partner_b)
    due_now(partner_a)
    tasks.tick.delay()
    wait_until(lambda: Delivery.objects.filter(status=Status.SENT).exists(), what="the retried send")
    settle()
    row = Delivery.objects.get()
    assert row.attempts == 3  # refused twice, then accepted
    assert smtp_sink.stats.snapshot()["received"] == 1 and smtp_sink.stats.by_id[row.message_id] == 1
    assert Notification.objects.count() == 1


def test_a_permanent_smtp_failure_is_recorded_and_not_retried(partner_a, partner_b, smtp_sink, settings):
    settings.DAILY_PROMPT_RETRY_BASE_SECONDS = 0.2
    smtp_sink.refuse(Refusal(partner_a.email, 550, "5.1.1 User unknown"))
    pair(partner_a, partner_b)
    due_now(partner_a)
    tasks.tick.delay()
    wait_until(lambda: Delivery.objects.filter(status=Status.FAILED).exists(), what="the failure")
    settle(1.0)  # several retry periods: nothing may try again
    row = Delivery.objects.get()
    assert row.status == Status.FAILED and row.attempts == 1 and "550" in row.last_error
    assert smtp_sink.stats.received == 0
