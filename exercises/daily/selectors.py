"""Reads of the daily rhythm: check-ins (with the partner's share rules), preferences, notifications."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import dateformat

from accounts.models import Couple
from exercises.models import CheckIn, CoupleQuietWindow, Notification, PromptPreference

from .scheduling import local_today

Share = CheckIn.Share
DASHBOARD_DAYS = 7
NOTIFICATION_PAGE = 50


def preferences_for(user) -> PromptPreference:
    """The person's preferences; an unsaved row with the defaults when they never changed them."""
    return PromptPreference.objects.filter(user=user).first() or PromptPreference(user=user)


def quiet_window_for(couple: Couple | None) -> CoupleQuietWindow | None:
    if couple is None:
        return None
    return CoupleQuietWindow.objects.filter(couple=couple).select_related("set_by").first()


def checkin_today(user) -> CheckIn | None:
    return CheckIn.objects.filter(user=user, local_date=local_today(user)).first()


def partner_view(checkin: CheckIn) -> dict:
    """What the partner may see of one check-in: ratings, or everything, as its author chose."""
    view = {"local_date": checkin.local_date, "safety": checkin.safety, "trust": checkin.trust}
    if checkin.share == Share.EVERYTHING:
        view |= {"mood": checkin.get_mood_display(), "need": checkin.need}
    return view


def checkins_for_dashboard(couple: Couple, user) -> dict:
    """The last week of check-ins: all of mine, and what my partner chose to share with me. One query.

    Returns ``{"days": [{"date", "iso", "label", "mine", "partner"}, …] (newest first), "partner_name",
    "show_partner", "today", "done_today", "any"}``; ``mine`` is a ``CheckIn`` or None,
    ``partner`` is ``partner_view(...)`` or None.
    """
    partner = couple.partner_of(user)
    show_partner = partner is not None
    today = local_today(user)
    since = today - dt.timedelta(days=DASHBOARD_DAYS - 1)
    wanted = Q(user=user, local_date__gte=since, local_date__lte=today)
    if show_partner:
        # The partner's own local dates; in another zone "today" may differ by one, hence the day of margin.
        until = today + dt.timedelta(days=1)
        wanted |= Q(user=partner, couple=couple, local_date__gte=since, local_date__lte=until) & ~Q(share=Share.NOTHING)
    mine, theirs = {}, {}
    for checkin in CheckIn.objects.filter(wanted):
        if checkin.user_id == user.pk:
            mine[checkin.local_date] = checkin
        else:
            theirs[checkin.local_date] = partner_view(checkin)
    days = [_day(today - dt.timedelta(days=offset), today, mine, theirs) for offset in range(DASHBOARD_DAYS)]
    if today + dt.timedelta(days=1) in theirs:
        days.insert(0, _day(today + dt.timedelta(days=1), today, mine, theirs))
    return {
        "days": days,
        "partner_name": partner.get_short_name() if partner else None,
        "show_partner": show_partner,
        "today": today,
        "done_today": today in mine,
        "any": bool(mine or theirs),
    }


def _day(day: dt.date, today: dt.date, mine: dict, theirs: dict) -> dict:
    # The label formatted here, once: the template's date filter looks its format up on every use.
    label = "Today" if day == today else dateformat.format(day, "D j M")
    return {"date": day, "iso": day.isoformat(), "label": label, "mine": mine.get(day), "partner": theirs.get(day)}


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notifications_for(user, limit: int = NOTIFICATION_PAGE) -> list[Notification]:
    return list(Notification.objects.filter(user=user).order_by("-created_at", "-pk")[:limit])


def notification_or_404(user, pk: int) -> Notification:
    """One of ``user``'s own notifications, or 404: another person's id is indistinguishable from a missing one."""
    return get_object_or_404(Notification, user=user, pk=pk)
