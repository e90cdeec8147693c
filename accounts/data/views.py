"""Your data: ask for an export, download it, delete your account. Thin views over accounts.data.services."""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.models import DataExport
from accounts.scoping import couple_for

from . import services
from .forms import EraseForm


def export_for_owner_or_404(request: HttpRequest, pk: int) -> DataExport:
    """The requester's own export with this id, or 404 (for their partner, staff and everyone else alike)."""
    export = DataExport.objects.filter(pk=pk, user_id=request.user.pk).first()
    if export is None:
        raise Http404("No such export")
    return export


@login_required
def index(request: HttpRequest) -> HttpResponse:
    exports = list(DataExport.objects.filter(user=request.user)[:5])
    for export in exports:
        export.is_expired = services.export_is_expired(export)
    return render(
        request,
        "account_data/index.html",
        {"exports": exports, "ttl_days": services.EXPORT_TTL.days},
    )


@login_required
@require_POST
@reauthentication_required
def export_request(request: HttpRequest) -> HttpResponse:
    services.export_request(user=request.user)
    messages.success(
        request, "We are preparing your download. It usually takes a minute; we will let you know when it is ready."
    )
    return redirect("data:index")


@never_cache
@login_required
def download(request: HttpRequest, pk: int) -> HttpResponse:
    export = export_for_owner_or_404(request, pk)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    if services.export_is_expired(export):
        return render(request, "account_data/expired.html", {"export": export}, status=410)
    if export.status != DataExport.Status.READY or not export.file:
        messages.info(request, "That download is not ready. Its status is shown below.")
        return redirect("data:index")
    try:
        handle = export.file.open("rb")
    except FileNotFoundError:
        return render(request, "account_data/expired.html", {"export": export}, status=410)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"trustrepair-data-{export.ready_at:%Y-%m-%d}.zip",
        content_type="application/zip",
    )


@login_required
@reauthentication_required
def erase(request: HttpRequest) -> HttpResponse:
    form = EraseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.account_erase(user=request.user)
        # The service already deleted this session's row; forget it in this response too.
        request.session.flush()
        request.user = AnonymousUser()
        return redirect("data:erased")
    couple = couple_for(request.user)
    return render(
        request,
        "account_data/erase.html",
        {"form": form, "partner": couple.partner_of(request.user) if couple else None},
        status=400 if form.errors else 200,
    )


def erased(request: HttpRequest) -> HttpResponse:
    return render(request, "account_data/erased.html")
