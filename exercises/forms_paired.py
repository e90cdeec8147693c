from django import forms

from exercises.forms import StepsForm
from exercises.models import Step


class IncidentForm(forms.Form):
    title = forms.CharField(
        label="What happened, in a few neutral words",
        max_length=120,
        help_text="E.g. “The argument about Sunday plans”. Describe it, don't judge it.",
    )
    happened_on = forms.DateField(
        label="When", required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text="Optional."
    )


class JointNoteForm(forms.Form):
    text = forms.CharField(
        label="What we'll try next time",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Write it together. Either of you can update it.",
    )


class ReviseForm(StepsForm):
    """A single step, answered again after the reveal."""

    def __init__(self, *args, step: Step, **kwargs):
        super().__init__(*args, steps=[step], version=step.exercise.version, **kwargs)
        del self.fields["visibility"]
        del self.fields["version"]
        del self.fields["draft"]
        del self.fields["tab"]

    @property
    def is_stale(self) -> bool:
        return False


def revise_form(step: Step, *, data=None, initial=None) -> ReviseForm:
    return ReviseForm(data, initial=initial, step=step)
