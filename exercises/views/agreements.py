"""Agreements and boundaries: propose, answer (accept, decline, change), end, log kept or missed, confirm or dispute."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.models import Couple
from accounts.scoping import couple_object_or_404, couple_required
from exercises.forms_flows.agreements import DisputeForm, LogForm, ProposalForm
from exercises.models import Agreement, Exercise
from exercises.models.choices import Kind
from exercises.selectors.agreements import agreements_page
from exercises.services import agreements as service

Status = Agreement.Status


def _log_form(couple: Couple, request: HttpRequest, agreement: Agreement, data=None) -> LogForm:
    # Several log forms share the page: each gets its own ids so every label points at its own input.
    return LogForm(data, today=service.local_today(request.user), auto_id=f"log-{agreement.pk}-%s")


def _dispute_form(check_pk: int, data=None) -> DisputeForm:
    return DisputeForm(data, auto_id=f"dispute-{check_pk}-%s")


def _page(
    request: HttpRequest,
    couple: Couple,
    *,
    form: ProposalForm | None = None,
    log_form: LogForm | None = None,
    log_for: int | None = None,
    dispute_form: DisputeForm | None = None,
    dispute_for: int | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    today = service.local_today(request.user)
    page = agreements_page(couple=couple, user=request.user, today=today)
    for row in page.accepted:
        row.log_form = log_form if row.agreement.pk == log_for else _log_form(couple, request, row.agreement)
    for row in page.accepted + page.history:
        for check in row.to_confirm:
            if not check.kept:
                check.dispute_form = dispute_form if check.pk == dispute_for else _dispute_form(check.pk)
    context = {
        "couple": couple,
        "partner": couple.partner_of(request.user),
        "exercise": Exercise.objects.published().filter(kind=Kind.AGREEMENTS).first(),
        "page": page,
        "form": form or ProposalForm(today=today, auto_id="propose-%s"),
        "error": error,
        "today": today,
    }
    return render(request, "exercises/agreements/list.html", context, status=status)


@couple_required
def agreements(request: HttpRequest, couple: Couple) -> HttpResponse:
    """The list, and the form to propose a new agreement (POST)."""
    if request.method != "POST":
        return _page(request, couple)
    today = service.local_today(request.user)
    form = ProposalForm(request.POST, today=today, auto_id="propose-%s")
    if form.is_valid():
        try:
            service.agreement_propose(couple=couple, user=request.user, **form.cleaned_data)
        except service.AgreementError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, "Your proposal is saved. Your partner can accept it, decline it or suggest a change."
            )
            return redirect("exercises:agreements")
    return _page(request, couple, form=form, status=400)


@couple_required
@require_POST
def decide(request: HttpRequest, pk: int, couple: Couple) -> HttpResponse:
    agreement = couple_object_or_404(request, Agreement, pk=pk)
    decision = request.POST.get("decision")
    if decision not in ("accept", "decline"):
        return _page(request, couple, error="Please choose to accept or decline the proposal.", status=400)
    try:
        service.agreement_decide(agreement=agreement, user=request.user, accept=decision == "accept")
    except service.AgreementError as error:
        return _page(request, couple, error=str(error), status=400)
    if decision == "accept":
        messages.success(request, "You have agreed. It is now on your list of agreements.")
    else:
        messages.info(
            request,
            "You declined this proposal. It stays in your history, and either of you can propose something new.",
        )
    return redirect("exercises:agreements")


@couple_required
def counter(request: HttpRequest, pk: int, couple: Couple) -> HttpResponse:
    """Answer a proposal with a changed version: the form starts from the proposal's words."""
    agreement = couple_object_or_404(request, Agreement.objects.select_related("proposed_by"), pk=pk)
    today = service.local_today(request.user)
    context = {"couple": couple, "agreement": agreement, "partner": couple.partner_of(request.user)}
    if not service.can_answer(agreement, request.user):
        if agreement.status == Status.REPLACED and request.method == "POST":
            # A second click on "send": the change already exists, which is what was asked for.
            # Compare the posted words only once they are valid (a NUL byte never reaches the query).
            posted = ProposalForm(request.POST, today=today)
            mine = Agreement.objects.filter(replaces=agreement, proposed_by=request.user)
            if posted.is_valid() and any(change.text == posted.cleaned_data["text"] for change in mine):
                return redirect("exercises:agreements")
        context["error"] = (
            "This is your own proposal, so it is your partner's to answer."
            if agreement.proposed_by_id == request.user.pk
            else "This proposal has already been answered."
        )
        return render(request, "exercises/agreements/change.html", context, status=400)
    initial = {"category": agreement.category, "text": agreement.text, "review_on": agreement.review_on}
    form = ProposalForm(request.POST if request.method == "POST" else None, today=today, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            service.agreement_counter(agreement=agreement, user=request.user, **form.cleaned_data)
        except service.AgreementError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Your suggested change is saved. It now waits for your partner's answer.")
            return redirect("exercises:agreements")
    context["form"] = form
    return render(request, "exercises/agreements/change.html", context, status=400 if form.errors else 200)


@couple_required
@require_POST
def end(request: HttpRequest, pk: int, couple: Couple) -> HttpResponse:
    agreement = couple_object_or_404(request, Agreement, pk=pk)
    try:
        service.agreement_end(agreement=agreement, user=request.user)
    except service.AgreementError as error:
        return _page(request, couple, error=str(error), status=400)
    messages.info(request, "The agreement has ended. It stays in your history.")
    return redirect("exercises:agreements")


@couple_required
@require_POST
def log(request: HttpRequest, pk: int, couple: Couple) -> HttpResponse:
    agreement = couple_object_or_404(request, Agreement, pk=pk)
    form = _log_form(couple, request, agreement, request.POST)
    if agreement.status != Status.ACCEPTED:
        return _page(request, couple, error="Only an agreement you both accepted can be logged.", status=400)
    if form.is_valid():
        try:
            service.agreement_log(
                agreement=agreement,
                user=request.user,
                kept=form.cleaned_data["kept"],
                occurred_on=form.cleaned_data["occurred_on"],
                note=form.cleaned_data["note"],
            )
        except service.AgreementError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Logged. Your partner will be asked to confirm it.")
            return redirect("exercises:agreements")
    return _page(request, couple, log_form=form, log_for=agreement.pk, status=400)


@couple_required
@require_POST
def confirm(request: HttpRequest, pk: int, couple: Couple) -> HttpResponse:
    # A log has no couple of its own: it is reached through its agreement, which the door scopes.
    agreement = couple_object_or_404(request, Agreement, checks__pk=pk)
    check = agreement.checks.get(pk=pk)
    try:
        service.agreement_check_confirm(check=check, user=request.user)
    except service.AgreementError as error:
        return _page(request, couple, error=str(error), status=400)
    messages.success(request, "Confirmed. Thank you for noticing.")
    return redirect("exercises:agreements")


@couple_required
@require_POST
def dispute(request: HttpRequest, pk: int, couple: Couple) -> HttpResponse:
    """The other partner sees a logged "missed" differently: record it beside the log and tell the logger."""
    agreement = couple_object_or_404(request, Agreement, checks__pk=pk)
    check = agreement.checks.get(pk=pk)
    form = _dispute_form(check.pk, request.POST)
    if form.is_valid():
        try:
            service.agreement_check_dispute(check=check, user=request.user, note=form.cleaned_data["note"])
        except service.AgreementError as error:
            # Refused only when the log no longer offers a dispute (so no form to show the words in).
            return _page(request, couple, error=str(error), status=400)
        else:
            messages.info(
                request,
                "Thank you for saying how you see it. The log and your view are both kept, and your partner is told.",
            )
            return redirect("exercises:agreements")
    return _page(request, couple, dispute_form=form, dispute_for=check.pk, status=400)
