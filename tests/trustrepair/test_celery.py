"""Celery wiring: real tasks through a real worker on the real broker (Redis in `make test`)."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from tests.factories import UserFactory
from trustrepair.celery import app as celery_app
from trustrepair.tasks import heartbeat


@celery_app.task(name="tests.count_users")
def count_users() -> int:
    """A test-only task that reads the database, as real tasks will."""
    return User.objects.count()


def test_app_reads_its_configuration_from_django_settings(settings):
    assert celery_app.conf.broker_url == settings.CELERY_BROKER_URL
    assert celery_app.conf.task_serializer == "json"
    assert celery_app.conf.task_acks_late is True
    assert "trustrepair.tasks.heartbeat" in celery_app.tasks
    assert celery_app.conf.beat_schedule["heartbeat"]["task"] == "trustrepair.tasks.heartbeat"


def test_heartbeat_round_trips_through_a_real_worker(celery_worker):
    before = timezone.now()
    result = heartbeat.delay()
    answer = result.get(timeout=10)
    assert result.successful()
    stamp = datetime.fromisoformat(answer)
    assert stamp.tzinfo is not None
    assert before - timedelta(seconds=1) <= stamp <= timezone.now() + timedelta(seconds=1)


@pytest.mark.django_db(transaction=True)
def test_task_reads_committed_data_in_the_worker(celery_worker):
    """The pattern for DB-reading tasks: the worker has its own connection, so the test must commit."""
    UserFactory.create_batch(3)
    assert count_users.delay().get(timeout=10) == 3
