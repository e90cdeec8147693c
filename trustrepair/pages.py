"""Public pages that belong to no app: the landing page and support resources."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.models import SupportResource


def landing(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    return render(request, "pages/landing.html")


def resources(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/resources.html", {"resources": SupportResource.objects.filter(published=True)})


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/privacy.html")
