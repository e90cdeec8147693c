"""Forms of the accountability statement: writing a version, and responding to it."""

from __future__ import annotations

from django import forms

from accounts.forms import rating_field
from exercises.models.choices import Visibility
from exercises.models.flows import TEXT_LIMIT

SHARED_CHOICES = [
    (Visibility.COUPLE.value, Visibility.COUPLE.label),
    (Visibility.COUPLE_THERAPIST.value, Visibility.COUPLE_THERAPIST.label),
]

WHO_CAN_READ = "Choose who can read it: your partner, or your partner and your therapist."


class StatementForm(forms.Form):
    text = forms.CharField(
        label="Your statement",
        max_length=TEXT_LIMIT,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="Take your time. Your partner reads it once you save it.",
    )
    visibility = forms.ChoiceField(
        label="Who can read it",
        choices=SHARED_CHOICES,
        initial=Visibility.COUPLE.value,
        widget=forms.RadioSelect,
    )
    # The version the writer was looking at (0 for none), so a save from a stale tab is noticed.
    based_on = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].error_messages.update(
            required="Please write your statement before saving.",
            max_length=f"Your statement is a little too long: please keep it under {TEXT_LIMIT} characters.",
        )
        self.fields["visibility"].error_messages.update(required=WHO_CAN_READ, invalid_choice=WHO_CAN_READ)


class StatementResponseForm(forms.Form):
    felt_heard = rating_field(
        "How heard do you feel by this statement?",
        "0 means not at all, 10 means completely. There is no right answer.",
    )
    missing = forms.CharField(
        label="What is still missing for you?",
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What would help you feel more heard: something left out, softened or explained away.",
    )
    heard_enough = forms.BooleanField(
        label="I feel heard enough to go on",
        required=False,
        help_text="Leave this unticked if you would like your partner to write another version.",
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["felt_heard"].error_messages.update(
            required="Choose a number from 0 to 10.",
            invalid_choice="Choose a number from 0 to 10.",
        )
        self.fields["missing"].error_messages.update(
            max_length=f"This is a little too long: please keep it under {TEXT_LIMIT} characters.",
        )
