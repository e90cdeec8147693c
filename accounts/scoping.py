"""The one door to couple data.

Every view that touches a couple-owned object goes through these helpers. They
return only what the requesting person may see and raise ``Http404`` for
everything else, so an outsider can never tell whether an object exists.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from .models import Couple


def couple_for(user) -> Couple | None:
    """The user's active couple (with its memberships and users loaded), or None."""
    return Couple.objects.for_user(user).prefetch_related("memberships__user").first()


def require_couple(request: HttpRequest) -> Couple:
    """The requesting person's active couple; 404 when they have none."""
    couple = couple_for(request.user)
    if couple is None:
        raise Http404("No couple space")
    return couple


def couple_object_or_404(request: HttpRequest, queryset: QuerySet | type[Model], **lookup) -> Model:
    """Fetch one object that belongs to the requester's couple, or 404.

    ``queryset`` must have a ``couple`` field; the couple filter is applied here,
    never left to the caller.
    """
    couple = require_couple(request)
    if not isinstance(queryset, QuerySet):
        queryset = queryset._default_manager.all()
    return get_object_or_404(queryset.filter(couple=couple), **lookup)


def couple_required(view):
    """Decorator: log-in required, and the view receives ``couple`` (404 without one)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        return view(request, *args, couple=require_couple(request), **kwargs)

    return wrapper
