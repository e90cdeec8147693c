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
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import random
import smtplib
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.core import mail
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import connection, transaction
from django.db.models import CharField, F, TimeField, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, User
from exercises.models import CoupleQuietWindow, Delivery, Notification, PromptKind, PromptPreference

from . import copy as prompt_copy
from . import emails, weekly
from .mime import PromptEmail, is_bare_address
from .scheduling import ZoneClock, clock_changes, due_instant, local_now, too_late, zone_clocks

logger = logging.getLogger(__name__)

Status = Delivery.Status
SEND_QUEUE = "daily_send"
# While the send queue has a backlog, queued rows are re-enqueued only once this many stale periods old.
BACKLOG_PATIENCE = 12
ERROR_LIMIT = Delivery._meta.get_field("last_error").max_length


@dataclass(frozen=True)
class KindSpec:
    kind: str
    enabled_field: str
    time_field: str
    needs_partner: bool  # an appreciation needs someone to appreciate; a weekly summary is of a week together
    # A weekly kind is due only on the person's chosen ISO weekday (their local date), so the ledger's
    # (user, kind, local date) key makes it once a week; daily kinds have none. A weekly kind is also
    # never claimed within 7 local days of the last one, so changing the day cannot make two in one week.
    day_field: str | None = None

    @property
    def gap_days(self) -> int:
        return 7 if self.day_field else 1

    @property
    def default_time(self) -> dt.time:
        return PromptPreference._meta.get_field(self.time_field).default

    @property
    def default_enabled(self) -> bool:
        return PromptPreference._meta.get_field(self.enabled_field).default

    @property
    def default_day(self) -> int | None:
        return PromptPreference._meta.get_field(self.day_field).default if self.day_field else None


KINDS: tuple[KindSpec, ...] = (
    KindSpec(PromptKind.CHECKIN, "checkin_enabled", "checkin_time", needs_partner=False),
    KindSpec(PromptKind.APPRECIATION, "appreciation_enabled", "appreciation_time", needs_partner=True),
    KindSpec(
        PromptKind.WEEKLY_SUMMARY,
        "weekly_summary_enabled",
        "weekly_summary_time",
        needs_partner=True,
        day_field="weekly_summary_day",
    ),
)
SPECS = {spec.kind: spec for spec in KINDS}


# --- Claim ----------------------------------------------------------------------------


def tick(*, now: dt.datetime | None = None, enqueue: Callable[[list[int]], None] | None = None) -> int:
    """Claim every prompt that is due now and hand the new rows to the workers; returns how many."""
    now = now or timezone.now()
    ids = claim_due(now=now)
    if ids:
        (enqueue or fan_out)(ids)
    return len(ids)


def active_zones() -> list[str]:
    return list(User.objects.filter(is_active=True).order_by().values_list("time_zone", flat=True).distinct())


def claim_due(*, now: dt.datetime | None = None) -> list[int]:
    """Create the delivery rows that are due at ``now`` and return the ids this call created."""
    now = now or timezone.now()
    clocks = zone_clocks(active_zones(), now)
    if not clocks:
        return []
    return _claim_postgresql(clocks, now)


