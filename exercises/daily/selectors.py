"""Reads of the daily rhythm: check-ins (with the partner's share rules), preferences, notifications."""

from __future__ import annotations

import datetime as dt
from functools import cache

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import dateformat

from accounts.models import Couple
from exercises.models import CheckIn, CoupleQuietWindow, Notification, PromptPreference
from trustrepair import prepared

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
    """The last week of check-ins: all of mine, and what my partner chose to share with me (``week_of_checkins``)."""
    partner = couple.partner_of(user)
    return week_of_checkins(
        user,
        couple_id=couple.pk,
        partner_id=partner.pk if partner else None,
        partner_name=partner.get_short_name() if partner else None,
        show_partner=partner is not None and couple.watch_features_enabled,
    )


def week_of_checkins(user, *, couple_id: int, partner_id: int | None, partner_name: str | None, show_partner: bool):
    """The last week of check-ins: all of mine, and what my partner chose to share with me.

    Returns ``{"days": [{"date", "iso", "label", "mine", "partner"}, …] (newest first), "partner_name",
    "show_partner", "today", "done_today", "any"}``; ``mine`` is a ``CheckIn`` or None,
    ``partner`` is ``partner_view(...)`` or None. ``show_partner`` is False while the
    couple's safety mode is on: then nothing of either partner's check-ins is shown to
    the other, whatever was chosen when they were written. Takes ids (what
    ``accounts.scoping.seats_for`` gives), so the cached dashboard's card needs no
    couple object. One query.
    """
    today = local_today(user)
    since = today - dt.timedelta(days=DASHBOARD_DAYS - 1)
    values = {"me": user.pk, "since": since, "today": today}
    if show_partner:
        values |= {"partner": partner_id, "couple": couple_id, "partner_today": today + dt.timedelta(days=1)}
    mine, theirs = {}, {}
    for checkin in _week_statement(show_partner).objects(**values):
        if checkin.user_id == user.pk:
            mine[checkin.local_date] = checkin
        else:
            theirs[checkin.local_date] = partner_view(checkin)
    days = [_day(today - dt.timedelta(days=offset), today, mine, theirs) for offset in range(DASHBOARD_DAYS)]
    if today + dt.timedelta(days=1) in theirs:
        days.insert(0, _day(today + dt.timedelta(days=1), today, mine, theirs))
    return {
        "days": days,
        "partner_name": partner_name,
        "show_partner": show_partner,
        "today": today,
        "done_today": today in mine,
        "any": bool(mine or theirs),
    }


def _day(day: dt.date, today: dt.date, mine: dict, theirs: dict) -> dict:
    # The label formatted here, once: the template's date filter looks its format up on every use.
    label = "Today" if day == today else dateformat.format(day, "D j M")
    return {"date": day, "iso": day.isoformat(), "label": label, "mine": mine.get(day), "partner": theirs.get(day)}


@cache
def _week_statement(with_partner: bool) -> prepared.Statement:
    # week_of_checkins' query, compiled once: the ORM took three times as long to build it as to run it.
    # The numbers and dates are stand-ins for the values named beside them.
    wanted = Q(user_id=-1, local_date__gte=dt.date(1, 1, 1), local_date__lte=dt.date(1, 1, 2))
    stand_ins = {-1: "me", dt.date(1, 1, 1): "since", dt.date(1, 1, 2): "today"}
    if with_partner:
        # The partner's own local dates; in another zone "today" may differ by one, hence the day of margin.
        wanted |= Q(user_id=-2, couple_id=-3, local_date__gte=dt.date(1, 1, 1), local_date__lte=dt.date(1, 1, 3)) & ~Q(
            share=Share.NOTHING
        )
        stand_ins |= {-2: "partner", -3: "couple", dt.date(1, 1, 3): "partner_today"}
    name = "trustrepair_week_shared" if with_partner else "trustrepair_week_mine"
    return prepared.statement(name, CheckIn.objects.filter(wanted), stand_ins)


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notifications_for(user, limit: int = NOTIFICATION_PAGE) -> list[Notification]:
    return list(Notification.objects.filter(user=user).order_by("-created_at", "-pk")[:limit])


def notification_or_404(user, pk: int) -> Notification:
    """One of ``user``'s own notifications, or 404: another person's id is indistinguishable from a missing one."""
    return get_object_or_404(Notification, user=user, pk=pk)
