"""The kinds of prompt the pipeline sends, and the per-kind facts every step shares.

A ``KindSpec`` names, for one ``PromptKind``, the ``PromptPreference`` fields
that turn it on, set its time and (for the weekly summary) its day, and
whether it needs a partner. The claim builds its SQL from these specs, the
send step re-checks a row against the same spec, so the two can never
disagree about who is due. ``wants_email`` and the prompt pages live here
for the same reason: the claim, the send step and ``notifications`` all ask.
Nothing here touches the database beyond model metadata.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse

from exercises.models import PromptKind, PromptPreference


@dataclass(frozen=True)
class KindSpec:
    kind: str
    enabled_field: str
    time_field: str
    needs_partner: bool  # an appreciation needs someone to appreciate; a weekly summary is of a week together
    # A weekly kind is due only on the person's chosen ISO weekday (their local date), so the ledger's
    # (user, kind, local date) key makes it once a week; daily kinds have none. A weekly kind is also
    # never claimed within 7 local days of the last one, so changing the day cannot make two in one week.
    day_field: str | None = None
    # The check-in prompt asks for today's check-in: once the person has checked in that local day, there
    # is nothing left to ask, so neither the claim nor the send step lets it through.
    answered_by_checkin: bool = False

    @property
    def gap_days(self) -> int:
        return 7 if self.day_field else 1

    @property
    def default_time(self) -> dt.time:
        return PromptPreference._meta.get_field(self.time_field).default

    @property
    def default_enabled(self) -> bool:
        return PromptPreference._meta.get_field(self.enabled_field).default

    @property
    def default_day(self) -> int | None:
        return PromptPreference._meta.get_field(self.day_field).default if self.day_field else None


KINDS: tuple[KindSpec, ...] = (
    KindSpec(PromptKind.CHECKIN, "checkin_enabled", "checkin_time", needs_partner=False, answered_by_checkin=True),
    KindSpec(PromptKind.APPRECIATION, "appreciation_enabled", "appreciation_time", needs_partner=True),
    KindSpec(
        PromptKind.WEEKLY_SUMMARY,
        "weekly_summary_enabled",
        "weekly_summary_time",
        needs_partner=True,
        day_field="weekly_summary_day",
    ),
)
SPECS = {spec.kind: spec for spec in KINDS}


def wants_email(preference: PromptPreference) -> bool:
    return preference.email_enabled and preference.email_unsubscribed_at is None


PROMPT_PAGES = {
    PromptKind.CHECKIN: "daily:checkin",
    PromptKind.APPRECIATION: "exercises:appreciations",
    PromptKind.WEEKLY_SUMMARY: "insights:progress",
}


def prompt_path(kind: str) -> str:
    return reverse(PROMPT_PAGES[kind])


def notification_kind(kind: str) -> str:
    return kind if kind == PromptKind.WEEKLY_SUMMARY else f"{kind}_prompt"
