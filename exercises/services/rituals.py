"""Rituals of connection (Attach): small, regular moments the couple plans and marks done.

Invariants:

- A ritual is done at most once a day (``RitualDone`` is unique per ritual and
  day): marking it again that day changes nothing and says so kindly.
- Done can be marked for today or one of the previous days of the last week,
  never for the future.
- A ritual's words are not edited once planned; pausing and resuming only flips
  ``active``, and asking for the state it already has is a no-op.
- Nothing here counts streaks: a missed day is never held against anyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import IntegrityError, transaction

from accounts.models import Couple, User
from exercises.models import Ritual, RitualDone
from exercises.services import sent_just_now
from exercises.services.agreements import local_today

DONE_WINDOW_DAYS = 7  # today and the six days before it
WHAT_LIMIT = Ritual._meta.get_field("what").max_length
WHEN_LIMIT = Ritual._meta.get_field("when").max_length


class RitualError(Exception):
    """A ritual step that cannot go ahead; ``str(error)`` is safe to show."""


def done_days(today: date) -> list[date]:
    """The days a ritual may be marked done on, today first."""
    return [today - timedelta(days=n) for n in range(DONE_WINDOW_DAYS)]


@transaction.atomic
def ritual_plan(*, couple: Couple, user: User, what: str, when: str, frequency: str) -> Ritual:
    """Plan a ritual. The same plan sent again within a minute returns the first one."""
    what, when = (what or "").strip(), (when or "").strip()
    if not what:
        raise RitualError("Please say what the ritual is.")
    if len(what) > WHAT_LIMIT or len(when) > WHEN_LIMIT:
        raise RitualError("Please keep it shorter.")
    if frequency not in Ritual.Frequency.values:
        raise RitualError("Please choose how often.")
    Couple.objects.select_for_update().filter(pk=couple.pk).first()
    recent = sent_just_now(
        Ritual.objects.filter(couple=couple, created_by=user, frequency=frequency), what=what, when=when
    )
    if recent is not None:
        return recent
    return Ritual.objects.create(couple=couple, created_by=user, what=what, when=when, frequency=frequency)


@dataclass(frozen=True)
class Marked:
    done: RitualDone
    created: bool


def ritual_mark_done(*, ritual: Ritual, user: User, done_on: date | None = None) -> Marked:
    """Mark a ritual done on a day (today by default). Marking a day twice keeps the first mark."""
    today = local_today(user)
    done_on = done_on or today
    if done_on > today:
        raise RitualError("That day hasn't come yet. Pick today or one of the last few days.")
    if done_on < today - timedelta(days=DONE_WINDOW_DAYS - 1):
        raise RitualError("You can mark a ritual done for today or any day in the past week.")
    if not ritual.active:
        raise RitualError("This ritual is paused. Resume it first if you would like to mark it done.")
    existing = RitualDone.objects.filter(ritual=ritual, done_on=done_on).first()
    if existing is not None:
        return Marked(existing, created=False)
    try:
        with transaction.atomic():
            return Marked(RitualDone.objects.create(ritual=ritual, marked_by=user, done_on=done_on), created=True)
    except IntegrityError:  # the other partner (or a second click) marked the same day a moment ago
        return Marked(RitualDone.objects.get(ritual=ritual, done_on=done_on), created=False)


@transaction.atomic
def ritual_set_active(*, ritual: Ritual, user: User, active: bool) -> Ritual:
    """Pause or resume a ritual; either partner may. Asking for the current state changes nothing."""
    ritual = Ritual.objects.select_for_update().get(pk=ritual.pk)
    if ritual.active != active:
        ritual.active = active
        ritual.save(update_fields=["active"])
    return ritual
