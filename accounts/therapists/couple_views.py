"""The couple's side, under /couple/therapist/: invite or link a therapist, consent, revoke, who has seen what.

Every object is reached through the one door (``couple_required`` and
``couple_object_or_404``), so another couple's link ids answer 404.
"""

from __future__ import annotations

from allauth.core import ratelimit
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.models import TherapistInvitation, TherapistLink
from accounts.models.couple import normalise_code
from accounts.scoping import couple_object_or_404, couple_required
from exercises.models import Recommendation

from . import services
from .couple_side import access_log_for, couple_links
from .forms import ConsentForm, InviteTherapistForm, PracticeCodeForm

LOG_PAGE_SIZE = 50


def _open_link(request: HttpRequest, pk: int) -> TherapistLink:
    return couple_object_or_404(
        request, TherapistLink.objects.filter(ended_at__isnull=True).select_related("couple"), pk=pk
    )


def _page(request, couple, *, status: int = 200, invite_form=None, code_form=None, bound: dict | None = None):
    """The couple's therapist page; ``bound`` maps a link id to a consent form to show with its errors."""
    bound = bound or {}
    links = couple_links(couple=couple, user=request.user)
    items = []
    for view in links:
        mine = view.mine
        initial = (
            {"progress": mine.progress, "trends": mine.trends, "writing": mine.writing}
            if mine
            else {"progress": True, "trends": False, "writing": False}
        )
        form = bound.get(view.link.pk) or ConsentForm(initial=initial, prefix=f"link{view.link.pk}")
        items.append((view, form))
    context = {
        "couple": couple,
        "items": items,
        "invite_form": invite_form or InviteTherapistForm(),
        "code_form": code_form or PracticeCodeForm(),
        "invitations": TherapistInvitation.objects.pending().filter(couple=couple).select_related("inviter"),
        "log_count": access_log_for(couple).count(),
    }
    return render(request, "couple_therapist/index.html", context, status=status)


@couple_required
@require_GET
def index(request: HttpRequest, couple) -> HttpResponse:
    return _page(request, couple)


@couple_required
@require_POST
def invite(request: HttpRequest, couple) -> HttpResponse:
    form = InviteTherapistForm(request.POST)
    if form.is_valid():
        try:
            services.invitation_send(couple=couple, inviter=request.user, email=form.cleaned_data["email"])
        except services.TherapistError as error:
            form.add_error("email", str(error))
        else:
            messages.success(
                request,
                f"Invitation sent to {form.cleaned_data['email']}. Once they accept, each of you chooses what to share.",
            )
            return redirect("couple_therapist:index")
    return _page(request, couple, status=400, invite_form=form)


@couple_required
@require_POST
def invitation_withdraw(request: HttpRequest, pk: int, couple) -> HttpResponse:
    invitation = couple_object_or_404(request, TherapistInvitation.objects.select_related("couple"), pk=pk)
    if services.invitation_withdraw(invitation=invitation, partner=request.user):
        messages.success(request, f"The invitation to {invitation.email} is withdrawn. Its link no longer works.")
    return redirect("couple_therapist:index")


@couple_required
@require_POST
def code(request: HttpRequest, couple) -> HttpResponse:
    form = PracticeCodeForm(request.POST)
    tried = normalise_code(request.POST.get("code", ""))
    if ratelimit.consume(request, action="couple_join", user=request.user, key=tried) is False:
        form.is_valid()
        form.add_error(None, "Too many attempts. Please wait a few minutes and try again.")
        return _page(request, couple, status=429, code_form=form)
    if form.is_valid():
        try:
            link = services.link_by_practice_code(couple=couple, partner=request.user, code=form.cleaned_data["code"])
        except services.TherapistError as error:
            form.add_error("code", str(error))
        else:
            messages.success(
                request,
                f"{link.therapist.display_name} is linked. Nothing is shared until both of you choose what to share.",
            )
            return redirect("couple_therapist:index")
    return _page(request, couple, status=400, code_form=form)


@couple_required
@require_POST
def consent(request: HttpRequest, pk: int, couple) -> HttpResponse:
    link = _open_link(request, pk)
    form = ConsentForm(request.POST, prefix=f"link{link.pk}")
    if form.is_valid():
        try:
            services.consent_grant(link=link, partner=request.user, **form.cleaned_data)
        except services.TherapistError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Saved. Your choice applies from your therapist's next page view.")
            return redirect("couple_therapist:index")
    return _page(request, couple, status=400, bound={link.pk: form})


@couple_required
@require_POST
def revoke(request: HttpRequest, pk: int, couple) -> HttpResponse:
    link = _open_link(request, pk)
    if services.consent_revoke(link=link, partner=request.user):
        messages.success(request, "You stopped sharing. Your therapist can no longer see anything of your space.")
    return redirect("couple_therapist:index")


@couple_required
@require_POST
def end(request: HttpRequest, pk: int, couple) -> HttpResponse:
    link = _open_link(request, pk)
    services.link_end(link=link, partner=request.user)
    messages.success(request, "The therapist is removed from your space and sees nothing from now on.")
    return redirect("couple_therapist:index")


@couple_required
@require_GET
def access_log(request: HttpRequest, couple) -> HttpResponse:
    page = Paginator(access_log_for(couple), LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "couple_therapist/access_log.html", {"couple": couple, "page": page})


@couple_required
@require_POST
def recommendation_dismiss(request: HttpRequest, pk: int, couple) -> HttpResponse:
    recommendation = couple_object_or_404(request, Recommendation, pk=pk)
    services.recommendation_dismiss(recommendation=recommendation, partner=request.user)
    messages.success(request, "Put away. Your therapist's other suggestions stay on your dashboard.")
    return redirect("couple:dashboard")
