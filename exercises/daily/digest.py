"""The waiting digest: one email now and then listing what waits for a person, instead of one per event.

The beat runs ``digests_send`` every few minutes. It finds the people with
waiting notices (``WAITING_KINDS``, see ``waiting``) that are neither read nor
emailed, and for each one:

- waits until the oldest such notice is ``WAITING_DIGEST_SETTLE_MINUTES`` old,
  so what comes together goes together and an item dealt with at once is
  never emailed; and sends at most one digest per
  ``WAITING_DIGEST_GAP_MINUTES``;
- sends only if the person wants it now: prompt emails on and not
  unsubscribed, no pause in force (``email_wanted``, the same rule as the
  appreciation email) and the digest itself not turned off
  (``PromptPreference.digest_enabled``);
- never during the couple's quiet time: the notices stay unclaimed and go in
  the first run after it ends (deferred, not dropped);
- claims the notices before sending: locked ``FOR UPDATE SKIP LOCKED`` and
  marked ``emailed_at`` in one short transaction, so two runs at once (two
  beats, a retry) never email a notice twice; a failed send gives the claim
  back for the next run.

Notices older than ``WAITING_DIGEST_MAX_AGE_HOURS`` are never emailed, so
turning email back on does not bring a stale pile. The email holds only the
notices' titles ("Ben has proposed an agreement for you to look at"; an
exercise is not named, ``waiting.email_line``) and links into the app, never
anything a partner wrote.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, User
from exercises.models import CoupleQuietWindow, Notification, PromptPreference
from exercises.models.daily import WAITING_KINDS

from . import emails, waiting
from .notifications import email_wanted
from .scheduling import local_now
from .tokens import unsubscribe_url

logger = logging.getLogger(__name__)


def _minutes(name: str) -> dt.timedelta:
    return dt.timedelta(minutes=getattr(settings, name))


def _pending(now: dt.datetime):
    """Waiting notices neither read nor emailed, young enough to be worth an email (the partial index's rows)."""
    return Notification.objects.filter(
        kind__in=WAITING_KINDS,
        emailed_at__isnull=True,
        read_at__isnull=True,
        created_at__gte=now - dt.timedelta(hours=settings.WAITING_DIGEST_MAX_AGE_HOURS),
    )


def due_people(now: dt.datetime) -> list[int]:
    """Ids of the people whose oldest pending notice has settled (whether they want email is checked per person)."""
    settled = _pending(now).filter(created_at__lte=now - _minutes("WAITING_DIGEST_SETTLE_MINUTES"))
    people = settled.filter(user__is_active=True).order_by().values_list("user_id", flat=True).distinct()
    return list(people[: settings.WAITING_DIGEST_BATCH])


def digests_send(*, now: dt.datetime | None = None) -> int:
    """Send every digest that is due now; returns how many emails went out."""
    now = now or timezone.now()
    sent = 0
    for user_id in due_people(now):
        try:
            sent += digest_send(user_id, now=now)
        except Exception:  # noqa: BLE001 -- one person's failed send must not hold up the others; retried next run
            logger.warning("Could not send the waiting digest of user #%s; the next run tries again.", user_id)
    return sent


def hold_reason(user: User, now: dt.datetime) -> str:
    """Why this person gets no digest now ("" when they may). Checked under the claim, whatever the scan saw."""
    if not user.is_active:
        return "account inactive"
    preference = PromptPreference.objects.filter(user=user).first() or PromptPreference(user=user)
    if not preference.digest_enabled:
        return "digest turned off"
    if not email_wanted(user):
        return "email not wanted now"
    couple_id = (
        Membership.objects.filter(user=user, left_at__isnull=True, couple__ended_at__isnull=True)
        .values_list("couple_id", flat=True)
        .first()
    )
    if couple_id is None:
        return "not in a couple space"
    quiet = CoupleQuietWindow.objects.filter(couple_id=couple_id).first()
    if quiet is not None and quiet.contains(local_now(user.time_zone, now).time()):
        return "couple quiet time"
    recent = Notification.objects.filter(
        user=user, kind__in=WAITING_KINDS, emailed_at__gt=now - _minutes("WAITING_DIGEST_GAP_MINUTES")
    )
    if recent.exists():
        return "a digest went out a short while ago"
    return ""


def digest_send(user_id: int, *, now: dt.datetime | None = None) -> bool:
    """Claim this person's pending notices and email them in one message; whether a message went out."""
    now = now or timezone.now()
    with transaction.atomic():
        user = User.objects.filter(pk=user_id).first()
        if user is None or hold_reason(user, now):
            return False
        notices = list(_pending(now).filter(user=user).select_for_update(skip_locked=True).order_by("created_at", "pk"))
        if not notices:
            return False
        ids = [notice.pk for notice in notices]
        Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).update(emailed_at=now)
    message = digest_message(user, notices)
    try:
        mail.mailers.default.send_messages([message])
    except Exception:
        # Give the claim back (only ours: a later claim of the same rows is another run's).
        Notification.objects.filter(pk__in=ids, emailed_at=now).update(emailed_at=None)
        raise
    return True


def digest_message(user: User, notices: list[Notification]):
    site = settings.SITE_URL
    unsubscribe = unsubscribe_url(user.pk)
    context = {
        "name": user.get_short_name(),
        "items": [
            {"title": waiting.email_line(notice), "link": site + (notice.url or reverse("couple:dashboard"))}
            for notice in notices
        ],
        "count": len(notices),
        "link": site + reverse("couple:dashboard"),
        "preferences_url": site + reverse("daily:preferences"),
        "unsubscribe_url": unsubscribe,
    }
    headers = {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }
    return emails.compose("waiting_digest", user.email, context, headers=headers)
