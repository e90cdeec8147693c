"""Record: a batch's jobs and outcome, and writing their results to the ``Delivery`` rows.

``_record_and_claim`` is the one transaction of each send step: it records
the messages just sent (or failed, or to retry) and claims the next few
(``queued`` → ``sending``, only while still queued, so two tasks holding
the same ids never both send a row). ``_record_and_claim_sql`` is its
common case as one statement. ``RowMarks`` groups per-row column changes
into a handful of UPDATEs. Kept apart from ``send`` so the state rules of
the ledger sit in one place, below both composing and the SMTP loop.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import F

from accounts.models import User
from exercises.models import Delivery

from ..mime import PromptEmail
from .smtp import ERROR_LIMIT

Status = Delivery.Status


@dataclass
class Job:
    delivery: Delivery
    user: User
    email: bool
    inapp: bool
    partner_name: str = ""
    couple_id: int | None = None
    message: PromptEmail | None = None


@dataclass
class BatchOutcome:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    retry_ids: list[int] = field(default_factory=list)
    retry_error: str = ""

    def as_dict(self) -> dict:
        return {"sent": self.sent, "failed": self.failed, "skipped": self.skipped, "retry": len(self.retry_ids)}


def _finish(results: list[tuple[Job, str, str]], now: dt.datetime, retry_in: float | None, outcome: BatchOutcome):
    _record_and_claim(results, [], now, retry_in, outcome)


def _record_and_claim(
    results: list[tuple[Job, str, str]],
    claim: list[Job],
    now: dt.datetime,
    retry_in: float | None,
    outcome: BatchOutcome,
) -> list[Job]:
    """Record ``results`` and claim ``claim`` for sending, in one transaction; returns the jobs claimed.

    A result is recorded only on a row that is not final yet (the reconciler
    may have put a slow worker's row back to ``queued``: it was sent all the
    same). A job is claimed only while its row is ``queued``: another task may
    hold the same ids (a redelivery, a re-queue), and only one may send.
    """
    sent, failed, retry = [], {}, {}
    for job, result, error in results:
        if result == Status.SENT:
            sent.append(job.delivery.pk)
        elif result == "retry" and retry_in is not None:
            retry.setdefault(error, []).append(job.delivery.pk)
        else:
            error = error if result == Status.FAILED else f"gave up retrying: {error}"
            failed.setdefault(error[:ERROR_LIMIT], []).append(job.delivery.pk)
    ids = [job.delivery.pk for job, _, _ in results] + [job.delivery.pk for job in claim]
    if not ids:
        return []
    if not failed and not retry:
        return _record_and_claim_sql(sent, claim, now, outcome)
    rows = Delivery.objects
    with transaction.atomic():
        # Lock by primary key and check the state here (see _start on why not in SQL).
        status_of = dict(rows.select_for_update().filter(pk__in=ids).values_list("pk", "status"))
        open_ = {pk for pk, status in status_of.items() if status in (Status.QUEUED, Status.SENDING)}
        if sent := [pk for pk in sent if pk in open_]:
            outcome.sent += rows.filter(pk__in=sent).update(status=Status.SENT, sent_at=now, last_error="")
        for error, pks in failed.items():
            outcome.failed += rows.filter(pk__in=[pk for pk in pks if pk in open_]).update(
                status=Status.FAILED, last_error=error
            )
        for error, pks in retry.items():
            mine = [pk for pk in pks if pk in open_]
            # queued_at moves to when the retry runs, so the reconciler leaves the row to that retry.
            rows.filter(pk__in=mine).update(
                status=Status.QUEUED, last_error=error, queued_at=now + dt.timedelta(seconds=retry_in)
            )
            outcome.retry_ids += mine
            outcome.retry_error = error
        claimed = [job for job in claim if status_of.get(job.delivery.pk) == Status.QUEUED]
        if claimed:
            rows.filter(pk__in=[job.delivery.pk for job in claimed]).update(status=Status.SENDING, queued_at=now)
    return claimed


def _record_and_claim_sql(sent: list[int], claim: list[Job], now: dt.datetime, outcome: BatchOutcome) -> list[Job]:
    """The usual step (everything sent, more to claim) as one statement: a round trip and a commit.

    Same rules as ``_record_and_claim``: the rows are locked by primary key
    first (a materialised CTE), then a sent row is recorded unless final and a
    claimed row is taken only if still queued.
    """
    claim_ids = [job.delivery.pk for job in claim]
    table = Delivery._meta.db_table
    sql = f"""
        WITH target AS MATERIALIZED (
            SELECT id, status FROM {table} WHERE id = ANY(%(ids)s) FOR UPDATE
        )
        UPDATE {table} AS d SET
            status = CASE WHEN d.id = ANY(%(sent)s) THEN %(sent_status)s ELSE %(sending)s END,
            sent_at = CASE WHEN d.id = ANY(%(sent)s) THEN %(now)s ELSE d.sent_at END,
            last_error = CASE WHEN d.id = ANY(%(sent)s) THEN '' ELSE d.last_error END,
            queued_at = CASE WHEN d.id = ANY(%(sent)s) THEN d.queued_at ELSE %(now)s END
        FROM target
        WHERE d.id = target.id AND (
            (d.id = ANY(%(sent)s) AND target.status IN (%(queued)s, %(sending)s))
            OR (d.id = ANY(%(claim)s) AND target.status = %(queued)s)
        )
        RETURNING d.id, d.status
    """  # noqa: S608 -- the table name comes from our model; every value is a parameter
    params = {
        "ids": sent + claim_ids,
        "sent": sent,
        "claim": claim_ids,
        "now": now,
        "queued": Status.QUEUED,
        "sending": Status.SENDING,
        "sent_status": Status.SENT,
    }
    with connection.cursor() as cursor:  # one statement: its own transaction (or the caller's)
        cursor.execute(sql, params)
        changed = dict(cursor.fetchall())
    outcome.sent += sum(1 for status in changed.values() if status == Status.SENT)
    return [job for job in claim if changed.get(job.delivery.pk) == Status.SENDING]


class RowMarks:
    """Pending column changes of many rows, written as one UPDATE per distinct set of values.

    A batch's rows mostly change the same way (all sent at the same instant), so
    this is a handful of statements where a per-row UPDATE (or Django's
    ``bulk_update`` with its CASE per column) would cost hundreds.
    """

    def __init__(self):
        self.changes: dict[int, dict] = {}

    def add(self, row: Delivery, **values) -> None:
        for name, value in values.items():
            setattr(row, name, value)
        self.changes.setdefault(row.pk, {}).update(values)

    def save(self, *, increment_attempts: Sequence[int] = ()) -> None:
        groups: dict[tuple, list[int]] = {}
        for pk, values in self.changes.items():
            groups.setdefault(tuple(sorted(values.items())), []).append(pk)
        for values, pks in groups.items():
            Delivery.objects.filter(pk__in=pks).update(**dict(values))
        if increment_attempts:
            Delivery.objects.filter(pk__in=list(increment_attempts)).update(attempts=F("attempts") + 1)
