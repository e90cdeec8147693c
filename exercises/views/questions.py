"""The questions log: ask (again, if needed), answer, revise an answer, save for the therapist."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Couple
from accounts.scoping import couple_object_or_404, couple_required
from exercises.forms_flows.questions import AnswerForm, AskForm
from exercises.models import Exercise, Question, QuestionAnswer
from exercises.models.choices import Kind
from exercises.roles import is_asker
from exercises.selectors.questions import FILTERS, earlier_questions, filter_counts, question_log, visible_questions
from exercises.services.questions import QuestionError, question_answer, question_ask, question_toggle_saved


@dataclass
class QuestionRow:
    question: Question
    answers: list[QuestionAnswer]
    can_answer: bool
    answer_form: AnswerForm | None = None
    error: str = ""
    earlier: list[QuestionAnswer] = field(init=False)
    latest: QuestionAnswer | None = field(init=False)

    def __post_init__(self):
        self.latest = self.answers[-1] if self.answers else None
        self.earlier = list(reversed(self.answers[:-1]))


def _show(request: HttpRequest) -> str:
    show = request.GET.get("show", "all")
    return show if show in FILTERS else "all"


def _page(
    request: HttpRequest,
    couple: Couple,
    *,
    ask_form: AskForm | None = None,
    failed: tuple[int, AnswerForm | None, str] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    """The log. ``failed`` is (question id, bound answer form, message) of a refused answer, shown in place."""
    user = request.user
    show = _show(request)
    asker = is_asker(couple, user)
    if asker and ask_form is None:
        ask_form = AskForm(earlier=earlier_questions(couple, user))
    rows = []
    failed_shown = False
    for question in question_log(couple, user, show):
        can_answer = question.asker_id != user.pk
        row = QuestionRow(question=question, answers=list(question.answers.all()), can_answer=can_answer)
        if failed and failed[0] == question.pk and can_answer:
            row.answer_form, row.error = failed[1], failed[2]
            failed_shown = True
        if can_answer and row.answer_form is None:
            initial = {"text": row.latest.text} if row.latest else None
            row.answer_form = AnswerForm(question=question, initial=initial)
        rows.append(row)
    if failed and not failed_shown and not error:
        # The form is not on the page (e.g. someone answering their own question): say why at the top.
        error = failed[2] or "There is nothing for you to answer there."
    exercise = Exercise.objects.published().filter(kind=Kind.QUESTIONS_LOG).first()
    context = {
        "couple": couple,
        "partner": couple.partner_of(user),
        "exercise": exercise,
        "is_asker": asker,
        "ask_form": ask_form if asker else None,
        "rows": rows,
        "show": show,
        "filters": [
            (key, label, count) for (key, label), count in zip(FILTERS.items(), _counts(couple, user), strict=True)
        ],
        "error": error,
    }
    return render(request, "exercises/questions/list.html", context, status=status)


def _counts(couple: Couple, user) -> list[int]:
    counts = filter_counts(couple, user)
    return [counts[key] for key in FILTERS]


def _back(request: HttpRequest, anchor: str, *, keep_filter: bool = False) -> str:
    url = reverse("exercises:questions")
    show = _show(request)
    if keep_filter and show != "all":
        url += f"?show={show}"
    return f"{url}#{anchor}"


@couple_required
@require_http_methods(["GET", "POST"])
def questions(request: HttpRequest, couple: Couple) -> HttpResponse:
    """GET: the log. POST: ask a question."""
    if request.method != "POST":
        return _page(request, couple)
    form = AskForm(request.POST, earlier=earlier_questions(couple, request.user))
    if not form.is_valid():
        error = "" if is_asker(couple, request.user) else "Questions here are asked by the partner who was hurt."
        return _page(request, couple, ask_form=form, error=error, status=400)
    try:
        question = question_ask(
            couple=couple,
            asker=request.user,
            text=form.cleaned_data["text"],
            repeat_of=form.cleaned_data.get("repeat_of"),
            visibility=form.cleaned_data["visibility"],
        )
    except QuestionError as error:
        return _page(request, couple, ask_form=form, error=str(error), status=400)
    if question.repeat_of_id:
        messages.success(request, "Your question is saved, beside the earlier time you asked it.")
    else:
        messages.success(request, "Your question is saved. Your partner can answer it here.")
    return redirect(_back(request, f"question-{question.pk}"))


@couple_required
@require_POST
def answer(request: HttpRequest, pk: int, couple: Couple) -> HttpResponse:
    question = couple_object_or_404(request, visible_questions(couple, request.user), pk=pk)
    form = AnswerForm(request.POST, question=question)
    if not form.is_valid():
        return _page(request, couple, failed=(question.pk, form, ""), status=400)
    try:
        question_answer(question=question, author=request.user, text=form.cleaned_data["text"])
    except QuestionError as error:
        return _page(request, couple, failed=(question.pk, form, str(error)), status=400)
    messages.success(request, "Your answer is saved.")
    return redirect(_back(request, f"question-{question.pk}"))


@couple_required
@require_POST
def save_for_therapist(request: HttpRequest, pk: int, couple: Couple) -> HttpResponse:
    question = couple_object_or_404(request, visible_questions(couple, request.user), pk=pk)
    wanted = {"1": True, "0": False}.get(request.POST.get("saved", ""))
    try:
        question = question_toggle_saved(question=question, user=request.user, saved=wanted)
    except QuestionError as error:
        return _page(request, couple, error=str(error), status=400)
    if question.saved_for_therapist:
        messages.success(request, "Saved for your therapist.")
    else:
        messages.success(request, "No longer saved for your therapist.")
    return redirect(_back(request, f"question-{question.pk}", keep_filter=True))
