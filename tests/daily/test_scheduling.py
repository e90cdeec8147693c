"""Due-time computation: the right local wall-clock time, once per person, kind and local day, whatever the zone.

The 14-day simulations move the clock with time-machine in 5-minute beats
(every offset in use is a multiple of 15 minutes, so each beat lands on a
5-minute mark of every local clock) and call the claim step as the tick
would, checking every row it creates.
"""

import datetime as dt
import zoneinfo
from collections import defaultdict

import pytest
import time_machine
from django.utils import timezone

from exercises.daily import delivery
from exercises.daily.scheduling import MIDNIGHT, zone_clock, zone_clocks
from exercises.models import Delivery, PromptKind, PromptPreference
from tests.couple.conftest import pair
from tests.factories import UserFactory

UTC = dt.UTC
THREE_HOURS = dt.timedelta(hours=3)


def at(zone: str, *args, fold: int = 0) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zoneinfo.ZoneInfo(zone), fold=fold).astimezone(UTC)


# --- The clock of a zone (pure) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "instant", "local_date", "local_time"),
    [
        ("Asia/Kolkata", dt.datetime(2026, 1, 15, 2, 30, tzinfo=UTC), dt.date(2026, 1, 15), dt.time(8, 0)),  # +05:30
        (
            "Pacific/Chatham",
            dt.datetime(2026, 1, 14, 18, 15, tzinfo=UTC),
            dt.date(2026, 1, 15),
            dt.time(8, 0),
        ),  # +13:45
        (
            "Pacific/Chatham",
            dt.datetime(2026, 7, 14, 19, 15, tzinfo=UTC),
            dt.date(2026, 7, 15),
            dt.time(8, 0),
        ),  # +12:45
        ("Etc/GMT+12", dt.datetime(2026, 1, 15, 20, 0, tzinfo=UTC), dt.date(2026, 1, 15), dt.time(8, 0)),  # -12:00
        ("Pacific/Kiritimati", dt.datetime(2026, 1, 14, 18, 0, tzinfo=UTC), dt.date(2026, 1, 15), dt.time(8, 0)),  # +14
        (
            "America/New_York",
            dt.datetime(2026, 3, 8, 7, 0, tzinfo=UTC),
            dt.date(2026, 3, 8),
            dt.time(3, 0),
        ),  # just sprung
    ],
)
def test_zone_clock_reads_the_local_wall_clock(zone, instant, local_date, local_time):
    clock = zone_clock(zone, instant, THREE_HOURS)
    assert (clock.local_date, clock.local_time) == (local_date, local_time)


def test_catch_up_window_starts_three_hours_back_but_never_before_midnight():
    morning = zone_clock("Europe/Berlin", at("Europe/Berlin", 2026, 6, 1, 10, 0), THREE_HOURS)
    assert morning.earliest == dt.time(7, 0)
    early = zone_clock("Europe/Berlin", at("Europe/Berlin", 2026, 6, 1, 2, 0), THREE_HOURS)
    assert early.earliest == MIDNIGHT


def test_unknown_zone_names_are_left_out():
    clocks = zone_clocks(["Europe/Berlin", "Mars/Olympus_Mons", "Europe/Berlin"], timezone.now())
    assert [clock.zone for clock in clocks] == ["Europe/Berlin"]


# --- 14 simulated days ----------------------------------------------------------------------

# (zone, check-in time, appreciation time): ordinary mornings, times inside a spring-forward gap
# (02:30 in New York and Berlin, 01:30 in London), times repeated at a fall-back (02:30 in Sydney,
# 01:30 in New York and London), midnight, five to midnight, and the exotic offsets.
PEOPLE = [
    ("America/New_York", dt.time(8, 0), dt.time(2, 30)),
    ("America/New_York", dt.time(1, 30), dt.time(19, 0)),
    ("America/Los_Angeles", dt.time(7, 15), dt.time(21, 45)),
    ("Europe/Berlin", dt.time(8, 0), dt.time(2, 30)),
    ("Europe/London", dt.time(1, 30), dt.time(18, 0)),
    ("Australia/Sydney", dt.time(8, 0), dt.time(2, 30)),
    ("Asia/Kolkata", dt.time(0, 0), dt.time(8, 0)),
    ("Asia/Kathmandu", dt.time(23, 55), dt.time(6, 45)),
    ("Pacific/Chatham", dt.time(8, 0), dt.time(2, 45)),
    ("Etc/GMT+12", dt.time(8, 0), dt.time(23, 30)),
]

