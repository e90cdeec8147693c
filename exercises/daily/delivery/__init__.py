"""The prompt pipeline: claim who is due, fan out, send, mark, reconcile.

The ``Delivery`` row is the whole truth; the broker only carries ids.

Claim (``tick``)
    Each tick collects who is due (see ``scheduling``) and inserts a row per
    (person, kind, local date) with ``ON CONFLICT DO NOTHING`` on the unique key
    and ``RETURNING id``: it returns exactly the rows *this* tick created, so two
    ticks at once (two beats, a beat and a manual run) can never both claim a
    prompt. Tomorrow's prompts are never scheduled ahead as broker ETAs: a
    prompt exists only once it is due.

    The weekly summary is one more kind (``KINDS``) in the same statement: due
    only on the local date whose ISO weekday the person chose, so the same
    unique key makes it once a week, and never claimed within seven local days
    of the previous one (changing the day cannot bring two in one week). It
    follows every rule of the daily prompts: catch-up, pauses, leaving,
    quiet time, unsubscribe. Its email is composed per person (``weekly``).

Send (``deliveries_send``, one task per batch of ids)
    Rows are locked with ``SKIP LOCKED`` and taken only while ``queued``. In
    that short transaction each row is checked again (paused, left the couple,
    kind turned off, unsubscribed, quiet time, too late: ``skipped``, never
    retried), its Message-ID is fixed once (kept across retries, so a repeat
    is visible as one), and — on its first attempt only — its in-app
    notification is created: it exists exactly once however often the email is
    retried. Mail then goes out over one SMTP connection per batch, a few
    messages at a time (``DAILY_PROMPT_MARK_EVERY``): one transaction records
    the last few as ``sent`` and claims the next few (``queued`` →
    ``sending``, only if still queued, so two tasks holding the same ids never
    both send a row). ``sending`` therefore means "on the wire now": a worker
    killed mid-batch can repeat only those few messages.

Failures
    Temporary SMTP trouble (a dropped or refused connection, a timeout, a 4xx
    reply) puts the rows back to ``queued`` for the task's retry with
    exponential backoff and jitter, capped; after the last retry they are
    ``failed``. A permanent refusal (5xx) is ``failed`` at once, with the
    server's answer in ``last_error``, and never retried.

Reconcile (``reconcile``, every minute)
    Rows left in ``sending`` longer than ``DAILY_PROMPT_STALE_SECONDS`` belong
    to a worker that died: they go back to ``queued`` and are sent again (the
    only repeats the design allows). Rows ``queued`` that long had their task
    lost (a Redis restart, a killed worker's prefetched message) and are
    enqueued again — at once when the send queue is empty, otherwise only once
    they are much older (``BACKLOG_PATIENCE``), since they are most likely
    still waiting their turn.
    Enqueuing a row twice is harmless: the first task to lock it sends it.

Modules
    ``kinds`` (the prompt kinds and their preference fields, ``wants_email``),
    ``claim`` (``tick``, ``claim_due``, ``fan_out``), ``send``
    (``deliveries_send``, ``retry_delay``), ``record`` (jobs, outcome, and
    writing results to the rows), ``smtp`` (``classify``, ``describe``, the
    raw SMTP send) and ``reconcile``. Imports go one way: kinds and smtp at
    the bottom, then record, claim, send, and reconcile on top of claim.
    This package re-exports what callers use, so ``delivery.tick()`` and
    ``from exercises.daily.delivery import wants_email`` work as before.
"""

from __future__ import annotations

from .claim import _claim_postgresql, _fix_due_at, active_zones, chunks, claim_due, fan_out, tick
from .kinds import KINDS, PROMPT_PAGES, SPECS, KindSpec, notification_kind, prompt_path, wants_email
from .reconcile import BACKLOG_PATIENCE, SEND_QUEUE, reconcile, send_queue_backlog
from .record import BatchOutcome, Job, RowMarks
from .send import People, deliveries_send, message_domain, retry_delay, skip_reason
from .smtp import CONNECTION, ERROR_LIMIT, PERMANENT, TEMPORARY, classify, describe, smtp_send

__all__ = [
    "BACKLOG_PATIENCE",
    "CONNECTION",
    "ERROR_LIMIT",
    "KINDS",
    "PERMANENT",
    "PROMPT_PAGES",
    "SEND_QUEUE",
    "SPECS",
    "TEMPORARY",
    "BatchOutcome",
    "Job",
    "KindSpec",
    "People",
    "RowMarks",
    "_claim_postgresql",
    "_fix_due_at",
    "active_zones",
    "chunks",
    "claim_due",
    "classify",
    "deliveries_send",
    "describe",
    "fan_out",
    "message_domain",
    "notification_kind",
    "prompt_path",
    "reconcile",
    "retry_delay",
    "send_queue_backlog",
    "skip_reason",
    "smtp_send",
    "tick",
    "wants_email",
]
