"""Benchmark people: N users in couples across many time zones, all due for their check-in now.

Every benchmark account has an address at ``BENCH_DOMAIN`` and is removed at
the start of the next run (and by ``clear``), so the command never touches
anybody else's data.
"""

from __future__ import annotations

import datetime as dt
import itertools

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import Couple, Membership, User
from exercises.daily.scheduling import local_now
from exercises.models import Delivery, Notification, PromptPreference

BENCH_DOMAIN = "bench.trustrepair.example"

# Whole, half and quarter-hour offsets, both hemispheres, with and without DST, and the date line's two sides.
ZONES = (
    "Etc/GMT+12",
    "Pacific/Pago_Pago",
    "Pacific/Honolulu",
    "America/Anchorage",
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/Mexico_City",
    "America/New_York",
    "America/Bogota",
    "America/Halifax",
    "America/St_Johns",
    "America/Sao_Paulo",
    "Atlantic/South_Georgia",
    "Atlantic/Azores",
    "Europe/London",
    "Africa/Lagos",
    "Europe/Berlin",
    "Europe/Athens",
    "Africa/Cairo",
    "Africa/Nairobi",
    "Europe/Moscow",
    "Asia/Tehran",
    "Asia/Dubai",
    "Asia/Kabul",
    "Asia/Karachi",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Dhaka",
    "Asia/Yangon",
    "Asia/Bangkok",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Australia/Eucla",
    "Asia/Tokyo",
    "Australia/Adelaide",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Pacific/Noumea",
    "Pacific/Auckland",
    "Pacific/Chatham",
    "Pacific/Tongatapu",
    "Pacific/Kiritimati",
)
MIN_ZONES = 30


def bench_users():
    return User.objects.filter(email__endswith=f"@{BENCH_DOMAIN}")


def clear() -> int:
    """Remove every benchmark account and what hangs off it (their couples too).

    Django's cascading delete collects related rows per relation and per batch
    of ids: minutes for 100,000 accounts. Benchmark accounts only ever own the
    rows ``seed`` and the pipeline make, so plain DELETEs in dependency order do
    it in seconds; should anything else point at them, the database's foreign
    keys refuse at commit and the ORM's delete takes over.
    """
    users = bench_users()
    count = users.count()
    if not count:
        return 0
    tables = {
        "user": User._meta.db_table,
        "membership": Membership._meta.db_table,
        "couple": Couple._meta.db_table,
        "delivery": Delivery._meta.db_table,
        "notification": Notification._meta.db_table,
        "preference": PromptPreference._meta.db_table,
    }
    statements = [
        "CREATE TEMP TABLE bench_people ON COMMIT DROP AS SELECT id FROM {user} WHERE email LIKE %s",
        "CREATE TEMP TABLE bench_couples ON COMMIT DROP AS "
        "SELECT DISTINCT couple_id AS id FROM {membership} WHERE user_id IN (SELECT id FROM bench_people)",
        "DELETE FROM {notification} WHERE user_id IN (SELECT id FROM bench_people)",
        "DELETE FROM {delivery} WHERE user_id IN (SELECT id FROM bench_people)",
        "DELETE FROM {preference} WHERE user_id IN (SELECT id FROM bench_people)",
        "DELETE FROM {membership} WHERE couple_id IN (SELECT id FROM bench_couples)",
        "DELETE FROM {couple} WHERE id IN (SELECT id FROM bench_couples)",
        "DELETE FROM {user} WHERE id IN (SELECT id FROM bench_people)",
    ]
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                sql = statement.format(**tables)
                cursor.execute(sql, [f"%@{BENCH_DOMAIN}"] if "%s" in sql else None)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # fail here, inside the atomic block, if anything remains
    except IntegrityError:
        with transaction.atomic():
            couple_ids = set(Membership.objects.filter(user__in=users).values_list("couple_id", flat=True))
            users.delete()
            Couple.objects.filter(pk__in=couple_ids).delete()
    return count


def refresh_statistics() -> None:
    """Vacuum and analyse the tables ``clear`` and ``seed`` rewrote (outside any transaction).

    After 100,000 accounts are deleted and 100,000 new ones inserted the
    planner's statistics describe the old rows, and a run on them was seen to
    be ten times slower than on a fresh database.
    """
    tables = [model._meta.db_table for model in (User, Membership, Couple, Delivery, Notification, PromptPreference)]
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) " + ", ".join(connection.ops.quote_name(t) for t in tables))


def usable_zones(now: dt.datetime, margin: dt.timedelta = dt.timedelta(minutes=15)) -> list[str]:
    """Zones whose local date will not change during a run (not within ``margin`` of local midnight)."""
    zones = []
    for zone in ZONES:
        local = local_now(zone, now)
        since_midnight = local - local.replace(hour=0, minute=0, second=0, microsecond=0)
        if margin <= since_midnight <= dt.timedelta(days=1) - margin:
            zones.append(zone)
    return zones


def seed(n: int, *, now: dt.datetime | None = None, batch: int = 5000) -> list[str]:
    """Create ``n`` users in couples of two, spread over the zones, each due for a check-in a minute ago."""
    now = now or timezone.now()
    zones = usable_zones(now)
    if len(zones) < MIN_ZONES:
        raise RuntimeError(f"Only {len(zones)} zones are clear of local midnight right now; try again in 15 minutes.")
    password = make_password(None)
    zone_cycle = itertools.cycle(zones)
    users = [
        User(
            email=f"u{i:07d}@{BENCH_DOMAIN}",
            display_name=f"Bench {i}",
            time_zone=next(zone_cycle),
            password=password,
        )
        for i in range(n)
    ]
    with transaction.atomic():
        User.objects.bulk_create(users, batch_size=batch)
        couples = Couple.objects.bulk_create([Couple(created_by=users[i]) for i in range(0, n, 2)], batch_size=batch)
        memberships = []
        for index, user in enumerate(users):
            memberships.append(Membership(couple=couples[index // 2], user=user, slot=index % 2 + 1))
        Membership.objects.bulk_create(memberships, batch_size=batch)
        due_time = {}
        for zone in zones:
            local = local_now(zone, now) - dt.timedelta(minutes=1)
            due_time[zone] = local.time().replace(second=0, microsecond=0)
        PromptPreference.objects.bulk_create(
            [
                PromptPreference(
                    user=user,
                    checkin_time=due_time[user.time_zone],
                    appreciation_enabled=False,
                    weekly_summary_enabled=False,
                )
                for user in users
            ],
            batch_size=batch,
        )
    return zones
