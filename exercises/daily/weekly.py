"""The weekly summary: a gentle look back at one person's local week, and what is waiting for them.

It is sent by the prompt pipeline (``delivery``) as the ``weekly_summary``
kind, once a week on the person's chosen day and time. What it may say:

- what went well, in words, from shared things of the couple's week (the
  emotional bank account's deposits): appreciations this person sent,
  agreements kept, ritual days marked, exercises revealed to both, and this
  person's *own* check-ins. Missed agreements, streaks and scores are left out;
  a quiet week gets a kind line instead of an empty list;
- how many appreciations the partner sent to *this* person, never what they
  say: the words stay in the app, as with every email here;
- what waits for this person: the same flow items the dashboard lists, and the
  exercises in progress for them.

What it never reads: the partner's check-ins (not even whether there were
any), the partner's private writing, drafts or unrevealed answers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

from accounts.models import Couple, User
from accounts.selectors import flow_items_waiting_for
from exercises.insights.bank import week_for
from exercises.models import Appreciation, CheckIn, Delivery, Run
from exercises.models.choices import Visibility
from exercises.progress import progress_for

from . import emails
from .copy import Copy
from .mime import PromptEmail
from .scheduling import zone_info

QUIET_WEEK = (
    "This was a quiet week, and that is all right. Repair has its own pace. "
    "Whenever you feel ready, one small moment, a thank-you or a short check-in, is enough."
)
NOTHING_WAITING = "Nothing is waiting for you right now."


@dataclass(frozen=True)
class Summary:
    start: dt.date
    end: dt.date
    partner_name: str
    went_well: list[str]
    received: int
    waiting: list[tuple[str, str]]  # (label, path inside the site)

    @property
    def quiet(self) -> bool:
        return not self.went_well and not self.received


def _times(count: int, one: str, many: str) -> str:
    return one if count == 1 else many.format(count=count)


def went_well(*, sent: int, kept: int, rituals: int, checkins: int, revealed: int, partner_name: str) -> list[str]:
    lines = []
    if sent:
        lines.append(f"You sent {partner_name} {_times(sent, 'an appreciation', '{count} appreciations')}.")
    if revealed:
        lines.append(f"You finished {_times(revealed, 'an exercise', '{count} exercises')} together.")
    if kept:
        lines.append(f"An agreement between you was kept {_times(kept, 'once', '{count} times')}.")
    if rituals:
        lines.append(f"You kept a ritual together on {_times(rituals, 'one day', '{count} days')}.")
    if checkins:
        lines.append(f"You checked in with yourself on {_times(checkins, 'one day', '{count} days')}.")
    return lines


def summary_for(*, couple: Couple, user: User, end: dt.date) -> Summary:
    """The seven local days of ``user`` ending on ``end`` (their delivery's local date)."""
    week = week_for(couple=couple, user=user, today=end)
    partner = couple.partner_of(user)
    partner_name = partner.get_short_name() if partner else "your partner"
    since, until = _local_bounds(user, week.start, week.end)
    received = Appreciation.objects.filter(
        couple=couple, recipient=user, created_at__gte=since, created_at__lt=until
    ).exclude(visibility=Visibility.PRIVATE)
    # Only this person's own check-ins: the partner's are theirs, shared or not.
    checkins = CheckIn.objects.filter(user=user, local_date__gte=week.start, local_date__lte=week.end)
    revealed = Run.objects.filter(couple=couple, revealed_at__gte=since, revealed_at__lt=until)
    return Summary(
        start=week.start,
        end=week.end,
        partner_name=partner_name,
        went_well=went_well(
            sent=week.appreciations_sent,
            kept=week.agreements_kept,
            rituals=week.rituals_done,
            checkins=checkins.count(),
            revealed=revealed.count(),
            partner_name=partner_name,
        ),
        received=received.count(),
        waiting=waiting_for(couple=couple, user=user),
    )


def _local_bounds(user: User, start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = zone_info(user.time_zone) or dt.UTC
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=zone),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone),
    )


def waiting_for(*, couple: Couple, user: User) -> list[tuple[str, str]]:
    """What waits on this person, as the dashboard lists it (the private onboarding steps aside)."""
    progress = progress_for(couple=couple, user=user)
    items = [(label, reverse(name)) for label, name in flow_items_waiting_for(couple, user, progress.roles)]
    listed = {label for label, _ in items}
    for item in progress.in_progress_for_me():
        if item.exercise.title not in listed:
            items.append((item.exercise.title, reverse("exercises:detail", args=[item.exercise.slug])))
    return items


def summary_context(summary: Summary, site_url: str) -> dict:
    return {
        "week": {"start": summary.start, "end": summary.end},
        "partner_name": summary.partner_name,
        "went_well": summary.went_well,
        "received": summary.received,
        "received_line": _received_line(summary),
        "quiet": summary.quiet,
        "quiet_line": QUIET_WEEK,
        "waiting": [{"label": label, "url": site_url + path} for label, path in summary.waiting],
        "nothing_waiting": NOTHING_WAITING,
    }


def _received_line(summary: Summary) -> str:
    if not summary.received:
        return ""
    count = _times(summary.received, "an appreciation", "{count} appreciations")
    return f"{summary.partner_name} sent you {count} this week."


def summary_email(*, delivery: Delivery, user: User, couple: Couple, copy: Copy, links: emails.Links) -> PromptEmail:
    summary = summary_for(couple=couple, user=user, end=delivery.local_date)
    context = summary_context(summary, settings.SITE_URL)
    return emails.weekly_summary(delivery=delivery, user=user, copy=copy, links=links, summary=context)


def couples_of(couple_ids) -> dict[int, Couple]:
    return Couple.objects.in_bulk(list(couple_ids))
