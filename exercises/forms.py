"""Forms built from an exercise's steps, so a partner answers exactly what staff wrote."""

from __future__ import annotations

from django import forms
from django.utils.html import escape

from accounts.forms import ScaleWidget
from exercises.models import Step
from exercises.models.choices import AnswerType, Visibility

STALE_MESSAGE = (
    "This exercise was updated while you were writing. Your words are kept below: "
    "please read the questions again and save once more."
)
LONG_TEXT_LIMIT = 5000
SHORT_TEXT_LIMIT = 300


def _field_for(step: Step, *, guess: bool = False) -> forms.Field:
    label = "Your guess of your partner's answer" if guess else step.prompt
    # Help text is rendered unescaped (Django's convention for developer-written help), so staff text is escaped here.
    common = {
        "label": label,
        "required": step.required and not guess,
        "help_text": "" if guess else escape(step.help_text),
    }
    options = [(c, c) for c in step.choices]
    match step.answer_type:
        case AnswerType.LONG_TEXT:
            return forms.CharField(max_length=LONG_TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 6}), **common)
        case AnswerType.SHORT_TEXT:
            return forms.CharField(max_length=SHORT_TEXT_LIMIT, **common)
        case AnswerType.SCALE:
            return forms.TypedChoiceField(
                choices=[(i, str(i)) for i in range(11)], coerce=int, widget=ScaleWidget, **common
            )
        case AnswerType.SINGLE_CHOICE:
            return forms.ChoiceField(choices=options, widget=forms.RadioSelect, **common)
        case AnswerType.MULTIPLE_CHOICE | AnswerType.CHECKLIST:
            return forms.MultipleChoiceField(choices=options, widget=forms.CheckboxSelectMultiple, **common)
        case AnswerType.DATE:
            return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    raise ValueError(f"no field for answer type {step.answer_type!r}")


def step_field_name(step: Step, *, guess: bool = False) -> str:
    return f"step_{step.pk}_guess" if guess else f"step_{step.pk}"


class StepsForm(forms.Form):
    """One field per answerable step (plus a guess field where the step asks for one).

    ``version`` carries the exercise version the form was built from, so a
    submit against content that changed meanwhile is recognised (and the typed
    words are kept rather than lost).
    """

    version = forms.IntegerField(widget=forms.HiddenInput)
    # The draft revision this tab last saw, and the tab's own random name (see ``Response.draft_tab``).
    draft = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    tab = forms.CharField(widget=forms.HiddenInput, required=False, max_length=32)
    visibility = forms.ChoiceField(
        label="Who can read your answers once you have both finished",
        choices=[
            (Visibility.COUPLE, Visibility.COUPLE.label),
            (Visibility.COUPLE_THERAPIST, Visibility.COUPLE_THERAPIST.label),
        ],
        initial=Visibility.COUPLE,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, steps: list[Step], version: int, draft: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.steps = steps
        self.fields["version"].initial = version
        self.expected_version = version
        for step in steps:
            if step.answer_type == AnswerType.INSTRUCTION:
                continue
            self.fields[step_field_name(step)] = _field_for(step)
            if step.ask_guess:
                self.fields[step_field_name(step, guess=True)] = _field_for(step, guess=True)
        if draft:  # autosave keeps whatever is there, complete or not
            for field in self.fields.values():
                field.required = False

    def rows(self):
        """(step, answer field or None, guess field or None), in step order, for templates."""
        for step in self.steps:
            name = step_field_name(step)
            yield (
                step,
                self[name] if name in self.fields else None,
                self[step_field_name(step, guess=True)] if step.ask_guess and name in self.fields else None,
            )

    @property
    def is_stale(self) -> bool:
        return self.is_bound and str(self.data.get("version")) != str(self.expected_version)

    def clean(self):
        cleaned = super().clean()
        if self.is_stale:
            raise forms.ValidationError(STALE_MESSAGE, code="stale")
        return cleaned

    def answers(self) -> dict[int, tuple]:
        """step id -> (value, guess), JSON-ready."""
        out = {}
        for step in self.steps:
            name = step_field_name(step)
            if name not in self.cleaned_data:
                continue
            out[step.pk] = (
                _jsonable(self.cleaned_data[name]),
                _jsonable(self.cleaned_data.get(step_field_name(step, guess=True))),
            )
        return out


def _jsonable(value):
    if value in (None, "", []):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