def _claim_postgresql(clocks: Sequence[ZoneClock], now: dt.datetime) -> list[int]:
    user, membership = User._meta.db_table, Membership._meta.db_table
    couple = Membership._meta.get_field("couple").related_model._meta.db_table
    preference, delivery = PromptPreference._meta.db_table, Delivery._meta.db_table
    params: dict = {}
    values = []
    for index, clock in enumerate(clocks):
        values.append(
            f"(%(zone{index})s, %(date{index})s::date, %(time{index})s::time, %(earliest{index})s::time,"
            f" %(weekday{index})s::smallint)"
        )
        params |= {
            f"zone{index}": clock.zone,
            f"date{index}": clock.local_date,
            f"time{index}": clock.local_time,
            f"earliest{index}": clock.earliest,
            f"weekday{index}": clock.local_date.isoweekday(),
        }
    selects = []
    for spec in KINDS:
        partner = (
            f"AND EXISTS (SELECT 1 FROM {membership} m2 WHERE m2.couple_id = m.couple_id"  # noqa: S608
            " AND m2.user_id <> u.id AND m2.left_at IS NULL)"
            if spec.needs_partner
            else ""
        )
        # A weekly kind: on the chosen weekday only, and never within gap_days of the last one.
        weekday = (
            f"AND COALESCE(p.{spec.day_field}, %({spec.kind}_day)s::smallint) = clock.weekday"  # noqa: S608
            f" AND NOT EXISTS (SELECT 1 FROM {delivery} w WHERE w.user_id = u.id AND w.kind = %({spec.kind}_kind)s"
            f" AND w.local_date > clock.local_date - {spec.gap_days:d})"
            if spec.day_field
            else ""
        )
        at = f"COALESCE(p.{spec.time_field}, %({spec.kind}_time)s::time)"
        selects.append(
            f"""
            SELECT u.id AS user_id, %({spec.kind}_kind)s AS kind, clock.local_date, clock.zone, {at} AS at
            FROM {user} u
            JOIN clock ON clock.zone = u.time_zone
            JOIN {membership} m ON m.user_id = u.id AND m.left_at IS NULL
            JOIN {couple} c ON c.id = m.couple_id AND c.ended_at IS NULL
            LEFT JOIN {preference} p ON p.user_id = u.id
            WHERE u.is_active AND NOT u.prompts_paused
              AND COALESCE(p.{spec.enabled_field}, %({spec.kind}_enabled)s)
              AND (p.paused_until IS NULL OR p.paused_until < clock.local_date)
              AND (COALESCE(p.inapp_enabled, TRUE) OR (COALESCE(p.email_enabled, TRUE) AND p.email_unsubscribed_at IS NULL))
              AND {at} BETWEEN clock.earliest AND clock.local_time
              {weekday}
              {partner}
            """  # noqa: S608 -- names from our models, values as parameters
        )
        params |= {
            f"{spec.kind}_kind": spec.kind,
            f"{spec.kind}_time": spec.default_time,
            f"{spec.kind}_enabled": spec.default_enabled,
            f"{spec.kind}_day": spec.default_day,
        }
    # due_at: PostgreSQL reads the chosen time in the person's zone. That is exact except where a DST change
    # falls inside a zone's catch-up window (a repeated or a skipped time), so rows of those zones are
    # recomputed below with zoneinfo, which decides as the rest of this module does.
    #
    # Two statements, on purpose: the candidates (without the rows already in the ledger) are collected
    # first in a temporary table of this connection, then inserted. Read and inserted in one statement, a
    # nearly empty ledger (a new deployment, a fresh benchmark) let the planner scan the ledger once per
    # candidate while the statement itself kept adding rows to it: quadratic, minutes for 100,000 people.
    # (Fetching the candidates into Python instead cost the worker ~50 MB at that size.) The unique key
    # still decides who claims a row (ON CONFLICT … RETURNING), so two ticks at once stay exactly-once.
    candidates = f"""
        WITH clock (zone, local_date, local_time, earliest, weekday) AS (VALUES {", ".join(values)})
        INSERT INTO claim_candidates (user_id, kind, local_date, due_at)
        SELECT cand.user_id, cand.kind, cand.local_date, (cand.local_date + cand.at) AT TIME ZONE cand.zone
        FROM ({" UNION ALL ".join(selects)}) AS cand
        WHERE NOT EXISTS (
            SELECT 1 FROM {delivery} d
            WHERE d.user_id = cand.user_id AND d.kind = cand.kind AND d.local_date = cand.local_date
        )
    """  # noqa: S608 -- table and column names come from our models; every value is a parameter
    insert = f"""
        INSERT INTO {delivery} (user_id, kind, local_date, due_at, status, queued_at, attempts, last_error, message_id)
        SELECT user_id, kind, local_date, due_at, %s, %s, 0, '', '' FROM claim_candidates
        ON CONFLICT (user_id, kind, local_date) DO NOTHING
        RETURNING id
    """  # noqa: S608
    with transaction.atomic(), connection.cursor() as cursor:
        # Created once per connection and emptied after use: no DDL (and its locks) on every tick.
        cursor.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS claim_candidates"
            " (user_id bigint, kind text, local_date date, due_at timestamptz)"
        )
        cursor.execute("DELETE FROM claim_candidates")
        cursor.execute(candidates, params)
        cursor.execute(insert, [Status.QUEUED, now])
        ids = sorted(row[0] for row in cursor.fetchall())
        cursor.execute("DELETE FROM claim_candidates")
        changing = [clock.zone for clock in clocks if clock_changes(clock)]
        if ids and changing:
            _fix_due_at(ids, changing)
    return ids


