from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.couple_forms import InviteEmailForm, LeaveForm, OnboardingForm, SafetyCheckForm
from accounts.models import OnboardingResponse, SafetyCheck
from accounts.scoping import couple_for, couple_required
from accounts.selectors import dashboard_for, support_for
from accounts.services import leaving, onboarding


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    couple = couple_for(request.user)
    if couple is None:
        return render(request, "couple/start.html", {"closed_notice": leaving.closed_notice_for(request.user)})
    context = dashboard_for(couple=couple, user=request.user)
    context["email_form"] = InviteEmailForm()
    return render(request, "couple/dashboard.html", context)


@couple_required
def onboarding_view(request: HttpRequest, couple) -> HttpResponse:
    if OnboardingResponse.objects.filter(couple=couple, user=request.user).exists():
        return redirect("couple:together")
    form = OnboardingForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        onboarding.onboarding_submit(
            couple=couple,
            user=request.user,
            roles=data["roles"],
            other_fracture=data["other_fracture"],
            baseline_safety=data["baseline_safety"],
            baseline_trust=data["baseline_trust"],
        )
        if onboarding.both_answered(couple=couple):
            messages.success(request, "Thank you. You have both answered, so you can now see each other's answers.")
        else:
            messages.success(
                request, "Thank you. Your answers are saved, and stay private until your partner has answered too."
            )
        return redirect("couple:together")
    return render(
        request, "couple/onboarding.html", {"form": form, "couple": couple}, status=400 if form.errors else 200
    )


@couple_required
def together(request: HttpRequest, couple) -> HttpResponse:
    """The shared picture after both partners answered; before that, only a waiting note."""
    mine = OnboardingResponse.objects.filter(couple=couple, user=request.user).prefetch_related("fractures").first()
    picture = onboarding.shared_picture(couple=couple, user=request.user) if mine else None
    return render(
        request,
        "couple/together.html",
        {"couple": couple, "partner": couple.partner_of(request.user), "mine": mine, "picture": picture},
    )


@login_required
def safety_check(request: HttpRequest) -> HttpResponse:
    existing = SafetyCheck.objects.filter(user=request.user).first()
    form = SafetyCheckForm(request.POST if request.method == "POST" else None, instance=existing)
    if request.method == "POST" and form.is_valid():
        check = onboarding.safety_check_save(user=request.user, **form.cleaned_data)
        if check.signals_risk:
            return redirect("couple:safety_support")
        messages.success(request, "Thank you. Your answers are private to you, and you can change them at any time.")
        return redirect("couple:dashboard")
    return render(request, "couple/safety_check.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def safety_support(request: HttpRequest) -> HttpResponse:
    """Shown only to the person who answered; their partner never sees that this page exists for them."""
    return render(request, "couple/safety_support.html", support_for(request.user))


@couple_required
def leave(request: HttpRequest, couple) -> HttpResponse:
    form = LeaveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        leaving.couple_leave(couple=couple, user=request.user)
        messages.success(request, "You have left the couple space. Your account and your own writing are still yours.")
        return redirect("couple:dashboard")
    return render(
        request,
        "couple/leave.html",
        {"form": form, "couple": couple, "partner": couple.partner_of(request.user)},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def dismiss_notice(request: HttpRequest) -> HttpResponse:
    leaving.closed_notice_dismiss(user=request.user)
    return redirect("couple:dashboard")
