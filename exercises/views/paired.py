"""The curriculum overview and the step-by-step exercises (paired reflection, inner world, aftermath)."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.scoping import couple_object_or_404, couple_required
from exercises.content_versions import run_steps, steps_in
from exercises.daily.scheduling import local_today
from exercises.forms import STALE_MESSAGE, StepsForm, step_field_name
from exercises.forms_paired import IncidentForm, JointNoteForm, revise_form
from exercises.models import Exercise, Run, Step
from exercises.models.choices import Kind
from exercises.progress import progress_for
from exercises.selectors.paired import run_view
from exercises.services import paired

# Kinds with a page of their own, reached from the curriculum by kind.
FLOW_PAGES = {
    Kind.ACCOUNTABILITY: "exercises:accountability",
    Kind.QUESTIONS_LOG: "exercises:questions",
    Kind.AGREEMENTS: "exercises:agreements",
    Kind.RITUALS: "exercises:rituals",
    Kind.APPRECIATIONS: "exercises:appreciations",
}


@couple_required
def index(request: HttpRequest, couple) -> HttpResponse:
    progress = progress_for(couple=couple, user=request.user)
    return render(request, "exercises/index.html", {"couple": couple, "progress": progress})


@couple_required
def detail(request: HttpRequest, slug: str, couple) -> HttpResponse:
    exercise = _exercise_or_404(couple, Exercise.objects.select_related("module").prefetch_related("steps"), slug=slug)
    progress = progress_for(couple=couple, user=request.user)
    if not progress.is_unlocked(exercise) and not exercise.runs.filter(couple=couple).exists():
        return render(request, "exercises/locked.html", {"exercise": exercise, "progress": progress})
    if exercise.kind in FLOW_PAGES:
        return redirect(FLOW_PAGES[exercise.kind])
    if exercise.kind == Kind.AFTERMATH:
        return _incidents(request, couple, exercise)
    run = paired.run_get_or_create(couple=couple, exercise=exercise)
    run.exercise = exercise  # already read, with its steps
    return _run_page(request, couple, run, progress)


def _exercise_or_404(couple, queryset, **lookup) -> Exercise:
    """A published exercise, or one this couple already started: taking it back to draft strands nobody."""
    started = Run.objects.filter(couple=couple, exercise=OuterRef("pk"))
    return get_object_or_404(
        queryset.filter(Q(status=Exercise.Status.PUBLISHED, module__published=True) | Exists(started)), **lookup
    )


def _incidents(request: HttpRequest, couple, exercise) -> HttpResponse:
    form = IncidentForm(request.POST if request.method == "POST" else None, today=local_today(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            run = paired.incident_create(couple=couple, user=request.user, exercise=exercise, **form.cleaned_data)
        except paired.ExerciseError as error:  # midnight passed between the form and the service, say
            form.add_error("happened_on", str(error))
        else:
            return redirect("exercises:incident", pk=run.incident_id)
    runs = (
        Run.objects.filter(couple=couple, exercise=exercise, incident__isnull=False)
        .select_related("incident")
        .order_by("-incident__created_at")
    )
    return render(
        request,
        "exercises/aftermath_list.html",
        {"exercise": exercise, "form": form, "runs": runs},
        status=400 if form.errors else 200,
    )


def _incident_run(request: HttpRequest, pk: int) -> Run:
    incident = couple_object_or_404(
        request,
        Run.objects.select_related("incident", "exercise__module").prefetch_related("exercise__steps"),
        incident_id=pk,
    )
    return incident


@couple_required
def incident(request: HttpRequest, pk: int, couple) -> HttpResponse:
    run = _incident_run(request, pk)
    return _run_page(request, couple, run, progress_for(couple=couple, user=request.user))


def _run_page(request: HttpRequest, couple, run: Run, progress) -> HttpResponse:
    run.couple = couple  # the door's couple, with its members loaded
    exercise = run.exercise
    steps = run_steps(run)
    view = run_view(run=run, viewer=request.user)
    mine = view.mine
    context = {
        "couple": couple,
        "exercise": exercise,
        "run": run,
        "view": view,
        "partner": couple.partner_of(request.user),
        "progress_item": progress.by_exercise.get(exercise.pk),
        "i_take_part": request.user in paired.participants(run, progress.roles),
    }
    sent = mine is not None and mine.is_submitted
    if not context["i_take_part"] or (sent and request.method != "POST"):
        if run.revealed_at and exercise.kind == Kind.AFTERMATH:
            context["note_form"] = JointNoteForm(initial={"text": run.joint_note})
        # Someone who is not part of this exercise (or already submitted) cannot write to it.
        forbidden = request.method == "POST" and not context["i_take_part"]
        return render(request, "exercises/run.html", context, status=403 if forbidden else 200)

    if request.method == "POST":
        return _submit(request, context, steps, sent=sent)
    initial = {"visibility": mine.visibility, "draft": mine.draft_revision} if mine else {"draft": 0}
    initial["tab"] = secrets.token_urlsafe(12)  # this page's own name, for telling its saves from another tab's
    if mine is not None:
        for answer in mine.answers.all():
            if answer.step_id:
                initial[f"step_{answer.step_id}"] = answer.value
                initial[f"step_{answer.step_id}_guess"] = answer.guess
    context["form"] = StepsForm(initial=initial, steps=steps, version=run.content_version)
    context["autosave_url"] = _autosave_url(run)
    return render(request, "exercises/run.html", context)


def _submit(request: HttpRequest, context: dict, steps: list[Step], *, sent: bool) -> HttpResponse:
    """'I'm done': submit once, or keep every word on the page with the reason it was not saved."""
    run = context["run"]
    form = StepsForm(request.POST, steps=steps, version=run.content_version)
    if sent and not form.is_valid():
        return _kept_page(request, context, form, paired.DraftConflict(paired.ALREADY_SENT, draft=0, sent=True))
    if form.is_valid():
        try:
            paired.response_submit(
                run=run,
                user=request.user,
                answers=form.answers(),
                visibility=form.cleaned_data["visibility"],
                seen=_seen(form),
            )
        except paired.DraftConflict as conflict:
            return _kept_page(request, context, form, conflict)
        except paired.ExerciseError as error:
            messages.info(request, str(error))
        else:
            run.refresh_from_db()
            messages.success(
                request,
                "Your answers are in. You'll see each other's side by side now."
                if run.revealed_at
                else "Your answers are in, and stay private until your partner has finished too.",
            )
        return redirect(request.path)
    if form.is_stale:
        # Keep every word, show today's questions, and let the next save go through.
        data = _carried_over(request.POST, run, from_version=form.data.get("version"))
        data["version"] = run.content_version
        form = StepsForm(data, steps=steps, version=run.content_version)
        form.is_valid()
        form.add_error(None, STALE_MESSAGE)
    context["form"] = form
    context["autosave_url"] = _autosave_url(run)
    return render(request, "exercises/run.html", context, status=400)


