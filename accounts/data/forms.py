from django import forms

CONFIRM_WORD = "delete"


class EraseForm(forms.Form):
    """The last step before erasure: the person types the word and ticks the box (after re-authentication)."""

    understand = forms.BooleanField(
        label="I understand that my account and my private writing are deleted for good, and cannot be brought back.",
        error_messages={"required": "Please tick the box to confirm, or go back if you are not sure."},
    )
    confirmation = forms.CharField(
        label=f"Type “{CONFIRM_WORD}” to confirm",
        max_length=20,
        error_messages={"required": f"Please type “{CONFIRM_WORD}” to confirm."},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}),
    )

    def clean_confirmation(self) -> str:
        value = self.cleaned_data["confirmation"]
        if value.strip().lower() != CONFIRM_WORD:
            raise forms.ValidationError(
                f"Please type the word “{CONFIRM_WORD}” exactly, or go back if you are not sure."
            )
        return value
