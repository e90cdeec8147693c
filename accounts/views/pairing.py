from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.couple_forms import InviteEmailForm, JoinCodeForm
from accounts.models import Invitation
from accounts.models.couple import normalise_code
from accounts.scoping import couple_for, couple_object_or_404, couple_required
from accounts.services import pairing


@login_required
@require_POST
def create(request: HttpRequest) -> HttpResponse:
    try:
        pairing.couple_create(user=request.user)
        messages.success(request, "Your couple space is ready. Invite your partner whenever you are ready.")
    except pairing.PairingError as error:
        messages.info(request, str(error))
    return redirect("couple:dashboard")


@couple_required
@require_POST
def invite_email(request: HttpRequest, couple) -> HttpResponse:
    form = InviteEmailForm(request.POST)
    if form.is_valid():
        address = form.cleaned_data["email"].strip().lower()
        if ratelimit.consume(request, action="couple_invite", user=request.user, key=address) is False:
            form.add_error(
                None, "You have sent several invitations in a short time. Please wait a while and try again."
            )
            return render(request, "couple/invite.html", {"couple": couple, "email_form": form}, status=429)
        try:
            pairing.invitation_send_by_email(couple=couple, inviter=request.user, email=form.cleaned_data["email"])
        except pairing.PairingError as error:
            form.add_error("email", str(error))
        else:
            messages.success(request, "Invitation sent. The link works once and lasts 72 hours.")
            return redirect("couple:dashboard")
    return render(request, "couple/invite.html", {"couple": couple, "email_form": form}, status=400)


@couple_required
@require_POST
def invite_code(request: HttpRequest, couple) -> HttpResponse:
    try:
        pairing.invitation_create_code(couple=couple, inviter=request.user)
    except pairing.PairingError as error:
        messages.info(request, str(error))
    return redirect("couple:dashboard")


@couple_required
@require_POST
def invitation_revoke(request: HttpRequest, pk: int, couple) -> HttpResponse:
    invitation = couple_object_or_404(request, Invitation, pk=pk)
    pairing.invitation_revoke(invitation=invitation, user=request.user)
    messages.success(request, "The invitation is withdrawn and can no longer be used.")
    return redirect("couple:dashboard")


def _accept(request: HttpRequest, invitation: Invitation | None, template: str, context: dict) -> HttpResponse:
    if invitation is None:
        context["error"] = pairing.INVALID_INVITATION
        return render(request, template, context, status=404)
    try:
        pairing.invitation_accept(invitation=invitation, user=request.user)
    except pairing.PairingError as error:
        context["error"] = str(error)
        return render(request, template, context, status=409)
    messages.success(request, "You are paired. This is your shared space.")
    return redirect("couple:dashboard")


@login_required
def join_code(request: HttpRequest) -> HttpResponse:
    form = JoinCodeForm(request.POST if request.method == "POST" else None)
    context = {"form": form, "has_couple": couple_for(request.user) is not None}
    if request.method == "POST":
        tried = normalise_code(request.POST.get("code", ""))
        if ratelimit.consume(request, action="couple_join", user=request.user, key=tried) is False:
            form.is_valid()
            context["error"] = "Too many attempts. Please wait a few minutes and try again."
            return render(request, "couple/join_code.html", context, status=429)
        if form.is_valid():
            invitation = pairing.invitation_by_code(form.cleaned_data["code"])
            if invitation is None or invitation.kind != Invitation.Kind.CODE:
                form.add_error("code", "We don't recognise that code. Check it with your partner; codes last 72 hours.")
            else:
                return _accept(request, invitation, "couple/join_code.html", context)
        return render(request, "couple/join_code.html", context, status=400)
    return render(request, "couple/join_code.html", context)


def join_link(request: HttpRequest, token: str) -> HttpResponse:
    """The page an emailed invitation opens. Anyone holding the link may see who is inviting them.

    Opening it changes nothing: only the invited address, signed in, joins, by
    pressing Join (a POST). Sign-up and log-in come back here through ``next``.
    """
    invitation = pairing.invitation_by_token(token)
    context = {"invitation": invitation, "token": token}
    if invitation is None or invitation.kind != Invitation.Kind.LINK:
        context["invitation"] = None
        context["error"] = pairing.INVALID_INVITATION
        return render(request, "couple/join_link.html", context, status=404)
    if request.user.is_authenticated and invitation.accepted_by_id == request.user.pk:
        return redirect("couple:dashboard")  # e.g. back here after sign-up completed the join
    if invitation.status != "pending":
        context["error"] = pairing.MESSAGES[invitation.status]
        return render(request, "couple/join_link.html", context, status=410)
    if not request.user.is_authenticated:
        return render(request, "couple/join_link.html", context)
    if request.method == "POST":
        if ratelimit.consume(request, action="couple_join", user=request.user, key=token) is False:
            context["error"] = "Too many attempts. Please wait a few minutes and try again."
            return render(request, "couple/join_link.html", context, status=429)
        return _accept(request, invitation, "couple/join_link.html", context)
    context["has_couple"] = couple_for(request.user) is not None
    return render(request, "couple/join_link.html", context)
