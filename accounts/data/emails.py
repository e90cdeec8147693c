"""Emails of the data pages, one function each (templates under templates/emails/<name>/)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from accounts.emails import send
from accounts.local_time import zone_of


def export_ready(export) -> None:
    send(
        "export_ready",
        export.user.email,
        {
            "name": export.user.get_short_name(),
            "link": settings.SITE_URL + reverse("data:index"),
            "expires_at": export.expires_at,
            "time_zone": str(zone_of(export.user)),  # the zone the times are in: UTC for an unknown name
        },
        recipient=export.user,
    )
