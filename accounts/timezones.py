"""The IANA time zones a person can pick, and a validator for them."""

import zoneinfo
from functools import cache
from pathlib import Path

from django.core.exceptions import ValidationError

# Shown first: the zones most people here live in. Every other zone is under its region.
COMMON = (
    "Europe/London",
    "Europe/Dublin",
    "Europe/Paris",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "America/Vancouver",
    "Australia/Sydney",
    "Australia/Melbourne",
    "Australia/Brisbane",
    "Australia/Perth",
    "Pacific/Auckland",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Africa/Johannesburg",
    "UTC",
)
REGIONS = {"America": "Americas", "Indian": "Indian Ocean", "Atlantic": "Atlantic Ocean", "Pacific": "Pacific Ocean"}


@cache
def timezone_names() -> tuple[str, ...]:
    """Every name the form accepts (unchanged): current zones and their old aliases, not the legacy ones."""
    # Skip the legacy aliases ("US/Pacific", "Etc/GMT+5", "EST") that only confuse a picker.
    names = {n for n in zoneinfo.available_timezones() if "/" in n and not n.startswith(("Etc/", "SystemV/", "US/"))}
    return tuple(sorted(names | {"UTC"}))


@cache
def zone_countries() -> dict[str, str]:
    """Current zone -> ISO country code, from the system's zone.tab (which lists no deprecated aliases)."""
    for root in zoneinfo.TZPATH:
        path = Path(root) / "zone.tab"
        if path.exists():
            rows = (line.split("\t") for line in path.read_text().splitlines() if line and not line.startswith("#"))
            return {row[2]: row[0] for row in rows if len(row) >= 3}
    return {}


@cache
def current_zones() -> tuple[str, ...]:
    """The zones worth offering: those zone.tab lists (falling back to every accepted name)."""
    listed = set(zone_countries()) & set(timezone_names())
    return tuple(sorted(listed | {"UTC"})) if listed else timezone_names()


def timezone_label(name: str) -> str:
    """'Europe/London' -> 'Europe — London'; 'America/Argentina/Buenos_Aires' -> 'America — Argentina — Buenos Aires'."""
    return name.replace("_", " ").replace("/", " — ")


def timezone_choices(current: str | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped choices: common zones first, then one group per region. ``current`` is kept if it is an old alias."""
    zones = current_zones()
    common = [(n, timezone_label(n)) for n in COMMON if n in zones]
    groups: dict[str, list[tuple[str, str]]] = {}
    for name in zones:
        if name in COMMON:
            continue
        region, _, rest = name.partition("/")
        groups.setdefault(REGIONS.get(region, region), []).append((name, timezone_label(rest)))
    choices = [("Common", common), *sorted(groups.items())]
    if current and current not in zones and current in timezone_names():
        choices.insert(0, ("Your current setting", [(current, timezone_label(current))]))
    return choices


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            "“%(value)s” is not a time zone we know. Pick one from the list.", params={"value": value}
        )


# Names as our support resources spell them (SupportResource.region), where zone data says otherwise.
COUNTRY_NAMES = {"GB": "United Kingdom"}


@cache
def _iso_countries() -> dict[str, str]:
    for root in zoneinfo.TZPATH:
        path = Path(root) / "iso3166.tab"
        if path.exists():
            rows = (line.split("\t") for line in path.read_text().splitlines() if line and not line.startswith("#"))
            return {row[0]: row[1] for row in rows if len(row) >= 2}
    return {}


def country_for_timezone(name: str) -> str | None:
    """The country a time zone belongs to, by name ("United Kingdom" for Europe/London); None for UTC and the like."""
    code = zone_countries().get(name)  # old aliases are not in zone.tab: they get the fallback
    if code is None:
        return None
    return COUNTRY_NAMES.get(code) or _iso_countries().get(code)
