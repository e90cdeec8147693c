"""Forms of the agreements flow: a proposal (new or changed) and a kept/missed log."""

from __future__ import annotations

from datetime import date

from django import forms

from exercises.models import Agreement
from exercises.services.agreements import DISPUTE_NOTE_LIMIT, NOTE_LIMIT, TEXT_LIMIT

KEPT, MISSED = "kept", "missed"


class ProposalForm(forms.Form):
    category = forms.ChoiceField(
        label="What is it about?",
        choices=Agreement.Category.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Please choose what the agreement is about.",
            "invalid_choice": "Please choose one of the categories listed.",
        },
    )
    text = forms.CharField(
        label="The agreement",
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One clear, doable promise in your own words, e.g. “I will tell you when I'll be home late.”",
        error_messages={
            "required": "Please write the agreement in a sentence or two.",
            "max_length": f"Please keep the agreement under {TEXT_LIMIT} characters (it has %(show_value)d).",
        },
    )
    review_on = forms.DateField(
        label="Look at it again on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="A day to talk about how it is going and whether it still fits.",
        error_messages={"invalid": "Please enter a date like 2030-04-21, or leave it empty."},
    )

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["review_on"].widget.attrs["min"] = today.isoformat()

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError("Please write the agreement in a sentence or two.")
        return text

    def clean_review_on(self) -> date | None:
        review_on = self.cleaned_data.get("review_on")
        if review_on is not None and review_on < self.today:
            raise forms.ValidationError(
                "A review date can't be in the past. Pick today or a later day, or leave it empty."
            )
        return review_on


class LogForm(forms.Form):
    """Log one day of an accepted agreement, kept or missed."""

    kept = forms.ChoiceField(
        label="How did it go?",
        choices=[(KEPT, "Kept"), (MISSED, "Missed")],
        widget=forms.RadioSelect,
        error_messages={"required": "Please choose kept or missed.", "invalid_choice": "Please choose kept or missed."},
    )
    occurred_on = forms.DateField(
        label="On",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Please give the day.", "invalid": "Please enter a date like 2030-04-21."},
    )
    note = forms.CharField(
        label="A note",
        required=False,
        max_length=NOTE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": f"Please keep the note under {NOTE_LIMIT} characters (it has %(show_value)d)."},
    )

    def __init__(self, *args, today: date, **kwargs):
        kwargs.setdefault("initial", {"occurred_on": today, "kept": KEPT})
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["occurred_on"].widget.attrs["max"] = today.isoformat()

    def clean_kept(self) -> bool:
        return self.cleaned_data["kept"] == KEPT

    def clean_occurred_on(self) -> date:
        occurred_on = self.cleaned_data["occurred_on"]
        if occurred_on > self.today:
            raise forms.ValidationError("That day hasn't happened yet. Pick today or an earlier day.")
        return occurred_on


class DisputeForm(forms.Form):
    """Say that a logged "missed" looks different from where you stand, with a short note if you like."""

    note = forms.CharField(
        label="How do you see it? (optional)",
        required=False,
        max_length=DISPUTE_NOTE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="A few words are enough. You can talk it through together, or with your therapist.",
        error_messages={
            "max_length": f"Please keep your note under {DISPUTE_NOTE_LIMIT} characters (it has %(show_value)d)."
        },
    )
