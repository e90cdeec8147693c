"""Appreciations: write one to your partner; read what you received (opening the page marks it seen) and sent."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.models import Couple
from accounts.scoping import couple_required
from exercises.forms_flows.appreciations import AppreciationForm, starters_for
from exercises.models import Exercise
from exercises.models.choices import Kind
from exercises.selectors.appreciations import appreciations_page
from exercises.services import appreciations as service
from exercises.services.agreements import local_today


@couple_required
def appreciations(request: HttpRequest, couple: Couple) -> HttpResponse:
    today = local_today(request.user)
    partner = couple.partner_of(request.user)
    form = AppreciationForm(
        request.POST if request.method == "POST" else None,
        initial=AppreciationForm.initial_for(request.GET.get("idea"), today),
    )
    if request.method == "POST" and form.is_valid():
        try:
            service.appreciation_send(couple=couple, sender=request.user, **form.cleaned_data)
        except service.AppreciationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Sent. {partner.get_short_name()} will find it here.")
            return redirect("exercises:appreciations")
    received, sent = appreciations_page(couple=couple, user=request.user)
    # The page shows which ones are new (seen_at is still empty on the rows loaded above), then they are seen.
    if any(a.seen_at is None for a in received):
        service.appreciations_mark_seen(couple=couple, user=request.user)
    context = {
        "couple": couple,
        "partner": partner,
        "exercise": Exercise.objects.published().filter(kind=Kind.APPRECIATIONS).first(),
        "form": form,
        "starters": starters_for(today),
        "received": received,
        "sent": sent,
        "unseen": sum(a.seen_at is None for a in received),
    }
    return render(request, "exercises/appreciations/page.html", context, status=400 if form.errors else 200)
