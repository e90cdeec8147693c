"""The therapist's side, under /therapist/: join, two-factor notice, invitation, caseload, one couple.

Read-only on couple data: the only writes are the therapist's own notes, a
recommendation and an early module unlock. POST views never render couple
data (an invalid form gets a page with just the form), so every page that
shows couple data is a GET through the door, and the door logs it.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.middleware import mark_therapist
from accounts.models import TherapistInvitation, TherapistNote, TherapistProfile
from accounts.scoping import TherapistMFARequired, therapist_caseload, therapist_couple_required, therapist_profile_for

from . import services
from .caseload import caseload_rows
from .couple_review import couple_view
from .forms import NoteForm, RecommendForm, TherapistJoinForm, UnlockForm

PENDING_INVITATION_KEY = "pending_therapist_invitation"


@login_required
@require_GET
def caseload(request: HttpRequest) -> HttpResponse:
    profile = therapist_profile_for(request.user)
    if profile is None:
        return redirect("therapist:join")
    if not profile.is_verified:
        return render(request, "therapist/waiting.html", {"profile": profile})
    try:
        load = therapist_caseload(request)
    except TherapistMFARequired:
        return redirect("therapist:mfa_required")
    rows = caseload_rows(load.active)
    return render(request, "therapist/caseload.html", {"profile": profile, "rows": rows, "pending": load.pending})


@login_required
def join(request: HttpRequest) -> HttpResponse:
    if TherapistProfile.objects.filter(user=request.user).exists():
        return redirect("therapist:caseload")
    form = TherapistJoinForm(
        request.POST if request.method == "POST" else None, initial={"display_name": request.user.display_name}
    )
    if request.method == "POST" and form.is_valid():
        services.profile_create(user=request.user, **form.cleaned_data)
        mark_therapist(request)
        messages.success(
            request, "Thank you. Our staff will check your licence; we'll show couples' data only after that."
        )
        token = request.session.pop(PENDING_INVITATION_KEY, None)
        if token:
            return redirect("therapist:invitation", token=token)
        return redirect("therapist:caseload")
    return render(request, "therapist/join.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_GET
def mfa_required(request: HttpRequest) -> HttpResponse:
    profile = therapist_profile_for(request.user)
    return render(request, "therapist/mfa_required.html", {"profile": profile})


def _invitation_gone(request: HttpRequest, message: str, status: int = 404) -> HttpResponse:
    return render(request, "therapist/invitation.html", {"error": message}, status=status)


@login_required
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The page an emailed invitation opens. Only the account with the invited address may use it."""
    data = TherapistInvitation.find(token)
    if data is None:
        return _invitation_gone(
            request, "This invitation link no longer works: it was used, withdrawn, or is older than 7 days."
        )
    if data.email != request.user.email.lower():
        return _invitation_gone(
            request, "This invitation was sent to a different email address. Sign in with that address to accept it."
        )
    if not TherapistProfile.objects.filter(user=request.user).exists():
        request.session[PENDING_INVITATION_KEY] = token
        messages.info(request, "First, tell us about your practice. Then you can accept the invitation.")
        return redirect("therapist:join")
    if request.method == "POST":
        try:
            services.invitation_accept(invitation=data, therapist=request.user)
        except services.TherapistError as error:
            return _invitation_gone(request, str(error), status=410)
        messages.success(request, "Accepted. You'll see what they share once both partners have given consent.")
        return redirect("therapist:caseload")
    return render(request, "therapist/invitation.html", {"inviter": data.inviter})


@therapist_couple_required("Couple page")
@require_GET
def couple_detail(request: HttpRequest, couple, scopes) -> HttpResponse:
    context = couple_view(couple=couple, scopes=scopes, therapist=request.user)
    context |= {"note_form": NoteForm(), "recommend_form": RecommendForm(), "unlock_form": UnlockForm()}
    return render(request, "therapist/couple.html", context)


def _couple_url(couple, anchor: str = "") -> str:
    return reverse("therapist:couple", args=[couple.pk]) + (f"#{anchor}" if anchor else "")


def _form_again(request: HttpRequest, couple, form, *, title: str, action: str, button: str) -> HttpResponse:
    """An invalid action form, alone on a page (no couple data), with what was typed kept."""
    context = {"form": form, "title": title, "action": action, "button": button, "back": _couple_url(couple)}
    return render(request, "therapist/form_again.html", context, status=400)


@therapist_couple_required(None)
@require_POST
def note_create(request: HttpRequest, couple, scopes) -> HttpResponse:
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.note_create(couple=couple, therapist=request.user, text=form.cleaned_data["text"])
        except services.TherapistError as error:
            form.add_error("text", str(error))
        else:
            messages.success(request, "Note saved. Only you can read it.")
            return redirect(_couple_url(couple, "notes"))
    action = reverse("therapist:note_create", args=[couple.pk])
    return _form_again(request, couple, form, title="Your private note", action=action, button="Save note")


@therapist_couple_required(None)
@require_POST
def note_edit(request: HttpRequest, note_id: int, couple, scopes) -> HttpResponse:
    note = get_object_or_404(TherapistNote, pk=note_id, couple=couple, therapist=request.user)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.note_update(note=note, therapist=request.user, text=form.cleaned_data["text"])
        except services.TherapistError as error:
            form.add_error("text", str(error))
        else:
            messages.success(request, "Note updated.")
            return redirect(_couple_url(couple, "notes"))
    action = reverse("therapist:note_edit", args=[couple.pk, note.pk])
    return _form_again(request, couple, form, title="Edit your private note", action=action, button="Save changes")


@therapist_couple_required(None)
@require_POST
def recommend(request: HttpRequest, couple, scopes) -> HttpResponse:
    form = RecommendForm(request.POST)
    if form.is_valid():
        try:
            services.recommend(
                couple=couple,
                therapist=request.user,
                exercise=form.cleaned_data["exercise"],
                note=form.cleaned_data["note"],
            )
        except services.TherapistError as error:
            form.add_error("exercise", str(error))
        else:
            messages.success(request, f"“{form.cleaned_data['exercise'].title}” will show on their dashboard.")
            return redirect(_couple_url(couple, "actions"))
    action = reverse("therapist:recommend", args=[couple.pk])
    return _form_again(request, couple, form, title="Recommend an exercise", action=action, button="Recommend")


@therapist_couple_required(None)
@require_POST
def unlock(request: HttpRequest, couple, scopes) -> HttpResponse:
    form = UnlockForm(request.POST)
    if form.is_valid():
        try:
            services.module_unlock(couple=couple, therapist=request.user, module=form.cleaned_data["module"])
        except services.TherapistError as error:
            form.add_error("module", str(error))
        else:
            messages.success(request, f"{form.cleaned_data['module'].title} is open for them now.")
            return redirect(_couple_url(couple, "actions"))
    action = reverse("therapist:unlock", args=[couple.pk])
    return _form_again(request, couple, form, title="Open a module early", action=action, button="Open module")
