"""In-app notices that are not daily prompts: an appreciation arrived.

``notify_appreciation_received`` is called by ``appreciation_send`` inside its
transaction. The notice's link names the appreciation and the database keeps
one per link, so calling twice announces it once. The email, when the
recipient wants prompt emails, is sent after the commit by a task acting for
the recipient (only they may read their own settings).
"""

from __future__ import annotations

import logging

from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from exercises.models import Appreciation, PromptPreference

from . import emails
from .delivery import wants_email
from .notices import leave_notice
from .scheduling import local_today

logger = logging.getLogger(__name__)

APPRECIATION_RECEIVED = "appreciation_received"


def appreciation_link(appreciation: Appreciation) -> str:
    return f"{reverse('exercises:appreciations')}#appreciation-{appreciation.pk}"


def email_wanted(user) -> bool:
    """Email for this person now: by email on, not unsubscribed, and no pause in force."""
    preference = PromptPreference.objects.filter(user=user).first() or PromptPreference(user=user)
    if user.prompts_paused or not wants_email(preference):
        return False
    return not (preference.paused_until and preference.paused_until >= local_today(user))


def notify_appreciation_received(appreciation: Appreciation) -> None:
    """Tell the recipient in the app, and by email if they want it: the task, acting for them, reads their settings."""
    made = leave_notice(
        appreciation.recipient,
        kind=APPRECIATION_RECEIVED,
        title=f"{appreciation.sender.get_short_name()} sent you an appreciation",
        body="Their words are waiting in your shared space.",
        url=appreciation_link(appreciation),
    )
    if not made:
        return  # announced already
    from exercises.tasks import send_appreciation_email

    recipient_id = appreciation.recipient_id
    transaction.on_commit(lambda: send_appreciation_email.delay(appreciation.pk, recipient_id))


def appreciation_email_send(appreciation_id: int) -> bool:
    """Send the "an appreciation arrived" email unless it went already, was read already, or is no longer wanted.

    Returns whether a message went out. The appreciation's ``emailed_at`` is claimed by one
    conditional UPDATE before sending, so two workers (or a retry after a lost reply) never
    both send; a failed send gives the claim back for the task's retry.
    """
    appreciation = Appreciation.objects.select_related("recipient", "sender").filter(pk=appreciation_id).first()
    if appreciation is None or appreciation.seen_at is not None or appreciation.emailed_at is not None:
        return False
    recipient = appreciation.recipient
    if not recipient.is_active or not email_wanted(recipient):
        return False
    unsent = Appreciation.objects.filter(pk=appreciation_id, emailed_at__isnull=True, seen_at__isnull=True)
    if unsent.update(emailed_at=timezone.now()) != 1:
        return False
    message = emails.appreciation_received(recipient=recipient, sender_name=appreciation.sender.get_short_name())
    try:
        mail.mailers.default.send_messages([message])
    except Exception:
        Appreciation.objects.filter(pk=appreciation_id).update(emailed_at=None)
        raise
    return True
