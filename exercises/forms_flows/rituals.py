"""Forms of the rituals flow: planning a ritual, and marking it done on a day of the past week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django import forms
from django.utils import dateformat

from exercises.models import Ritual
from exercises.services.rituals import WHAT_LIMIT, WHEN_LIMIT, done_days


@dataclass(frozen=True)
class Suggestion:
    key: str
    what: str
    when: str
    frequency: str


# Tapping one fills in the plan form (a plain link, so it works without JavaScript).
SUGGESTIONS = (
    Suggestion(
        "coffee", "Morning coffee together, phones in another room", "before the day starts", Ritual.Frequency.DAILY
    ),
    Suggestion("walk", "A walk together, just the two of us", "Sunday afternoon", Ritual.Frequency.WEEKLY),
    Suggestion("dinner", "A phone-free dinner", "one evening of our choosing", Ritual.Frequency.WEEKLY),
    Suggestion(
        "goodbye", "A slow, six-second kiss goodbye", "when one of us leaves in the morning", Ritual.Frequency.WEEKDAYS
    ),
    Suggestion(
        "check-in", "Ten minutes to ask each other how the day really was", "after dinner", Ritual.Frequency.DAILY
    ),
    Suggestion(
        "date", "A date, planned by each of us in turn", "a Friday or Saturday evening", Ritual.Frequency.MONTHLY
    ),
)
SUGGESTIONS_BY_KEY = {s.key: s for s in SUGGESTIONS}


class PlanForm(forms.Form):
    what = forms.CharField(
        label="The ritual",
        max_length=WHAT_LIMIT,
        help_text="Something small you can both look forward to.",
        error_messages={
            "required": "Please say what the ritual is.",
            "max_length": f"Please keep it under {WHAT_LIMIT} characters (it has %(show_value)d).",
        },
    )
    when = forms.CharField(
        label="When",
        max_length=WHEN_LIMIT,
        required=False,
        help_text="E.g. “after the children are asleep”.",
        error_messages={"max_length": f"Please keep it under {WHEN_LIMIT} characters (it has %(show_value)d)."},
    )
    frequency = forms.ChoiceField(
        label="How often",
        choices=Ritual.Frequency.choices,
        initial=Ritual.Frequency.WEEKLY,
        widget=forms.RadioSelect,
        error_messages={"required": "Please choose how often.", "invalid_choice": "Please choose one of the options."},
    )

    @classmethod
    def initial_for(cls, key: str | None) -> dict:
        suggestion = SUGGESTIONS_BY_KEY.get(key or "")
        if suggestion is None:
            return {}
        return {"what": suggestion.what, "when": suggestion.when, "frequency": suggestion.frequency}

    def clean_what(self) -> str:
        what = self.cleaned_data["what"].strip()
        if not what:
            raise forms.ValidationError("Please say what the ritual is.")
        return what


def _day_label(day: date, today: date) -> str:
    if day == today:
        return "Today"
    if (today - day).days == 1:
        return "Yesterday"
    return dateformat.format(day, "l j F")


class DoneForm(forms.Form):
    done_on = forms.TypedChoiceField(
        label="Which day?",
        required=False,
        coerce=date.fromisoformat,
        empty_value=None,
        error_messages={"invalid_choice": "Pick today or one of the last six days."},
    )

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["done_on"].choices = [(d.isoformat(), _day_label(d, today)) for d in done_days(today)]

    def clean_done_on(self) -> date:
        return self.cleaned_data.get("done_on") or self.today
