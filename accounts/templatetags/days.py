"""Days as people say them, in their own time zone: for pages that must not change by the minute."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.dateformat import format as date_format

from exercises.daily.scheduling import local_now, local_today

register = template.Library()


@register.filter
def day_phrase(moment: dt.datetime, user) -> str:
    """Say "today", "yesterday", "on Tuesday" within the past week, else "on 3 March" (with the year if not this one)."""
    day = local_now(user.time_zone, moment).date()  # UTC for a zone name this machine does not know
    today = local_today(user)
    days_ago = (today - day).days
    if days_ago <= 0:
        return "today"
    if days_ago == 1:
        return "yesterday"
    if days_ago < 7:
        return f"on {date_format(day, 'l')}"
    return f"on {date_format(day, 'j F' if day.year == today.year else 'j F Y')}"