def _carried_over(posted, run: Run, *, from_version) -> QueryDict:
    """The words typed against an older version, moved to the same place (step order) in the run's version."""
    data = posted.copy()
    try:
        older = steps_in(run.exercise, int(from_version))
    except (TypeError, ValueError):
        return data
    now = {step.order: step for step in run_steps(run)}
    for step in older:
        new = now.get(step.order)
        if new is None or new.pk == step.pk:
            continue
        for guess in (False, True):
            old_name, new_name = step_field_name(step, guess=guess), step_field_name(new, guess=guess)
            if old_name in posted and new_name not in posted:
                data.setlist(new_name, posted.getlist(old_name))
    return data


def _kept_page(request: HttpRequest, context: dict, form: StepsForm, conflict: paired.DraftConflict) -> HttpResponse:
    """A tab that is behind: nothing saved, every word it sent shown again with the reason (409)."""
    data = request.POST.copy()
    data["draft"] = conflict.draft
    data["version"] = context["run"].content_version
    form = StepsForm(data, steps=form.steps, version=context["run"].content_version)
    form.is_valid()
    form.add_error(None, str(conflict))
    context["form"] = form
    context["already_sent"] = conflict.sent
    context["autosave_url"] = "" if conflict.sent else _autosave_url(context["run"])
    return render(request, "exercises/run.html", context, status=409)


def _seen(form: StepsForm) -> tuple[int | None, str]:
    return form.cleaned_data["draft"], form.cleaned_data["tab"]


def _autosave_url(run: Run) -> str:
    if run.incident_id:
        return reverse("exercises:incident_autosave", args=[run.incident_id])
    return reverse("exercises:autosave", args=[run.exercise.slug])


