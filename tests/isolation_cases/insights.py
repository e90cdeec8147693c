"""Isolation cases for the progress pages (trends, bank account, journey)."""

import datetime as dt

from exercises.models import CheckIn


def _with_checkins(world):
    # A rating of 10 is too common to be a marker; the shared "need" text carries it instead.
    CheckIn.objects.create(
        user=world.partner_a,
        couple=world.couple,
        local_date=dt.date.today(),
        mood="calm",
        safety=3,
        trust=3,
        need=f"need {world.marker}",
        share="everything",
    )
    return {}


CASES = {
    "insights:progress": _with_checkins,
    "insights:journey": _with_checkins,
}
