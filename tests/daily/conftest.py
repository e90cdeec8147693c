"""Fixtures of the daily-rhythm tests.

The couple cast comes from the couple-space tests (A and B paired; the
outsider in a couple of their own). ``due_now`` sets a person's prompt times a
minute before their local now, so one tick claims them.
"""

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from django.utils import timezone

from exercises.daily.scheduling import local_now
from exercises.models import PromptPreference
from tests.couple.conftest import couple, other_couple, other_partner, pair, unpaired  # noqa: F401

SMTP_TEST_OPTIONS = {"timeout": 5}


def due_now(user, *, kinds=("checkin",), minutes_ago=1, now=None, **preference):
    """Make ``user`` due for ``kinds`` now (other kinds off); returns their preference row."""
    local = local_now(user.time_zone, now or timezone.now()) - dt.timedelta(minutes=minutes_ago)
    at = local.time().replace(second=0, microsecond=0)
    values = {
        "checkin_enabled": "checkin" in kinds,
        "appreciation_enabled": "appreciation" in kinds,
        "weekly_summary_enabled": "weekly_summary" in kinds,
        "checkin_time": at,
        "appreciation_time": at,
        "weekly_summary_time": at,
        "weekly_summary_day": local.isoweekday(),
        **preference,
    }
    pref, _ = PromptPreference.objects.update_or_create(user=user, defaults=values)
    return pref


@pytest.fixture
def prompts_off(partner_a, partner_b):
    """Both partners get nothing until a test makes them due.

    Without a preference row a person has the default times (08:00 and 19:00
    local, and the weekly summary on Sundays at 18:00), so whether they are due
    would depend on the hour the suite runs.
    """
    for user in (partner_a, partner_b):
        PromptPreference.objects.update_or_create(
            user=user,
            defaults={"checkin_enabled": False, "appreciation_enabled": False, "weekly_summary_enabled": False},
        )


def at_once_in_two_connections(work: Callable[[], list[int]]) -> list[list[int]]:
    """Run ``work`` in two threads (two database connections) released at the same instant; their results."""
    start = threading.Barrier(2)
    results: list[list[int]] = [[], []]

    def run(slot: int) -> None:
        from django.db import connection

        try:
            start.wait()
            results[slot] = work()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(slot,)) for slot in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    return results


def smtp_mailers(port: int) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, **SMTP_TEST_OPTIONS},
        }
    }


@pytest.fixture
def sink():
    """An SMTP sink in this process: ``(stats, port, refusals)``; add ``Refusal`` rows to script failures."""
    from trustrepair.bench.prompts.sink import CountingHandler, SinkStats, free_port, start_controller

    stats, refusals = SinkStats(), []
    handler = CountingHandler(stats)
    port = free_port()
    controller = start_controller(handler, port)

    class Sink:
        def __init__(self):
            self.stats, self.port, self.handler = stats, port, handler

        def refuse(self, refusal):
            refusals.append(refusal)
            handler.refusals[refusal.address.lower()] = refusal

    try:
        yield Sink()
    finally:
        controller.stop()


@pytest.fixture
def smtp_sink(sink, settings):
    """The sink, with Django's default mailer pointed at it (instead of the test outbox)."""
    settings.MAILERS = smtp_mailers(sink.port)
    return sink