def _autosave(request: HttpRequest, run: Run) -> HttpResponse:
    form = StepsForm(request.POST, steps=run_steps(run), version=run.content_version, draft=True)
    if not form.is_valid():
        # Over-long text and the like: say so quietly, keep the words in the browser and the last good draft here.
        status = {"stale": True} if form.is_stale else {"error": True}
        return render(request, "exercises/includes/autosave_status.html", status, status=400)
    try:
        response = paired.draft_save(
            run=run,
            user=request.user,
            answers=form.answers(),
            visibility=form.cleaned_data.get("visibility"),
            seen=_seen(form),
        )
    except paired.DraftConflict as conflict:
        return render(request, "exercises/includes/autosave_status.html", {"conflict": conflict}, status=409)
    return render(request, "exercises/includes/autosave_status.html", {"response": response, "fresh": True})


@couple_required
@require_POST
def autosave(request: HttpRequest, slug: str, couple) -> HttpResponse:
    exercise = _exercise_or_404(couple, Exercise.objects.prefetch_related("steps"), slug=slug)
    run = Run.objects.filter(couple=couple, exercise=exercise, incident__isnull=True).first()
    unlocked = run is not None or progress_for(couple=couple, user=request.user).is_unlocked(exercise)
    if not unlocked or not exercise.is_paired:
        raise Http404
    return _autosave(request, paired.run_get_or_create(couple=couple, exercise=exercise))


@couple_required
@require_POST
def incident_autosave(request: HttpRequest, pk: int, couple) -> HttpResponse:
    return _autosave(request, _incident_run(request, pk))


def _revise(request: HttpRequest, run: Run, step_id: int) -> HttpResponse:
    step = next((s for s in run_steps(run) if s.pk == step_id), None)
    if step is None:
        raise Http404
    view = run_view(run=run, viewer=request.user)
    if not view.revealed or view.mine is None:
        raise Http404
    current = next((s.my_current for s in view.steps if s.step and s.step.pk == step.pk), None)
    initial = {}
    if current is not None:
        initial = {step_field_name(step): current.value, step_field_name(step, guess=True): current.guess}
    form = revise_form(step, data=request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        value, guess = form.answers()[step.pk]
        _, changed = paired.answer_revise(run=run, user=request.user, step=step, value=value, guess=guess)
        if changed:
            messages.success(request, "Saved as a new version. Your earlier answer stays in the history.")
        else:
            messages.info(request, "Nothing changed in that answer, so no new version was added.")
        return redirect(_run_url(run))
    return render(
        request,
        "exercises/revise.html",
        {"run": run, "step": step, "form": form, "back": _run_url(run)},
        status=400 if form.errors else 200,
    )


def _run_url(run: Run) -> str:
    if run.incident_id:
        return reverse("exercises:incident", args=[run.incident_id])
    return reverse("exercises:detail", args=[run.exercise.slug])


@couple_required
def revise(request: HttpRequest, slug: str, step_id: int, couple) -> HttpResponse:
    run = couple_object_or_404(
        request,
        Run.objects.select_related("exercise").prefetch_related("exercise__steps"),
        exercise__slug=slug,
        incident__isnull=True,
    )
    return _revise(request, run, step_id)


@couple_required
def incident_revise(request: HttpRequest, pk: int, step_id: int, couple) -> HttpResponse:
    return _revise(request, _incident_run(request, pk), step_id)


@couple_required
@require_POST
def incident_note(request: HttpRequest, pk: int, couple) -> HttpResponse:
    run = _incident_run(request, pk)
    form = JointNoteForm(request.POST)
    if form.is_valid():
        try:
            paired.joint_note_save(run=run, user=request.user, text=form.cleaned_data["text"])
        except paired.ExerciseError as error:
            messages.info(request, str(error))
        else:
            messages.success(request, "Your note for next time is saved.")
        return redirect(_run_url(run))
    progress = progress_for(couple=couple, user=request.user)
    context = {
        "couple": couple,
        "exercise": run.exercise,
        "run": run,
        "view": run_view(run=run, viewer=request.user),
        "partner": couple.partner_of(request.user),
        "progress_item": progress.by_exercise.get(run.exercise_id),
        "note_form": form,
        "i_take_part": True,
    }
    return render(request, "exercises/run.html", context, status=400)