WINDOWS = {
    # US springs forward on 8 March 2026.
    "us-spring": dt.datetime(2026, 3, 2, 0, 0, tzinfo=UTC),
    # EU springs forward on 29 March; Australia and New Zealand (Chatham) fall back on 5 April.
    "eu-spring-au-autumn": dt.datetime(2026, 3, 26, 0, 0, tzinfo=UTC),
    # EU falls back on 25 October, the US on 1 November.
    "eu-us-autumn": dt.datetime(2026, 10, 21, 0, 0, tzinfo=UTC),
}
BEAT = dt.timedelta(minutes=5)
DAYS = 14


def _people():
    users = []
    for index, (zone, checkin_time, appreciation_time) in enumerate(PEOPLE):
        user = UserFactory(verified=True, time_zone=zone, email=f"sim{index}@example.test")
        PromptPreference.objects.create(user=user, checkin_time=checkin_time, appreciation_time=appreciation_time)
        users.append(user)
    # Couples of two, so the appreciation prompt (which needs a partner) is due too.
    for first, second in zip(users[::2], users[1::2], strict=True):
        pair(first, second)
    return users


def expected_instant(zone: str, day: dt.date, chosen: dt.time) -> dt.datetime:
    """The first instant the wall clock of ``zone`` shows ``chosen`` or later on ``day``."""
    tz = zoneinfo.ZoneInfo(zone)
    candidate = dt.datetime.combine(day, chosen, tzinfo=tz)  # fold=0: the first of a repeated time
    instant = candidate.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != candidate.replace(tzinfo=None):
        # A time skipped by a spring-forward: the clock first reads later than it when it jumps.
        transition = instant
        while transition.astimezone(tz).replace(tzinfo=None) > candidate.replace(tzinfo=None):
            transition -= dt.timedelta(minutes=1)
        instant = transition + dt.timedelta(minutes=1)
    return instant


