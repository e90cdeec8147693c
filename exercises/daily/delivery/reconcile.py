"""Reconcile: find rows the pipeline lost and hand them out again (every minute).

Rows left in ``sending`` longer than ``DAILY_PROMPT_STALE_SECONDS`` belong to
a worker that died: back to ``queued``, sent again. Rows ``queued`` that long
had their task lost and are enqueued again — at once when the send queue is
empty, otherwise only once much older (``BACKLOG_PATIENCE``). Enqueuing a
row twice is harmless: the first task to lock it sends it. Depends only on
``claim.fan_out``; it is the safety net under claim and send, not part of them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from exercises.models import Delivery

from .claim import fan_out

logger = logging.getLogger(__name__)

Status = Delivery.Status
SEND_QUEUE = "daily_send"
# While the send queue has a backlog, queued rows are re-enqueued only once this many stale periods old.
BACKLOG_PATIENCE = 12


def send_queue_backlog() -> int | None:
    """Messages waiting in the send queue, or None when the broker cannot say."""
    from trustrepair.celery import app

    try:
        with app.connection_for_write() as conn:
            return conn.default_channel.queue_declare(queue=SEND_QUEUE, passive=True).message_count
    except Exception:  # noqa: BLE001 -- unknown is treated as "maybe lost"
        return None


def reconcile(
    *,
    stale_after: dt.timedelta | None = None,
    now: dt.datetime | None = None,
    enqueue: Callable[[list[int]], None] | None = None,
    backlog: Callable[[], int | None] = send_queue_backlog,
) -> int:
    """Re-queue deliveries stuck in ``sending`` or ``queued``; returns how many were handed out again."""
    now = now or timezone.now()
    stale_after = stale_after or dt.timedelta(seconds=settings.DAILY_PROMPT_STALE_SECONDS)
    cutoff = now - stale_after
    with transaction.atomic():
        revived = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(status=Status.SENDING, queued_at__lt=cutoff)
            .values_list("pk", flat=True)
        )
        Delivery.objects.filter(pk__in=revived).update(status=Status.QUEUED, queued_at=now)
    waiting = backlog()
    # Queued rows are probably still in the broker while the queue has messages; much older ones are not.
    queued_cutoff = cutoff if not waiting else now - BACKLOG_PATIENCE * stale_after
    with transaction.atomic():
        lost = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(status=Status.QUEUED, queued_at__lt=queued_cutoff)
            .values_list("pk", flat=True)
        )
        Delivery.objects.filter(pk__in=lost).update(queued_at=now)
    ids = sorted(set(revived) | set(lost))
    if ids:
        logger.info("Reconciler re-queued %d deliveries (%d were stuck sending).", len(ids), len(revived))
        (enqueue or fan_out)(ids)
    return len(ids)
