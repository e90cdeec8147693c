"""The appreciation form, and the starter ideas shown beside it."""

from __future__ import annotations

from datetime import date

from django import forms

from exercises.models import Appreciation
from exercises.models.choices import Visibility
from exercises.services.appreciations import TEXT_LIMIT

Kind = Appreciation.Kind

# A few ways to begin, per kind. One of each is shown a day, in turn.
STARTERS: dict[str, tuple[str, ...]] = {
    Kind.DAILY_POSITIVE: (
        "Today I noticed you…",
        "Something you did today that made me smile was…",
        "I felt close to you today when…",
        "One small thing from today I loved was…",
    ),
    Kind.EFFORT: (
        "I saw how hard you tried to…",
        "It meant a lot to me that you…",
        "I know it wasn't easy for you to…",
        "Thank you for staying with it when…",
    ),
    Kind.ADMIRATION: (
        "Something I admire in you is…",
        "I love the way you…",
        "I'm proud of you for…",
        "One of your qualities I lean on is…",
    ),
}


def starters_for(day: date) -> list[tuple[str, str, str]]:
    """(kind value, kind label, today's starter) for each kind; the starter changes from day to day."""
    return [(kind.value, kind.label, STARTERS[kind][day.toordinal() % len(STARTERS[kind])]) for kind in Kind]


class AppreciationForm(forms.Form):
    kind = forms.ChoiceField(
        label="What would you like to say?",
        choices=Kind.choices,
        initial=Kind.DAILY_POSITIVE,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Please choose what kind of appreciation this is.",
            "invalid_choice": "Please choose one of the options.",
        },
    )
    text = forms.CharField(
        label="Your appreciation",
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Please write a few words for your partner.",
            "max_length": f"Please keep it under {TEXT_LIMIT} characters (it has %(show_value)d).",
        },
    )
    visibility = forms.ChoiceField(
        label="Who can read it",
        choices=[
            (Visibility.COUPLE, Visibility.COUPLE.label),
            (Visibility.COUPLE_THERAPIST, Visibility.COUPLE_THERAPIST.label),
        ],
        initial=Visibility.COUPLE,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Please choose who can read it.",
            "invalid_choice": "Please choose who can read it.",
        },
    )

    @classmethod
    def initial_for(cls, kind: str | None, day: date) -> dict:
        """Start the form from today's starter of ``kind`` (when a starter idea was chosen)."""
        for value, _label, starter in starters_for(day):
            if value == kind:
                return {"kind": value, "text": starter.rstrip("…:") + " "}
        return {}

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError("Please write a few words for your partner.")
        return text