def ceil_to_beat(instant: dt.datetime, start: dt.datetime) -> dt.datetime:
    steps = -(-(instant - start) // BEAT)
    return start + steps * BEAT


def tick_through(start: dt.datetime, end: dt.datetime, *, ticks: int = 1) -> dict[int, dt.datetime]:
    """Claim as the beat would, every ``BEAT`` from ``start`` until ``end``, ``ticks`` times at each beat.

    Returns when each row was claimed; a second tick at the same moment must claim nothing.
    """
    claimed_at: dict[int, dt.datetime] = {}
    with time_machine.travel(start, tick=False) as traveller:
        now = start
        while now < end:
            for pk in delivery.claim_due():
                claimed_at[pk] = timezone.now()
            for _ in range(ticks - 1):
                assert delivery.claim_due() == []
            now += BEAT
            traveller.move_to(now)
    return claimed_at


@pytest.mark.django_db
@pytest.mark.parametrize("window", list(WINDOWS))
def test_fourteen_days_of_ticks_claim_each_prompt_once_at_its_local_time(window):
    start = WINDOWS[window]
    end = start + dt.timedelta(days=DAYS)
    users = _people()
    claimed_at = tick_through(start, end)

    rows = defaultdict(list)
    for row in Delivery.objects.filter(user__in=users):
        rows[(row.user_id, row.kind, row.local_date)].append(row)
    assert all(len(found) == 1 for found in rows.values())  # the unique key, seen from here

    checked = 0
    for user, (zone, checkin_time, appreciation_time) in zip(users, PEOPLE, strict=True):
        tz = zoneinfo.ZoneInfo(zone)
        first_day = start.astimezone(tz).date()
        for offset in range(DAYS + 1):
            day = first_day + dt.timedelta(days=offset)
            for kind, chosen in ((PromptKind.CHECKIN, checkin_time), (PromptKind.APPRECIATION, appreciation_time)):
                due = expected_instant(zone, day, chosen)
                found = rows.get((user.pk, kind, day), [])
                if not (start <= due and ceil_to_beat(due, start) < end):
                    continue  # outside the simulated beats
                assert len(found) == 1, f"{zone} {kind} {day}: {len(found)} rows"
                row = found[0]
                # Claimed at the first beat at or after the local time, and no later.
                assert claimed_at[row.pk] == ceil_to_beat(due, start), (zone, kind, day)
                assert row.due_at == due
                local_claim = claimed_at[row.pk].astimezone(tz)
                assert local_claim.date() == day
                assert local_claim.time() >= chosen
                checked += 1
    # Every person and kind on (nearly) every day of the window.
    assert checked >= len(PEOPLE) * 2 * (DAYS - 1)
    assert len(claimed_at) == sum(len(found) for found in rows.values())


@pytest.mark.django_db
def test_a_time_skipped_by_spring_forward_goes_out_when_the_clock_jumps_past_it():
    # New York, 8 March 2026: 01:59:59 EST is followed by 03:00 EDT; 02:30 never shows on the wall.
    user = UserFactory(verified=True, time_zone="America/New_York")
    other = UserFactory(verified=True, time_zone="America/New_York")
    pair(user, other)
    PromptPreference.objects.create(user=user, checkin_time=dt.time(2, 30), appreciation_enabled=False)
    PromptPreference.objects.create(user=other, checkin_enabled=False, appreciation_enabled=False)
    with time_machine.travel(at("America/New_York", 2026, 3, 8, 1, 59), tick=False) as traveller:
        assert delivery.claim_due() == []
        traveller.move_to(dt.datetime(2026, 3, 8, 7, 0, tzinfo=UTC))  # 03:00 EDT
        claimed = delivery.claim_due()
    assert len(claimed) == 1
    row = Delivery.objects.get(pk=claimed[0])
    assert row.local_date == dt.date(2026, 3, 8)
    assert row.due_at == dt.datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # the jump itself


@pytest.mark.django_db
def test_a_time_that_happens_twice_at_fall_back_goes_out_the_first_time_only():
    user = UserFactory(verified=True, time_zone="America/New_York")
    other = UserFactory(verified=True, time_zone="America/New_York")
    pair(user, other)
    PromptPreference.objects.create(user=user, checkin_time=dt.time(1, 30), appreciation_enabled=False)
    PromptPreference.objects.create(user=other, checkin_enabled=False, appreciation_enabled=False)
    first = at("America/New_York", 2026, 11, 1, 1, 30, fold=0)  # EDT
    second = at("America/New_York", 2026, 11, 1, 1, 30, fold=1)  # EST, an hour later
    assert second - first == dt.timedelta(hours=1)
    with time_machine.travel(first, tick=False) as traveller:
        assert len(delivery.claim_due()) == 1
        traveller.move_to(second)
        assert delivery.claim_due() == []
    row = Delivery.objects.get(user=user)
    assert row.due_at == first


@pytest.mark.django_db
def test_catch_up_sends_a_late_prompt_once_within_three_hours_and_skips_a_later_one():
    early, late = (
        UserFactory(verified=True, time_zone="Asia/Kolkata"),
        UserFactory(verified=True, time_zone="Asia/Kolkata"),
    )
    pair(early, late)
    PromptPreference.objects.create(user=early, checkin_time=dt.time(8, 0), appreciation_enabled=False)
    PromptPreference.objects.create(user=late, checkin_time=dt.time(5, 0), appreciation_enabled=False)
    # The scheduler was down from 04:00 to 09:30 local time.
    with time_machine.travel(at("Asia/Kolkata", 2026, 5, 4, 9, 30), tick=False) as traveller:
        claimed = delivery.claim_due()
        assert [row.user for row in Delivery.objects.filter(pk__in=claimed)] == [early]  # 1.5 h late: sent
        assert delivery.claim_due() == []  # and only once
        # The 05:00 prompt was 4.5 hours late: skipped for the day, not carried over. Tomorrow is normal.
        traveller.move_to(at("Asia/Kolkata", 2026, 5, 5, 5, 0))
        tomorrow = delivery.claim_due()
    assert [row.user for row in Delivery.objects.filter(pk__in=tomorrow)] == [late]
    assert not Delivery.objects.filter(user=late, local_date=dt.date(2026, 5, 4)).exists()


@pytest.mark.django_db
def test_the_claim_around_clock_changes_claims_once():
    """On and around daylight-saving changes the claim finds due people, and a second tick claims nothing."""
    users = _people()
    instants = [
        dt.datetime(2026, 3, 8, 13, 0, tzinfo=UTC),
        dt.datetime(2026, 4, 4, 21, 30, tzinfo=UTC),
        dt.datetime(2026, 10, 25, 6, 0, tzinfo=UTC),
    ]
    for instant in instants:
        Delivery.objects.all().delete()
        claimed = delivery._claim_postgresql(zone_clocks(delivery.active_zones(), instant), instant)
        assert Delivery.objects.filter(pk__in=claimed).exists(), instant
        assert delivery._claim_postgresql(zone_clocks(delivery.active_zones(), instant), instant) == []
    assert users
