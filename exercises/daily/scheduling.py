"""Due-time computation: which local wall-clock window each time zone is in right now.

The tick never loops over people in Python. It asks the database for the few
distinct time zones in use, computes each zone's local date and time here (with
``zoneinfo``, so DST changes and offsets such as +05:30, +12:45 or -12:00 are
the standard library's business), and hands that small table to one SQL
statement that selects the people of each zone whose chosen time has come.

A prompt is *due* on local date D when the person's chosen time T satisfies
``earliest <= T <= local now`` on D, where ``earliest`` is ``catch_up`` hours
before local now (never before midnight). So:

- the beat fires every minute, and a prompt goes out in the first tick at or
  after its local time;
- if the scheduler was down, a prompt whose time passed less than ``catch_up``
  hours ago still goes out once (the delivery row's unique key makes it once);
  one that is later than that is **skipped for the day**, never sent hours
  late, and never carried over to the next day;
- a weekly kind (the weekly summary) is due by the same rule, only on the
  local date whose ISO weekday the person chose;
- a chosen time that does not exist on a spring-forward day (02:30 when clocks
  jump from 02:00 to 03:00) goes out at the first minute the clock shows after
  it; a time that happens twice on a fall-back day goes out the first time.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.utils import timezone

MIDNIGHT = dt.time(0, 0)


@dataclass(frozen=True)
class ZoneClock:
    """One time zone at one instant: its local date, local time and the earliest time still worth sending."""

    zone: str
    local_date: dt.date
    local_time: dt.time
    earliest: dt.time


@lru_cache(maxsize=1024)
def zone_info(name: str) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def catch_up_window() -> dt.timedelta:
    return dt.timedelta(hours=settings.DAILY_PROMPT_CATCH_UP_HOURS)


def zone_clock(zone: str, now: dt.datetime, catch_up: dt.timedelta) -> ZoneClock | None:
    tz = zone_info(zone)
    if tz is None:
        return None
    local = now.astimezone(tz)
    # Wall-clock arithmetic on purpose: "three hours ago" as the clock on the wall read it.
    start = local.replace(tzinfo=None) - catch_up
    earliest = start.time() if start.date() == local.date() else MIDNIGHT
    return ZoneClock(
        zone=zone, local_date=local.date(), local_time=local.time().replace(microsecond=0), earliest=earliest
    )


def zone_clocks(zones: Iterable[str], now: dt.datetime | None = None) -> list[ZoneClock]:
    """The clock of every known zone in ``zones`` at ``now``; unknown names are left out."""
    now = now or timezone.now()
    catch_up = catch_up_window()
    clocks = (zone_clock(zone, now, catch_up) for zone in sorted(set(zones)))
    return [clock for clock in clocks if clock is not None]


def clock_changes(clock: ZoneClock) -> bool:
    """Whether the zone's UTC offset changes between ``earliest`` and now (a DST change inside the window)."""
    tz = zone_info(clock.zone) or dt.UTC
    first = dt.datetime.combine(clock.local_date, clock.earliest, tzinfo=tz)
    last = dt.datetime.combine(clock.local_date, clock.local_time, tzinfo=tz)
    return {first.utcoffset(), first.replace(fold=1).utcoffset()} != {
        last.utcoffset(),
        last.replace(fold=1).utcoffset(),
    }


def due_instant(zone: str, day: dt.date, at: dt.time) -> dt.datetime:
    """The instant a prompt chosen for ``at`` becomes due on ``day``: when the wall clock of ``zone`` first shows it.

    A time shown twice (fall-back) is due the first time. A time never shown
    (spring-forward) is due when the clock jumps past it.
    """
    tz = zone_info(zone) or dt.UTC
    wall = dt.datetime.combine(day, at)
    instant = wall.replace(tzinfo=tz, fold=0).astimezone(dt.UTC)
    if instant.astimezone(tz).replace(tzinfo=None) == wall:
        return instant
    # Skipped: find the jump. The earlier offset's reading is after the jump, so walk back to it (< 1 day).
    step = dt.timedelta(minutes=1)
    while (instant - step).astimezone(tz).replace(tzinfo=None) > wall:
        instant -= step
    return instant


def local_now(time_zone: str, now: dt.datetime | None = None) -> dt.datetime:
    """``now`` on the wall clock of ``time_zone`` (UTC when the name is unknown)."""
    now = now or timezone.now()
    return now.astimezone(zone_info(time_zone) or dt.UTC)


def local_today(user, now: dt.datetime | None = None) -> dt.date:
    return local_now(user.time_zone, now).date()


def too_late(due_at: dt.datetime, now: dt.datetime | None = None) -> bool:
    """A prompt more than the catch-up window past its time is skipped rather than sent late."""
    return (now or timezone.now()) - due_at > catch_up_window()
