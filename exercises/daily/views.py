"""Views of the daily rhythm: prompt preferences, the check-in, notifications, one-click unsubscribe."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Couple, TherapistLink
from accounts.safety import is_protected
from accounts.scoping import couple_for, couple_required
from trustrepair.rowsecurity.identity import acting_as

from . import selectors, services
from .forms import CheckInForm, PreferencesForm, QuietWindowForm
from .tokens import BadToken, user_id_from_unsubscribe_token


def _preferences_page(
    request: HttpRequest, *, form: PreferencesForm | None = None, quiet_form: QuietWindowForm | None = None
) -> HttpResponse:
    couple = couple_for(request.user)
    preference = selectors.preferences_for(request.user)
    form = form or PreferencesForm(user=request.user, preference=preference)
    window = selectors.quiet_window_for(couple)
    if quiet_form is None and couple is not None:
        initial = {"starts": window.starts, "ends": window.ends} if window else {}
        quiet_form = QuietWindowForm(initial=initial, prefix="quiet")
    context = {
        "form": form,
        "quiet_form": quiet_form,
        "couple": couple,
        "window": window,
        "preference": preference,
        "partner": couple.partner_of(request.user) if couple else None,
    }
    invalid = form.errors or (quiet_form is not None and quiet_form.errors)
    return render(request, "daily/preferences.html", context, status=400 if invalid else 200)


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    preference = selectors.preferences_for(request.user)
    form = PreferencesForm(request.POST if request.method == "POST" else None, user=request.user, preference=preference)
    if request.method == "POST" and form.is_valid():
        services.preferences_save(
            user=request.user, prompts_paused=form.cleaned_data["prompts_paused"], **form.preference_values()
        )
        messages.success(request, "Your prompt settings are saved.")
        return redirect("daily:preferences")
    return _preferences_page(request, form=form)


@couple_required
@require_POST
def quiet_window(request: HttpRequest, couple: Couple) -> HttpResponse:
    if request.POST.get("action") == "clear":
        services.quiet_window_clear(couple=couple, user=request.user)
        messages.success(request, "The quiet time is removed for both of you.")
        return redirect("daily:preferences")
    form = QuietWindowForm(request.POST, prefix="quiet")
    if form.is_valid():
        try:
            services.quiet_window_set(couple=couple, user=request.user, **form.cleaned_data)
        except services.DailyError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Quiet time saved. Your partner sees it too.")
            return redirect("daily:preferences")
    return _preferences_page(request, quiet_form=form)


@couple_required
def checkin(request: HttpRequest, couple: Couple) -> HttpResponse:
    today = selectors.checkin_today(request.user)
    has_therapist = TherapistLink.objects.filter(couple=couple, ended_at__isnull=True).exists()
    form = CheckInForm(
        request.POST if request.method == "POST" else None,
        initial=CheckInForm.initial_from(today),
        protected=is_protected(request.user),
        has_therapist=has_therapist,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.checkin_save(
                user=request.user,
                couple=couple,
                mood=data["mood"],
                safety=data["safety"],
                trust=data["trust"],
                need=data["need"],
                share=data["share"],
                therapist_visible=data.get("therapist_visible") if has_therapist else None,
            )
        except services.DailyError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Thank you for checking in." if today is None else "Today's check-in is updated.")
            return redirect("daily:checkin")
    context = {
        "form": form,
        "couple": couple,
        "today_checkin": today,
        "week": selectors.checkins_for_dashboard(couple, request.user),
    }
    return render(request, "daily/checkin.html", context, status=400 if form.errors else 200)


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    items = selectors.notifications_for(request.user)
    return render(
        request,
        "daily/notifications.html",
        {"items": items, "unread": sum(item.read_at is None for item in items)},
    )


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of my notifications read, then open what it points to (or go back to the list)."""
    notice = selectors.notification_or_404(request.user, pk)
    services.notification_mark_read(notification=notice)
    target = notice.url if request.POST.get("open") else ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("daily:notifications")


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, "All caught up.")
    return redirect("daily:notifications")


@csrf_exempt  # RFC 8058: the mail provider POSTs without our cookies; the signed token is the credential
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest) -> HttpResponse:
    """One-click unsubscribe from prompt emails, no log-in: GET asks, POST does it."""
    token = request.POST.get("token") or request.GET.get("token", "")
    try:
        user_id = user_id_from_unsubscribe_token(token)
    except BadToken:
        return render(request, "daily/unsubscribe.html", {"invalid": True}, status=400)
    if request.method == "POST":
        with acting_as(user_id):  # the signed token speaks for this one person, for this one change
            person = services.email_unsubscribe(user_id=user_id)
        if person is None:
            return render(request, "daily/unsubscribe.html", {"invalid": True}, status=400)
        return render(request, "daily/unsubscribe.html", {"done": True})
    return render(request, "daily/unsubscribe.html", {"token": token})
