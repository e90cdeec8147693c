"""Rituals of connection: plan one, mark it done (today or earlier this week), pause and resume."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.models import Couple
from accounts.scoping import couple_object_or_404, couple_required
from exercises.forms_flows.rituals import SUGGESTIONS, DoneForm, PlanForm
from exercises.models import Exercise, Ritual
from exercises.models.choices import Kind
from exercises.selectors.rituals import RECENT_DAYS, rituals_page
from exercises.services import rituals as service


def _done_form(request: HttpRequest, ritual: Ritual, data=None) -> DoneForm:
    # One form per ritual on the page: distinct ids keep each label tied to its own select.
    return DoneForm(data, today=service.local_today(request.user), auto_id=f"ritual-{ritual.pk}-%s")


def _page(
    request: HttpRequest,
    couple: Couple,
    *,
    form: PlanForm | None = None,
    done_form: DoneForm | None = None,
    done_for: int | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    today = service.local_today(request.user)
    rituals = rituals_page(couple=couple, today=today)
    for ritual in rituals:
        ritual.done_form = done_form if ritual.pk == done_for else _done_form(request, ritual)
    context = {
        "couple": couple,
        "partner": couple.partner_of(request.user),
        "exercise": Exercise.objects.published().filter(kind=Kind.RITUALS).first(),
        "active": [r for r in rituals if r.active],
        "paused": [r for r in rituals if not r.active],
        "form": form or PlanForm(initial=PlanForm.initial_for(request.GET.get("idea")), auto_id="plan-%s"),
        "suggestions": SUGGESTIONS,
        "recent_days": RECENT_DAYS,
        "today": today,
        "error": error,
    }
    return render(request, "exercises/rituals/list.html", context, status=status)


@couple_required
def rituals(request: HttpRequest, couple: Couple) -> HttpResponse:
    """The list, a few ideas, and the form to plan a ritual (POST)."""
    if request.method != "POST":
        return _page(request, couple)
    form = PlanForm(request.POST, auto_id="plan-%s")
    if form.is_valid():
        try:
            service.ritual_plan(couple=couple, user=request.user, **form.cleaned_data)
        except service.RitualError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Your ritual is planned. Mark it here whenever you have shared it.")
            return redirect("exercises:rituals")
    return _page(request, couple, form=form, status=400)


@couple_required
@require_POST
def done(request: HttpRequest, pk: int, couple: Couple) -> HttpResponse:
    ritual = couple_object_or_404(request, Ritual, pk=pk)
    form = _done_form(request, ritual, request.POST)
    if form.is_valid():
        try:
            marked = service.ritual_mark_done(ritual=ritual, user=request.user, done_on=form.cleaned_data["done_on"])
        except service.RitualError as error:  # a paused ritual, or midnight passed while the page was open
            return _page(request, couple, error=str(error), status=400)
        else:
            if marked.created:
                messages.success(request, f"Marked “{ritual.what}” as done. Lovely.")
            else:
                messages.info(request, "That day is already marked as done. Nothing more to do.")
            return redirect("exercises:rituals")
    return _page(request, couple, done_form=form, done_for=ritual.pk, status=400)


@couple_required
@require_POST
def toggle(request: HttpRequest, pk: int, couple: Couple) -> HttpResponse:
    """Pause or resume. The button says which (``action``), so a double click cannot undo itself."""
    ritual = couple_object_or_404(request, Ritual, pk=pk)
    action = request.POST.get("action")
    if action not in ("pause", "resume"):
        return _page(request, couple, error="Please choose to pause or resume the ritual.", status=400)
    service.ritual_set_active(ritual=ritual, user=request.user, active=action == "resume")
    if action == "pause":
        messages.info(request, "Paused. It will wait here until you would like to pick it up again.")
    else:
        messages.success(request, "Welcome back to it.")
    return redirect("exercises:rituals")