def _fix_due_at(ids: list[int], zones: list[str]) -> None:
    """Recompute due_at of the rows just claimed in ``zones`` (where a DST change is in the window)."""
    times = {
        f"{spec.kind}_at": Coalesce(
            F(f"user__prompt_preference__{spec.time_field}"), Value(spec.default_time), output_field=TimeField()
        )
        for spec in KINDS
    }
    rows = Delivery.objects.filter(pk__in=ids, user__time_zone__in=zones).annotate(zone=F("user__time_zone"), **times)
    for row in rows:
        right = due_instant(row.zone, row.local_date, getattr(row, f"{row.kind}_at"))
        if right != row.due_at:
            Delivery.objects.filter(pk=row.pk).update(due_at=right)


def chunks(ids: Sequence[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def fan_out(ids: Sequence[int]) -> None:
    """One send task per batch of ids. A failed publish is not fatal: the reconciler finds the rows."""
    from exercises.tasks import send_batch

    for batch in chunks(ids, settings.DAILY_PROMPT_BATCH_SIZE):
        try:
            send_batch.apply_async(args=[batch])
        except Exception:  # noqa: BLE001 -- the rows stay queued; the reconciler re-queues them
            logger.warning("Could not enqueue %d prompt deliveries; the reconciler will retry.", len(batch))


# --- Send -----------------------------------------------------------------------------


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


@dataclass
class People:
    """What the send step needs to know about the people of one batch, loaded in a few queries."""

    preferences: dict[int, PromptPreference]
    couple_of: dict[int, int]  # user id -> id of their active couple
    quiet: dict[int, CoupleQuietWindow]
    partner_name: dict[int, str]

    @classmethod
    def load(cls, user_ids: Sequence[int]) -> People:
        preferences = {p.user_id: p for p in PromptPreference.objects.filter(user_id__in=user_ids)}
        couple_of = dict(
            Membership.objects.filter(
                user_id__in=user_ids, left_at__isnull=True, couple__ended_at__isnull=True
            ).values_list("user_id", "couple_id")
        )
        couple_ids = set(couple_of.values())
        quiet = {q.couple_id: q for q in CoupleQuietWindow.objects.filter(couple_id__in=couple_ids)}
        seats: dict[int, list[tuple[int, str]]] = {}
        for couple_id, user_id, name in Membership.objects.filter(
            couple_id__in=couple_ids, left_at__isnull=True
        ).values_list("couple_id", "user_id", "user__display_name"):
            seats.setdefault(couple_id, []).append((user_id, name))
        partner_name = {}
        for user_id, couple_id in couple_of.items():
            others = [name for uid, name in seats.get(couple_id, []) if uid != user_id]
            if others:
                partner_name[user_id] = others[0] or "your partner"
        return cls(preferences=preferences, couple_of=couple_of, quiet=quiet, partner_name=partner_name)

    def preference(self, user_id: int) -> PromptPreference:
        return self.preferences.get(user_id) or PromptPreference(user_id=user_id)


def skip_reason(delivery: Delivery, user: User, people: People, now: dt.datetime) -> str:
    """Why this prompt must not go out now ("" when it may). Checked at send time, whatever the tick saw."""
    spec = SPECS.get(delivery.kind)
    if spec is None:
        return "not a prompt this pipeline sends"
    preference = people.preference(user.pk)
    couple_id = people.couple_of.get(user.pk)
    if not user.is_active:
        return "account inactive"
    if couple_id is None:
        return "not in a couple space"
    if spec.needs_partner and user.pk not in people.partner_name:
        return "no partner in the space yet"
    if user.prompts_paused:
        return "all prompts paused"
    if preference.paused_until and preference.paused_until >= delivery.local_date:
        return "paused until a later date"
    if not getattr(preference, spec.enabled_field):
        return "this prompt is turned off"
    if not (preference.inapp_enabled or wants_email(preference)):
        return "unsubscribed from email" if preference.email_unsubscribed_at else "no channel chosen"
    quiet = people.quiet.get(couple_id)
    if quiet is not None and quiet.contains(local_now(user.time_zone, now).time()):
        return "couple quiet time"
    if too_late(delivery.due_at, now):
        return "more than the catch-up window late"
    return ""


def wants_email(preference: PromptPreference) -> bool:
    return preference.email_enabled and preference.email_unsubscribed_at is None


def message_domain() -> str:
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "trustrepair.example"


def deliveries_send(
    ids: Sequence[int], *, retry_in: float | None = None, now: dt.datetime | None = None
) -> BatchOutcome:
    """Send the ``queued`` deliveries among ``ids``; the others are someone else's (or done) and left alone.

    ``retry_in``: seconds until the caller's retry, for rows that hit a
    temporary failure; ``None`` means this was the last try and such rows fail.
    """
    outcome = BatchOutcome()
    jobs = _start(ids, now or timezone.now(), outcome)
    email_jobs = [job for job in jobs if job.email]
    if email_jobs:
        _compose(email_jobs, outcome)
        _send_emails([job for job in email_jobs if job.message is not None], outcome, retry_in)
    return outcome


def _start(ids: Sequence[int], now: dt.datetime, outcome: BatchOutcome) -> list[Job]:
    """Lock and re-check the batch, skip or fail what must not go, finish in-app-only rows, create
    first-attempt notifications, fix Message-IDs. One short transaction; returns the jobs to send."""
    with transaction.atomic():
        # By primary key only, the state checked here: a status condition in SQL can tempt the planner into
        # walking the whole partial index of unfinished rows (100k entries at the morning peak).
        locked = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk__in=list(ids))
            .select_related("user")
            .order_by("pk")
        )
        rows = [row for row in locked if row.status == Status.QUEUED]
        if not rows:
            return []
        people = People.load([row.user_id for row in rows])
        copies = prompt_copy.load_copy_rows()
        paths = {kind: prompt_path(kind) for kind in SPECS}
        notifications, jobs = [], []
        # One make_msgid per batch; the row's id makes each Message-ID unique (and it is kept across retries).
        local, _, domain = make_msgid(domain=message_domain())[1:-1].partition("@")
        marks, new_message_ids = RowMarks(), []
        for row in rows:
            user = row.user
            reason = skip_reason(row, user, people, now)
            if reason:
                marks.add(row, status=Status.SKIPPED, last_error=reason)
                outcome.skipped += 1
                continue
            if row.attempts >= settings.DAILY_PROMPT_MAX_ATTEMPTS:
                error = f"gave up after {row.attempts} attempts; last: {row.last_error}"[:ERROR_LIMIT]
                marks.add(row, status=Status.FAILED, last_error=error)
                outcome.failed += 1
                continue
            preference = people.preference(user.pk)
            job = Job(
                delivery=row,
                user=user,
                email=wants_email(preference),
                inapp=preference.inapp_enabled,
                partner_name=people.partner_name.get(user.pk, ""),
                couple_id=people.couple_of.get(user.pk),
            )
            if job.inapp and row.attempts == 0:
                copy = prompt_copy.copy_for(row.kind, copies)
                notifications.append(_prompt_notification(row, copy, paths[row.kind]))
            row.attempts += 1
            if job.email:
                if not row.message_id:
                    row.message_id = f"<{local}.prompt{row.pk}@{domain}>"
                    new_message_ids.append(row.pk)
                # Stays queued: each message is claimed (queued → sending) just before it goes on the wire.
                marks.add(row, queued_at=now)
            else:
                marks.add(row, status=Status.SENT, sent_at=now, last_error="", queued_at=now)
                outcome.sent += 1
            jobs.append(job)
        marks.save(increment_attempts=[job.delivery.pk for job in jobs])
        if new_message_ids:  # the same text as above, written by one statement
            Delivery.objects.filter(pk__in=new_message_ids).update(
                message_id=Concat(Value(f"<{local}.prompt"), Cast("pk", CharField()), Value(f"@{domain}>"))
            )
        Notification.objects.bulk_create(notifications)
    return jobs


