"""The zone a person's times are shown in: their ``User.time_zone``, or UTC for a name this machine does not know."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import timezone

from exercises.daily.scheduling import zone_info


def zone_of(user) -> zoneinfo.ZoneInfo | dt.timezone:
    """UTC for anonymous visitors and unknown names, as ``exercises.daily.scheduling.local_now`` does."""
    if user is None or not getattr(user, "is_authenticated", False):
        return dt.UTC
    return zone_info(user.time_zone) or dt.UTC


def shown_to(user):
    """A context in which every ``|date``/``|time`` and ``localtime()`` is on ``user``'s wall clock.

    For what is rendered without a request (emails from Celery tasks); requests get it from
    ``accounts.middleware.LocalTimeMiddleware``.
    """
    return timezone.override(zone_of(user))
