"""Forms of the couple space: invitations, joining, onboarding, the safety check, leaving."""

from django import forms

from .forms import rating_field
from .models import SafetyCheck
from .models.onboarding import Fracture, Role

NOT_APPLICABLE = ""


class InviteEmailForm(forms.Form):
    email = forms.EmailField(label="Your partner's email address", max_length=254)


class JoinCodeForm(forms.Form):
    code = forms.CharField(
        label="Invitation code",
        max_length=20,
        help_text="The 8 characters your partner sees on their screen, like KX7P-M4QA. Dashes and spaces don't matter.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )

    def clean_code(self):
        from .models.couple import CODE_LENGTH, normalise_code

        code = normalise_code(self.cleaned_data["code"])
        if len(code) != CODE_LENGTH:
            raise forms.ValidationError("A code has 8 letters and numbers. Please check it and try again.")
        return code


class OnboardingForm(forms.Form):
    """For each kind of fracture: does it apply, and which side of it were you on?"""

    other_fracture = forms.CharField(
        label="Anything else, in your own words",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional. Your partner will see this once you have both answered.",
    )
    baseline_safety = rating_field(
        "Right now, how safe do you feel with your partner?",
        "Only you see this. It is the first point of your own trend.",
    )
    baseline_trust = rating_field("Right now, how much do you trust your partner?", "Only you see this.")

    ROLE_CHOICES = [(NOT_APPLICABLE, "Doesn't apply"), *Role.choices]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in Fracture:
            self.fields[f"role_{kind.value}"] = forms.ChoiceField(
                label=kind.label, choices=self.ROLE_CHOICES, required=False, widget=forms.RadioSelect, initial=""
            )
        self.order_fields(
            [f"role_{k.value}" for k in Fracture] + ["other_fracture", "baseline_safety", "baseline_trust"]
        )

    def fracture_fields(self):
        return [self[f"role_{kind.value}"] for kind in Fracture]

    def clean(self):
        cleaned = super().clean()
        roles = {kind.value: cleaned.get(f"role_{kind.value}") for kind in Fracture}
        cleaned["roles"] = {kind: role for kind, role in roles.items() if role}
        if not cleaned["roles"]:
            raise forms.ValidationError(
                "Choose at least one kind of hurt that applies to you, or describe it under “Something else”."
            )
        if Fracture.OTHER.value in cleaned["roles"] and not cleaned.get("other_fracture", "").strip():
            self.add_error(
                "other_fracture", "Tell us a few words about “something else”, so your partner knows what you mean."
            )
        return cleaned


class SafetyCheckForm(forms.ModelForm):
    afraid_of_partner = forms.ChoiceField(
        label="Do you ever feel afraid of your partner?", choices=SafetyCheck.Answer.choices, widget=forms.RadioSelect
    )
    threats_or_violence = forms.ChoiceField(
        label="Has your partner ever threatened you, hurt you, or made you fear they would?",
        choices=SafetyCheck.Answer.choices,
        widget=forms.RadioSelect,
    )

    class Meta:
        model = SafetyCheck
        fields = [
            "afraid_of_partner",
            "controls_phone",
            "controls_money",
            "controls_whereabouts",
            "controls_contacts",
            "threats_or_violence",
            "note",
        ]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}
        labels = {
            "controls_phone": "My partner checks or controls my phone or messages",
            "controls_money": "My partner controls my money or spending",
            "controls_whereabouts": "My partner tracks or demands to know where I am",
            "controls_contacts": "My partner decides who I may see or talk to",
        }


class LeaveForm(forms.Form):
    confirm = forms.BooleanField(
        label="I understand that this closes our couple space for both of us, right away.",
        error_messages={"required": "Please tick the box to confirm, or go back if you are not sure."},
    )