PROMPT_PAGES = {
    PromptKind.CHECKIN: "daily:checkin",
    PromptKind.APPRECIATION: "exercises:appreciations",
    PromptKind.WEEKLY_SUMMARY: "insights:progress",
}


def prompt_path(kind: str) -> str:
    return reverse(PROMPT_PAGES[kind])


def notification_kind(kind: str) -> str:
    return kind if kind == PromptKind.WEEKLY_SUMMARY else f"{kind}_prompt"


def _prompt_notification(delivery: Delivery, copy: prompt_copy.Copy, url: str) -> Notification:
    first_line = copy.body.strip().splitlines()[0] if copy.body.strip() else ""
    return Notification(
        user_id=delivery.user_id,
        kind=notification_kind(delivery.kind),
        title=copy.subject[:200],
        body=first_line[:500],
        url=url,
    )


def _compose(jobs: list[Job], outcome: BatchOutcome) -> None:
    copies = prompt_copy.load_copy_rows()
    starters = prompt_copy.load_starters()
    links = emails.Links.build()
    weekly_ids = {job.couple_id for job in jobs if job.delivery.kind == PromptKind.WEEKLY_SUMMARY}
    couples = weekly.couples_of(weekly_ids) if weekly_ids else {}
    broken = []
    for job in jobs:
        try:
            if job.delivery.kind == PromptKind.WEEKLY_SUMMARY:
                job.message = weekly.summary_email(
                    delivery=job.delivery,
                    user=job.user,
                    couple=couples[job.couple_id],
                    copy=prompt_copy.copy_for(job.delivery.kind, copies),
                    links=links,
                )
                continue
            job.message = emails.prompt_message(
                delivery=job.delivery,
                user=job.user,
                copy=prompt_copy.copy_for(job.delivery.kind, copies),
                starter=prompt_copy.starter_for(job.delivery.local_date, starters),
                partner_name=job.partner_name,
                links=links,
            )
        except Exception as exc:
            logger.exception("Could not compose prompt delivery %s", job.delivery.pk)
            broken.append((job, Status.FAILED, f"could not compose the email: {exc}"))
    if broken:
        _finish(broken, timezone.now(), None, outcome)


