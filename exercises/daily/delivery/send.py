"""Send: lock a batch of ids, re-check each row, compose the mail and send it over one SMTP session.

``deliveries_send`` is the whole step for one task's batch. ``_start`` locks
the rows (``SKIP LOCKED``, only while ``queued``), skips what must not go
now (``skip_reason``: paused, left, turned off, quiet time, too late), fixes
each Message-ID once and creates the in-app notification on the first
attempt only. ``_compose`` writes the emails, ``_send_emails`` sends them a
few at a time, recording each step through ``record``; a temporary failure
goes back to ``queued`` for the task's retry (``retry_delay``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.core import mail
from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from accounts.models import Membership, User
from exercises.models import CheckIn, CoupleQuietWindow, Delivery, Notification, PromptKind, PromptPreference

from .. import copy as prompt_copy
from .. import emails, weekly
from ..scheduling import local_now, too_late
from .kinds import SPECS, notification_kind, prompt_path, wants_email
from .record import BatchOutcome, Job, RowMarks, _finish, _record_and_claim
from .smtp import ERROR_LIMIT, PERMANENT, TEMPORARY, _sender, classify, describe

logger = logging.getLogger(__name__)

Status = Delivery.Status


@dataclass
class People:
    """What the send step needs to know about the people of one batch, loaded in a few queries."""

    preferences: dict[int, PromptPreference]
    couple_of: dict[int, int]  # user id -> id of their active couple
    quiet: dict[int, CoupleQuietWindow]
    partner_name: dict[int, str]
    checked_in: set[tuple[int, dt.date]] = field(default_factory=set)  # (user id, local date) already checked in

    @classmethod
    def load(cls, user_ids: Sequence[int], days: Sequence[dt.date] = ()) -> People:
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
        checked_in = set()
        if days:
            checked_in = set(
                CheckIn.objects.filter(user_id__in=user_ids, local_date__in=set(days)).values_list(
                    "user_id", "local_date"
                )
            )
        return cls(
            preferences=preferences,
            couple_of=couple_of,
            quiet=quiet,
            partner_name=partner_name,
            checked_in=checked_in,
        )

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
    if spec.answered_by_checkin and (user.pk, delivery.local_date) in people.checked_in:
        return "already checked in that day"
    if not (preference.inapp_enabled or wants_email(preference)):
        return "unsubscribed from email" if preference.email_unsubscribed_at else "no channel chosen"
    quiet = people.quiet.get(couple_id)
    if quiet is not None and quiet.contains(local_now(user.time_zone, now).time()):
        return "couple quiet time"
    if too_late(delivery.due_at, now):
        return "more than the catch-up window late"
    return ""


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
        people = People.load([row.user_id for row in rows], [row.local_date for row in rows])
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


def retry_delay(retries: int) -> float:
    """Exponential backoff with jitter, capped: base, 2×base, 4×base… each drawn from its upper half."""
    ceiling = min(settings.DAILY_PROMPT_RETRY_CAP_SECONDS, settings.DAILY_PROMPT_RETRY_BASE_SECONDS * 2**retries)
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 -- jitter, not security
