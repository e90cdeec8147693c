"""The accountability statement page: write a version, respond to it, see the history."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Couple
from accounts.scoping import couple_required
from exercises.content_versions import published_steps
from exercises.forms_flows.accountability import StatementForm, StatementResponseForm
from exercises.models import Exercise
from exercises.models.choices import Kind
from exercises.selectors.accountability import accountability_state, first_writers, statement_history
from exercises.services.accountability import (
    AccountabilityError,
    StaleStatementError,
    statement_respond,
    statement_write,
)


def _page(
    request: HttpRequest,
    couple: Couple,
    *,
    statement_form: StatementForm | None = None,
    response_form: StatementResponseForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    user = request.user
    state = accountability_state(couple)
    latest, response = state["latest"], state["response"]
    partner = couple.partner_of(user)
    if latest is None:
        can_write = any(p.pk == user.pk for p in first_writers(couple, state["roles"]))
    else:
        can_write = latest.author_id == user.pk and response is not None and not state["complete"]
    can_respond = latest is not None and latest.author_id != user.pk and response is None
    is_writer = latest is not None and latest.author_id == user.pk
    # A refused submit keeps its words on the page, even when it is no longer this person's turn.
    show_statement_form = can_write or (statement_form is not None and is_writer)
    show_response_form = can_respond or (response_form is not None and latest is not None and not is_writer)
    if statement_form is not None and not show_statement_form and not error:
        error = "There is no statement for you to write just now."
    if response_form is not None and not show_response_form and not error:
        error = "There is nothing for you to respond to just now."
    if can_write and statement_form is None:
        statement_form = StatementForm(
            initial={
                "text": latest.text if latest else "",
                "visibility": latest.visibility if latest else StatementForm.base_fields["visibility"].initial,
                "based_on": latest.revision if latest else 0,
            }
        )
    if can_respond and response_form is None:
        response_form = StatementResponseForm(initial={"revision": latest.revision})
    history = statement_history(couple, user)
    exercise = Exercise.objects.published().filter(kind=Kind.ACCOUNTABILITY).prefetch_related("steps").first()
    context = {
        "couple": couple,
        "partner": partner,
        "exercise": exercise,
        "guide_steps": published_steps(exercise) if exercise else [],
        "state": state,
        "latest": latest,
        "response": response,
        "is_writer": is_writer,
        "can_write": can_write,
        "can_respond": can_respond,
        "statement_form": statement_form if show_statement_form else None,
        "response_form": response_form if show_response_form else None,
        "current": history[-1] if history else None,
        "earlier": list(reversed(history[:-1])),
        "error": error,
    }
    return render(request, "exercises/accountability/page.html", context, status=status)


@couple_required
@require_http_methods(["GET", "POST"])
def accountability(request: HttpRequest, couple: Couple) -> HttpResponse:
    """GET: the page. POST: write a new version of the statement."""
    if request.method != "POST":
        return _page(request, couple)
    form = StatementForm(request.POST)
    if not form.is_valid():
        return _page(request, couple, statement_form=form, status=400)
    try:
        statement = statement_write(
            couple=couple,
            author=request.user,
            text=form.cleaned_data["text"],
            visibility=form.cleaned_data["visibility"],
            based_on=form.cleaned_data["based_on"],
        )
    except StaleStatementError as error:
        # Keep the words; point the form at the newest version so saving again is possible.
        form = StatementForm(_with(request.POST, based_on=error.revision))
        return _page(request, couple, statement_form=form, error=str(error), status=400)
    except AccountabilityError as error:
        return _page(request, couple, statement_form=form, error=str(error), status=400)
    if statement.revision == 1:
        messages.success(request, "Your statement is saved. Your partner can read it and respond when they are ready.")
    else:
        messages.success(
            request, "Your new version is saved. Your partner can read it and respond when they are ready."
        )
    return redirect("exercises:accountability")


@couple_required
@require_POST
def respond(request: HttpRequest, couple: Couple) -> HttpResponse:
    form = StatementResponseForm(request.POST)
    if not form.is_valid():
        return _page(request, couple, response_form=form, status=400)
    try:
        answer = statement_respond(
            couple=couple,
            author=request.user,
            felt_heard=form.cleaned_data["felt_heard"],
            missing=form.cleaned_data["missing"],
            heard_enough=form.cleaned_data["heard_enough"],
            revision=form.cleaned_data["revision"],
        )
    except StaleStatementError as error:
        form = StatementResponseForm(_with(request.POST, revision=error.revision))
        return _page(request, couple, response_form=form, error=str(error), status=400)
    except AccountabilityError as error:
        return _page(request, couple, response_form=form, error=str(error), status=400)
    if answer.heard_enough:
        messages.success(request, "Thank you. You have said you feel heard enough to go on.")
    else:
        messages.success(request, "Thank you for your honesty. Your partner can now read your response.")
    return redirect("exercises:accountability")


def _with(data, **changes):
    data = data.copy()
    for key, value in changes.items():
        data[key] = str(value)
    return data