# What a failure means for the message in hand and for the rest of the batch.
PERMANENT, TEMPORARY, CONNECTION = "permanent", "temporary", "connection"


def classify(exc: BaseException) -> str:
    """permanent: never retry this message; temporary: retry it later; connection: the session is gone."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return TEMPORARY if codes and all(400 <= code < 500 for code in codes) else PERMANENT
    if isinstance(exc, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError | smtplib.SMTPHeloError):
        return CONNECTION
    if isinstance(exc, smtplib.SMTPResponseException):
        if exc.smtp_code == 421:  # the server is closing the session
            return CONNECTION
        if 400 <= exc.smtp_code < 500:
            return TEMPORARY
        if 500 <= exc.smtp_code < 600:
            return PERMANENT
        return CONNECTION
    if isinstance(exc, OSError | smtplib.SMTPException | socket.timeout):
        return CONNECTION
    if isinstance(exc, ValueError | UnicodeError):  # an address Django refuses to put on the wire
        return PERMANENT
    return CONNECTION


def describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        text = "; ".join(
            f"{code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
            for code, msg in exc.recipients.values()
        )
    elif isinstance(exc, smtplib.SMTPResponseException):
        error = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        text = f"{exc.smtp_code} {error}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return text[:ERROR_LIMIT]


def _send_emails(jobs: list[Job], outcome: BatchOutcome, retry_in: float | None) -> None:
    """All of a batch's mail over one SMTP connection, claimed and recorded a few messages at a time.

    Each step is one transaction that records the messages just sent and
    claims the next few (``queued`` → ``sending``). So ``sending`` means "on
    the wire now": a worker killed mid-batch leaves at most one step's
    messages there (the only ones that can repeat), and the rest of its batch
    still ``queued``, ready for the task's redelivery or the reconciler.
    """
    step = max(1, settings.DAILY_PROMPT_MARK_EVERY)
    steps = [jobs[start : start + step] for start in range(0, len(jobs), step)]
    done: list[tuple[Job, str, str]] = []
    backend = mail.mailers.default
    try:
        try:
            backend.open()
        except Exception as exc:  # noqa: BLE001 -- classified: every failure to connect is temporary
            error = describe(exc)
            logger.warning("SMTP connection failed (%s); %d prompts will be retried.", error, len(jobs))
            done = [(job, "retry", error) for job in jobs]
            return
        send = _sender(backend)
        for number, chunk in enumerate(steps):
            claimed = _record_and_claim(done, chunk, timezone.now(), retry_in, outcome)
            done = []
            for index, job in enumerate(claimed):
                try:
                    send(job.message)
                except Exception as exc:  # noqa: BLE001 -- classified below
                    kind, error = classify(exc), describe(exc)
                    if kind == PERMANENT:
                        done.append((job, Status.FAILED, error))
                    elif kind == TEMPORARY:
                        done.append((job, "retry", error))
                    else:
                        rest = claimed[index:] + [job for later in steps[number + 1 :] for job in later]
                        logger.warning("SMTP session lost (%s); %d prompts will be retried.", error, len(rest))
                        done.extend((job, "retry", error) for job in rest)
                        return
                else:
                    done.append((job, Status.SENT, ""))
    finally:
        if done:
            _record_and_claim(done, [], timezone.now(), retry_in, outcome)
        # The mail is out (or not) either way; a failed QUIT changes nothing.
        with contextlib.suppress(Exception):
            backend.close()


def _sender(backend) -> Callable[[PromptEmail], None]:
    """How to send one message through the open ``backend``.

    For Django's SMTP backend the message goes straight into its open session
    (``sendmail`` with the bytes ``PromptEmail`` wrote): the backend's own
    ``send_messages`` re-parses both addresses of every message with the
    strict RFC 5322 parser, which cost as much as everything else here. Other
    backends (tests' locmem, development's files) get ``send_messages``.
    """
    if isinstance(backend, SMTPBackend) and backend.connection is not None:
        session, senders = backend.connection, {}

        def send(message: PromptEmail) -> None:
            if message.from_email not in senders:
                senders[message.from_email] = parseaddr(message.from_email)[1]
            smtp_send(session, senders[message.from_email], message.recipients(), bytes(message.message()))

        return send
    return lambda message: backend.send_messages([message])


def smtp_send(session: smtplib.SMTP, sender: str, recipients: list[str], data: bytes) -> None:
    """``smtplib.SMTP.sendmail`` for bare addresses, with the same replies, errors and resets.

    smtplib runs every envelope address through ``email.utils.parseaddr`` (a
    tenth of a worker's CPU per message); ours are bare ``local@domain``
    already (``mime.address_value`` made sure), so they go on the wire as they
    are. Anything else takes smtplib's own path.
    """
    if not all(is_bare_address(address) for address in [sender, *recipients]):
        session.sendmail(sender, recipients, data)
        return
    session.ehlo_or_helo_if_needed()
    size = f" SIZE={len(data)}" if session.does_esmtp and session.has_extn("size") else ""
    code, reply = session.docmd("mail", f"FROM:<{sender}>{size}")
    if code != 250:
        _abandon(session, code)
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    refused = {}
    for address in recipients:
        code, reply = session.docmd("rcpt", f"TO:<{address}>")
        if code not in (250, 251):
            refused[address] = (code, reply)
        if code == 421:
            session.close()
            raise smtplib.SMTPRecipientsRefused(refused)
    if len(refused) == len(recipients):
        session._rset()
        raise smtplib.SMTPRecipientsRefused(refused)
    code, reply = session.data(data)
    if code != 250:
        _abandon(session, code)
        raise smtplib.SMTPDataError(code, reply)


def _abandon(session: smtplib.SMTP, code: int) -> None:
    """After a refusal: a 421 means the server is closing the session; otherwise reset it for the next message."""
    if code == 421:
        session.close()
    else:
        session._rset()


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


def retry_delay(retries: int) -> float:
    """Exponential backoff with jitter, capped: base, 2×base, 4×base… each drawn from its upper half."""
    ceiling = min(settings.DAILY_PROMPT_RETRY_CAP_SECONDS, settings.DAILY_PROMPT_RETRY_BASE_SECONDS * 2**retries)
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 -- jitter, not security


# --- Reconcile ------------------------------------------------------------------------


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
