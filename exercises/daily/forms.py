"""Forms of the daily rhythm. Every bad value gets a message next to its field; nothing typed is lost."""

from __future__ import annotations

import datetime as dt

from django import forms

from accounts.forms import rating_field
from exercises.models import CheckIn, PromptPreference, Weekday

from .scheduling import local_today

MAX_PAUSE = dt.timedelta(days=365)
TIME_ERRORS = {"invalid": "Enter a time like 08:00 (24-hour clock).", "required": "Choose a time."}


def time_field(label: str, *, help_text: str = "", required: bool = True) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        required=required,
        help_text=help_text,
        input_formats=["%H:%M", "%H:%M:%S"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages=TIME_ERRORS,
    )


class PreferencesForm(forms.Form):
    checkin_enabled = forms.BooleanField(label="Daily check-in prompt", required=False)
    checkin_time = time_field("Check-in time", help_text="Your own local time.")
    appreciation_enabled = forms.BooleanField(label="Appreciation prompt", required=False)
    appreciation_time = time_field("Appreciation time", help_text="Your own local time.")
    weekly_summary_enabled = forms.BooleanField(
        label="Weekly summary",
        required=False,
        help_text="Once a week, a short look back: what went well, what you received, what is waiting for you.",
    )
    weekly_summary_day = forms.TypedChoiceField(
        label="Day of the week",
        choices=Weekday.choices,
        coerce=int,
        error_messages={"required": "Choose a day.", "invalid_choice": "Choose one of the days of the week."},
    )
    weekly_summary_time = time_field("Summary time", help_text="Your own local time.")
    email_enabled = forms.BooleanField(label="By email", required=False)
    inapp_enabled = forms.BooleanField(label="In the app", required=False)
    digest_enabled = forms.BooleanField(
        label="Email me when something waits for me",
        required=False,
        help_text="Now and then, one short email listing what waits for your answer (a proposal, a log to confirm, "
        "your turn on an exercise). Never during your quiet time, and never your partner's words.",
    )
    paused_until = forms.DateField(
        label="Pause until",
        required=False,
        help_text="No prompts up to and including this day. Leave empty for no pause.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Enter a date like 2026-05-31."},
    )
    prompts_paused = forms.BooleanField(
        label="Pause all prompts",
        required=False,
        help_text="Nothing by email or in the app until you turn this off.",
    )

    def __init__(self, *args, user, preference: PromptPreference, **kwargs):
        self.user = user
        initial = {name: getattr(preference, name) for name in self.declared_fields if hasattr(preference, name)}
        initial["prompts_paused"] = user.prompts_paused
        super().__init__(*args, initial=initial, **kwargs)

    def clean_paused_until(self) -> dt.date | None:
        day = self.cleaned_data.get("paused_until")
        if day is None:
            return None
        today = local_today(self.user)
        if day < today:
            raise forms.ValidationError("Choose today or a later day (or leave it empty).")
        if day > today + MAX_PAUSE:
            raise forms.ValidationError("A pause can last up to a year. Choose an earlier day.")
        return day

    def clean(self) -> dict:
        data = super().clean()
        any_prompt = (
            data.get("checkin_enabled") or data.get("appreciation_enabled") or data.get("weekly_summary_enabled")
        )
        if any_prompt and not (data.get("email_enabled") or data.get("inapp_enabled")):
            self.add_error(
                "inapp_enabled",
                "Choose at least one way to receive prompts, or turn the prompts off above.",
            )
        return data

    def preference_values(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "prompts_paused"}


class QuietWindowForm(forms.Form):
    starts = time_field("Quiet from")
    ends = time_field("Until", help_text="Each of you in your own local time. It may run past midnight.")

    def clean(self) -> dict:
        data = super().clean()
        if data.get("starts") is not None and data.get("starts") == data.get("ends"):
            self.add_error("ends", "Choose an end time different from the start.")
        return data


SAFE_SHARE_CHOICES = [(CheckIn.Share.NOTHING, "Just for me")]


class CheckInForm(forms.Form):
    mood = forms.ChoiceField(
        label="A word for your mood",
        choices=CheckIn.Mood.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the word that fits best.", "invalid_choice": "Choose one of the words."},
    )
    safety = rating_field("How safe do you feel with your partner today?")
    trust = rating_field("How much do you trust your partner today?")
    need = forms.CharField(
        label="One thing I need today",
        required=False,
        max_length=CheckIn._meta.get_field("need").max_length,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": "Please keep it to %(limit_value)d characters (it has %(show_value)d)."},
    )
    share = forms.ChoiceField(
        label="What to share with your partner",
        choices=CheckIn.Share.choices,
        initial=CheckIn.Share.RATINGS,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what to share.", "invalid_choice": "Choose one of the options."},
    )
    therapist_visible = forms.BooleanField(
        label="Let these ratings count in our therapist's trends",
        required=False,
        initial=True,
        help_text="Only if you both allowed your therapist to see trends. Your words are never included.",
    )

    def __init__(self, *args, protected: bool, has_therapist: bool, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("safety", "trust"):
            self.fields[name].error_messages |= {
                "required": "Choose a number from 0 to 10.",
                "invalid_choice": "Choose a number from 0 to 10.",
            }
        if protected:
            # Said plainly to the person herself; her partner sees a day not shared (accounts/safety.py).
            share = self.fields["share"]
            share.choices = SAFE_SHARE_CHOICES
            share.initial = self.initial["share"] = CheckIn.Share.NOTHING  # also over today's earlier choice
            share.label = "Who sees this check-in"
            share.help_text = (
                "Because of your answers to the private safety check, your check-ins stay with you. "
                "Your partner sees only that you did not share one, as on any day someone keeps it to themselves."
            )
        if not has_therapist:
            del self.fields["therapist_visible"]

    @classmethod
    def initial_from(cls, checkin: CheckIn | None) -> dict:
        if checkin is None:
            return {}
        return {
            "mood": checkin.mood,
            "safety": checkin.safety,
            "trust": checkin.trust,
            "need": checkin.need,
            "share": checkin.share,
            "therapist_visible": checkin.therapist_visible,
        }
