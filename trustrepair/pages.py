"""Pages that belong to no app: the landing page, each role's home, support resources."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.middleware import is_therapist_session
from accounts.models import SupportResource


def landing(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    return render(request, "pages/landing.html")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where "Home" and signing in lead: the caseload for a therapist, the couple space for a partner."""
    return redirect("therapist:caseload" if is_therapist_session(request) else "couple:dashboard")


def resources(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/resources.html", {"resources": SupportResource.objects.filter(published=True)})


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/privacy.html")
