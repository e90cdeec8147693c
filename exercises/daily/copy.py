"""The words of the daily prompts: staff-edited rows when they exist, our built-in wording otherwise.

``load_prompt_copy`` seeds the database from the defaults below; the pipeline
never depends on that having run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from exercises.models import AppreciationStarter, PromptCopy, PromptKind


@dataclass(frozen=True)
class Copy:
    subject: str
    body: str


DEFAULT_COPY: dict[str, Copy] = {
    PromptKind.CHECKIN: Copy(
        subject="A minute for today's check-in",
        body=(
            "How are you arriving today? A short check-in asks for a word for your mood, "
            "how safe and how trusting you feel, and one thing you need.\n"
            "It takes about a minute, and you decide what your partner sees."
        ),
    ),
    PromptKind.APPRECIATION: Copy(
        subject="One kind word for your partner today",
        body=(
            "Small moments of noticing add up. Today, write your partner one appreciation: "
            "something good from the day, an effort you saw, or something you admire.\n"
            "A sentence is plenty."
        ),
    ),
    PromptKind.WEEKLY_SUMMARY: Copy(
        subject="Your week, looked back on gently",
        body=(
            "Here is a short look back at your week: what went well, what you received, "
            "and what is waiting for you when you are ready."
        ),
    ),
}

# (kind, text): one is offered a day, in turn. Staff edit these as AppreciationStarter rows.
DEFAULT_STARTERS: tuple[tuple[str, str], ...] = (
    ("daily_positive", "Name one moment from today that you were glad to share."),
    ("effort", "Think of something your partner tried hard at this week, even if it didn't go perfectly."),
    ("admiration", "Which of your partner's qualities did you lean on recently?"),
    ("daily_positive", "What did your partner do today that made the day a little easier?"),
    ("effort", "Notice a promise your partner kept, however small."),
    ("admiration", "Recall a time your partner surprised you with their patience or kindness."),
)


def copy_for(kind: str, rows: dict[str, PromptCopy] | None = None) -> Copy:
    """Staff wording for ``kind`` (from ``rows`` when the caller already loaded them), else ours."""
    if rows is None:
        rows = {row.kind: row for row in PromptCopy.objects.filter(kind=kind)}
    row = rows.get(kind)
    if row is not None and row.subject.strip() and row.body.strip():
        return Copy(subject=row.subject.strip(), body=row.body.strip())
    return DEFAULT_COPY.get(kind, Copy(subject="A note from TrustRepair", body=""))


def load_copy_rows() -> dict[str, PromptCopy]:
    return {row.kind: row for row in PromptCopy.objects.all()}


@dataclass(frozen=True)
class Starter:
    kind: str
    text: str


def load_starters() -> list[Starter]:
    return [
        Starter(kind, text)
        for kind, text in AppreciationStarter.objects.filter(active=True).values_list("kind", "text")
    ]


def starter_for(day: date, starters: list[Starter] | None = None) -> Starter:
    """The starter idea of ``day`` (a person's local date): the same all day, a different one tomorrow."""
    if starters is None:
        starters = load_starters()
    if not starters:
        starters = [Starter(kind, text) for kind, text in DEFAULT_STARTERS]
    return starters[day.toordinal() % len(starters)]
