import datetime as dt

from django import forms

from exercises.forms import StepsForm
from exercises.models import Step
from exercises.services import paired


class IncidentForm(forms.Form):
    title = forms.CharField(
        label="What happened, in a few neutral words",
        max_length=120,
        help_text="E.g. “The argument about Sunday plans”. Describe it, don't judge it.",
    )
    happened_on = forms.DateField(
        label="When",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Optional.",
        error_messages={"invalid": "Please enter a date like 2030-04-21, or leave it empty."},
    )

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["happened_on"].widget.attrs["max"] = today.isoformat()

    def clean_happened_on(self) -> dt.date | None:
        happened_on = self.cleaned_data.get("happened_on")
        if problem := paired.happened_on_problem(happened_on, today=self.today):
            raise forms.ValidationError(problem)
        return happened_on


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
