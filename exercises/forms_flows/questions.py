"""Forms of the questions log: asking (possibly again), answering, and the therapist flag."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.dateformat import format as date_format
from django.utils.text import Truncator
from django.utils.timezone import localtime

from exercises.models import Question
from exercises.models.choices import Visibility
from exercises.models.flows import TEXT_LIMIT
from exercises.services.questions import QUESTION_LIMIT

SHARED_CHOICES = [
    (Visibility.COUPLE.value, Visibility.COUPLE.label),
    (Visibility.COUPLE_THERAPIST.value, Visibility.COUPLE_THERAPIST.label),
]


class EarlierQuestionField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Question) -> str:
        return f"{Truncator(obj.text).chars(80)} ({date_format(localtime(obj.created_at), 'j M Y')})"


class AskForm(forms.Form):
    text = forms.CharField(
        label="Your question",
        max_length=QUESTION_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    repeat_of = EarlierQuestionField(
        label="I've asked this before",
        queryset=Question.objects.none(),
        required=False,
        empty_label="This is a new question",
        help_text="Optional. It is normal to need to hear an answer more than once; it will be shown beside your earlier question.",
    )
    visibility = forms.ChoiceField(
        label="Who can read it", choices=SHARED_CHOICES, initial=Visibility.COUPLE.value, widget=forms.RadioSelect
    )

    def __init__(self, *args, earlier: QuerySet[Question], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["repeat_of"].queryset = earlier
        self.fields["text"].error_messages.update(
            required="Please write your question first.",
            max_length=f"Your question is a little too long: please keep it under {QUESTION_LIMIT} characters.",
        )
        self.fields["repeat_of"].error_messages["invalid_choice"] = (
            "Choose one of your earlier questions from the list, or leave it as a new question."
        )
        if not earlier.exists():
            del self.fields["repeat_of"]


class AnswerForm(forms.Form):
    text = forms.CharField(label="Your answer", max_length=TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, question: Question, **kwargs):
        # Many answer forms share one page: keep field names plain, make ids unique per question.
        kwargs.setdefault("auto_id", f"id_q{question.pk}_%s")
        super().__init__(*args, **kwargs)
        self.fields["text"].error_messages.update(
            required="Please write your answer first.",
            max_length=f"Your answer is a little too long: please keep it under {TEXT_LIMIT} characters.",
        )
