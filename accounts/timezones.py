"""The IANA time zones a person can pick, and a validator for them."""

import zoneinfo
from functools import cache

from django.core.exceptions import ValidationError


@cache
def timezone_names() -> tuple[str, ...]:
    # Skip the legacy aliases ("US/Pacific", "Etc/GMT+5", "EST") that only confuse a picker.
    names = {n for n in zoneinfo.available_timezones() if "/" in n and not n.startswith(("Etc/", "SystemV/", "US/"))}
    return tuple(sorted(names | {"UTC"}))


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in timezone_names()]


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            "“%(value)s” is not a time zone we know. Pick one from the list.", params={"value": value}
        )
