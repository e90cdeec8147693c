"""Forms of therapist review: the therapist's sign-up, the couple's invitation, code and consent, notes and actions."""

from __future__ import annotations

from django import forms

from accounts.models import TherapistNote, TherapistProfile
from accounts.models.couple import CODE_LENGTH, normalise_code
from exercises.models import Exercise, Module, Recommendation


class TherapistJoinForm(forms.ModelForm):
    display_name = forms.CharField(
        label="Your name",
        max_length=60,
        help_text="As couples will see it, e.g. “Dr Maya Lind”.",
    )

    class Meta:
        model = TherapistProfile
        fields = ["practice_name", "licence_number", "region"]
        labels = {"practice_name": "Practice name", "licence_number": "Licence number", "region": "Licensing region"}
        help_texts = {
            "licence_number": "Our staff check it with the licensing body before you can see any couple's data.",
            "region": "The state, province or country that issued your licence.",
        }

    field_order = ["display_name", "practice_name", "licence_number", "region"]

    def clean(self):
        cleaned = super().clean()
        for name in ("display_name", "practice_name", "licence_number", "region"):
            value = cleaned.get(name)
            if isinstance(value, str) and name not in self.errors and not value.strip():
                self.add_error(name, "This can't be only spaces.")
        return cleaned


class InviteTherapistForm(forms.Form):
    email = forms.EmailField(
        label="Your therapist's email address",
        max_length=254,
        help_text="They get a link that works for 7 days. Nothing is shared until both of you have said yes.",
    )


class PracticeCodeForm(forms.Form):
    code = forms.CharField(
        label="Practice code",
        max_length=20,
        help_text="The 8 characters your therapist gave you, like KX7P-M4QA. Dashes and spaces don't matter.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )

    def clean_code(self):
        code = normalise_code(self.cleaned_data["code"])
        if len(code) != CODE_LENGTH:
            raise forms.ValidationError("A practice code has 8 letters and numbers. Please check it and try again.")
        return code


class ConsentForm(forms.Form):
    progress = forms.BooleanField(
        label="Our progress",
        required=False,
        help_text="Which modules and exercises you have started and finished, and when; agreements kept and missed (counts only).",
    )
    trends = forms.BooleanField(
        label="Check-in trends",
        required=False,
        help_text="Your felt-safety and trust ratings over time. Never your mood or what you wrote you need.",
    )
    writing = forms.BooleanField(
        label="Writing we mark for our therapist",
        required=False,
        help_text="Only what either of you marks “My partner, me and our therapist”, and questions you save for them.",
    )

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(name) for name in ("progress", "trends", "writing")):
            raise forms.ValidationError(
                "Choose at least one thing to share. If you would rather share nothing, use “Stop sharing”."
            )
        return cleaned


class NoteForm(forms.Form):
    text = forms.CharField(
        label="Private note",
        max_length=TherapistNote._meta.get_field("text").max_length,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Only you can read your notes. The couple never sees them.",
    )


class RecommendForm(forms.Form):
    exercise = forms.ModelChoiceField(
        label="Exercise",
        queryset=Exercise.objects.published().select_related("module").order_by("module__order", "order", "pk"),
        empty_label="Choose an exercise",
    )
    note = forms.CharField(
        label="A line for the couple",
        required=False,
        max_length=Recommendation._meta.get_field("note").max_length,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional. Shown with the suggestion on their dashboard.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exercise"].label_from_instance = lambda e: f"{e.module.title}: {e.title}"


class UnlockForm(forms.Form):
    module = forms.ModelChoiceField(label="Module", queryset=Module.objects.published(), empty_label="Choose a module")
