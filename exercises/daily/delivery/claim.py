"""Claim: create the ``Delivery`` rows that are due now, exactly once, and fan them out.

``claim_due`` inserts one row per (person, kind, local date) with
``ON CONFLICT DO NOTHING … RETURNING id``, so it returns only the rows this
call created: two ticks at once can never both claim a prompt. The
candidates go through a per-connection temporary table first (see
``_claim_postgresql`` on why). ``fan_out`` hands the ids to one send task
per batch; ``tick`` is the two together, as the beat runs them. Separate
from sending because the claim only decides *who is due*, never what is sent.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, TimeField, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Membership, User
from exercises.models import CheckIn, Delivery, PromptPreference

from ..scheduling import ZoneClock, clock_changes, due_instant, zone_clocks
from .kinds import KINDS

logger = logging.getLogger(__name__)

Status = Delivery.Status


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
    checkin = CheckIn._meta.db_table
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
        # Already checked in on this local day: the check-in prompt has nothing left to ask.
        answered = (
            f"AND NOT EXISTS (SELECT 1 FROM {checkin} ci WHERE ci.user_id = u.id"  # noqa: S608
            " AND ci.local_date = clock.local_date)"
            if spec.answered_by_checkin
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
              {answered}
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
