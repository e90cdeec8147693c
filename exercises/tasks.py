"""Celery tasks of the daily rhythm. Thin: they take ids and call ``exercises.daily`` services.

Every task is safe to run twice: the services check the delivery rows' state
under a row lock first. ``acks_late`` with ``reject_on_worker_lost`` puts the
message of a task whose worker died back on the queue; the reconciler covers
what the broker itself loses.
"""

from __future__ import annotations

import datetime as dt
import smtplib

from celery import shared_task
from django.conf import settings

from exercises.daily import delivery, digest
from exercises.daily.notifications import appreciation_email_send
from trustrepair.rowsecurity.identity import acts_as_jobs, acts_for

RELIABLE = {"acks_late": True, "reject_on_worker_lost": True, "ignore_result": True}


@shared_task(name="exercises.tasks.tick", **RELIABLE)
@acts_as_jobs
def tick() -> int:
    """Every minute (beat): claim the prompts that are due and fan them out in batches."""
    return delivery.tick()


@shared_task(name="exercises.tasks.reconcile", **RELIABLE)
@acts_as_jobs
def reconcile(stale_seconds: float | None = None) -> int:
    """Every minute (beat): re-queue deliveries stuck in queued/sending."""
    stale = dt.timedelta(seconds=stale_seconds) if stale_seconds else None
    return delivery.reconcile(stale_after=stale)


@shared_task(bind=True, name="exercises.tasks.send_batch", max_retries=settings.DAILY_PROMPT_MAX_RETRIES, **RELIABLE)
@acts_as_jobs
def send_batch(self, delivery_ids: list[int]) -> dict:
    """Send one batch. Rows hit by a temporary SMTP failure come back here with backoff; the last try fails them."""
    last_try = self.request.retries >= self.max_retries
    retry_in = None if last_try else delivery.retry_delay(self.request.retries)
    outcome = delivery.deliveries_send(delivery_ids, retry_in=retry_in)
    if outcome.retry_ids:
        raise self.retry(args=(outcome.retry_ids,), countdown=retry_in)
    return outcome.as_dict()


@shared_task(
    bind=True,
    name="exercises.tasks.send_appreciation_email",
    autoretry_for=(smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, TimeoutError),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
    **RELIABLE,
)
@acts_for("recipient_id")
def send_appreciation_email(self, appreciation_id: int, recipient_id: int) -> bool:
    return appreciation_email_send(appreciation_id)


@shared_task(name="exercises.tasks.send_digests", **RELIABLE)
@acts_as_jobs
def send_digests() -> int:
    """Every few minutes (beat): one email per person gathering their waiting notices; returns how many went."""
    return digest.digests_send()
