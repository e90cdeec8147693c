"""Isolation cases of the daily rhythm: check-ins (both partners' words carry the marker), quiet time, notifications."""

import datetime as dt

from exercises.daily import services
from exercises.models import CheckIn, Notification


def _checkins(world) -> dict:
    for person in (world.partner_a, world.partner_b):
        services.checkin_save(
            user=person,
            couple=world.couple,
            mood=CheckIn.Mood.HOPEFUL,
            safety=6,
            trust=4,
            need=f"A quiet evening together. {world.marker}",
            share=CheckIn.Share.EVERYTHING,
        )
    return {}


def _quiet_window(world) -> dict:
    _checkins(world)
    services.quiet_window_set(couple=world.couple, user=world.partner_a, starts=dt.time(22), ends=dt.time(7))
    return {}


def _notification(world) -> dict:
    _checkins(world)
    notice = Notification.objects.create(
        user=world.partner_a, kind="checkin_prompt", title=f"Time to check in {world.marker}", url="/couple/checkin/"
    )
    return {"pk": notice.pk}


def _notifications(world) -> dict:
    _notification(world)
    return {}


CASES = {
    "daily:checkin": _checkins,
    "daily:quiet_window": _quiet_window,
    "daily:preferences": _quiet_window,
    "daily:notifications": _notifications,
    "daily:notification_read": _notification,
    "daily:notifications_read_all": _notifications,
    "daily:unsubscribe": lambda world: {},
}
