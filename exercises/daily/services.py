"""Changes a person makes to their daily rhythm: preferences, the couple's quiet time, check-ins, notices, unsubscribe.

The delivery pipeline (claim, send, reconcile) lives in ``delivery``.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import Couple, User
from accounts.safety import is_protected
from exercises.models import CheckIn, CoupleQuietWindow, Notification, PromptPreference

from .scheduling import local_today

PREFERENCE_FIELDS = (
    "checkin_enabled",
    "checkin_time",
    "appreciation_enabled",
    "appreciation_time",
    "weekly_summary_enabled",
    "weekly_summary_day",
    "weekly_summary_time",
    "email_enabled",
    "inapp_enabled",
    "digest_enabled",
    "paused_until",
)


class DailyError(Exception):
    """A change that cannot be made; ``str(error)`` is safe to show."""


@transaction.atomic
def preferences_save(*, user: User, prompts_paused: bool, **values) -> PromptPreference:
    """Save prompt preferences (and the account's pause-all switch).

    Turning "by email" back on after a one-click unsubscribe is how a person
    re-subscribes, so it clears the unsubscribe mark.
    """
    unknown = set(values) - set(PREFERENCE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown preference fields: {sorted(unknown)}")
    preference, _ = PromptPreference.objects.select_for_update().get_or_create(user=user)
    for name, value in values.items():
        setattr(preference, name, value)
    if preference.email_enabled:
        preference.email_unsubscribed_at = None
    preference.save()
    if user.prompts_paused != prompts_paused:
        user.prompts_paused = prompts_paused
        user.save(update_fields=["prompts_paused"])
    return preference


@transaction.atomic
def quiet_window_set(*, couple: Couple, user: User, starts: dt.time, ends: dt.time) -> CoupleQuietWindow:
    if starts == ends:
        raise DailyError("The quiet time needs different start and end times.")
    window, _ = CoupleQuietWindow.objects.update_or_create(
        couple=couple, defaults={"starts": starts, "ends": ends, "set_by": user, "updated_at": timezone.now()}
    )
    return window


@transaction.atomic
def quiet_window_clear(*, couple: Couple, user: User) -> None:
    CoupleQuietWindow.objects.filter(couple=couple).delete()


@transaction.atomic
def checkin_save(
    *,
    user: User,
    couple: Couple,
    mood: str,
    safety: int,
    trust: int,
    need: str,
    share: str,
    therapist_visible: bool | None = None,
) -> CheckIn:
    """Today's check-in (the person's local today): created once, then updated for the rest of that day.

    A protected person's check-in is never shared with the partner, whatever the
    form sent (accounts/safety.py).
    """
    if mood not in CheckIn.Mood.values:
        raise DailyError("Please choose a word for your mood.")
    if share not in CheckIn.Share.values:
        raise DailyError("Please choose what to share.")
    if not (0 <= safety <= 10 and 0 <= trust <= 10):
        raise DailyError("Ratings go from 0 to 10.")
    if is_protected(user):
        share = CheckIn.Share.NOTHING
    need = (need or "").strip()
    if len(need) > CheckIn._meta.get_field("need").max_length:
        raise DailyError("Please keep what you need to 500 characters.")
    values = {"couple": couple, "mood": mood, "safety": safety, "trust": trust, "need": need, "share": share}
    if therapist_visible is not None:
        values["therapist_visible"] = therapist_visible
    today = local_today(user)
    checkin = CheckIn.objects.select_for_update().filter(user=user, local_date=today).first()
    if checkin is None:
        checkin, created = CheckIn.objects.get_or_create(user=user, local_date=today, defaults=values)
        if created:
            _checkin_prompt_done(user)
            return checkin
    for name, value in values.items():
        setattr(checkin, name, value)
    checkin.updated_at = timezone.now()
    checkin.save()
    return checkin


def _checkin_prompt_done(user: User) -> None:
    """Checking in answers the day's check-in prompt: its notice no longer waits as unread."""
    Notification.objects.filter(user=user, kind="checkin_prompt", read_at__isnull=True).update(read_at=timezone.now())


def notification_mark_read(*, notification: Notification) -> None:
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())


def notifications_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def email_unsubscribe(*, user_id: int) -> User | None:
    """Stop prompt emails for this account (in-app prompts carry on). Idempotent; None for an unknown account."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return None
    preference, _ = PromptPreference.objects.select_for_update().get_or_create(user=user)
    if preference.email_unsubscribed_at is None or preference.email_enabled:
        preference.email_unsubscribed_at = preference.email_unsubscribed_at or timezone.now()
        preference.email_enabled = False
        preference.save(update_fields=["email_unsubscribed_at", "email_enabled"])
    return user
