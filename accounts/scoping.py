"""The one door to couple data.

Every view that touches a couple-owned object goes through these helpers. They
return only what the requesting person may see and raise ``Http404`` for
everything else, so an outsider can never tell whether an object exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from allauth.mfa.models import Authenticator
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, Model, OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404, redirect

from .models import Consent, Couple, Membership, TherapistLink, TherapistProfile
from .therapists.access import Scopes, describe, link_scopes, log_access, log_access_many


def couple_for(user) -> Couple | None:
    """The user's active couple (with its memberships and users loaded), or None. One query.

    The same as ``Couple.objects.for_user(user).prefetch_related("memberships__user").first()``:
    every membership of the couple (also the seats left) with its user.
    """
    if not user.is_authenticated:
        return None
    # One statement: the seats of the couple whose open seat is the person's (a scalar subquery, which
    # PostgreSQL plans in a fraction of the time of an IN-subquery or a self-join).
    mine = Membership.objects.filter(user=user, left_at__isnull=True).values("couple_id")[:1]
    rows = list(Membership.objects.filter(couple_id=Subquery(mine)).select_related("couple", "user").order_by("pk"))
    if not rows or rows[0].couple.ended_at is not None:
        return None
    couple = rows[0].couple
    for membership in rows:
        membership.couple = couple
    memberships = couple.memberships.all()
    memberships._result_cache = rows
    memberships._prefetch_done = True
    couple._prefetched_objects_cache = {"memberships": memberships}
    return couple


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


# --- Therapists ------------------------------------------------------------------
#
# A therapist reaches couple data only through the functions below. Each one
# checks, on every request: a verified profile, two-factor authentication, an
# open link to an active couple, and an active consent from *both* current
# partners. The scopes are recomputed each time from the consent rows, so a
# revocation shuts the therapist out on their very next request. Every read
# (GET) writes an access-log row here, so no view can forget to.


class TherapistMFARequired(Exception):
    """A verified therapist asked for couple data without two-factor authentication turned on."""


def therapist_profile_for(user) -> TherapistProfile | None:
    """The user's therapist profile, annotated with ``has_mfa``; None for everyone else. One query."""
    if not user.is_authenticated:
        return None
    second_factor = Authenticator.objects.filter(
        user_id=OuterRef("user_id"), type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    )
    return TherapistProfile.objects.filter(user=user).annotate(has_mfa=Exists(second_factor)).first()


def _verified_therapist(request: HttpRequest) -> TherapistProfile:
    profile = therapist_profile_for(request.user)
    if profile is None or not profile.is_verified:
        raise Http404("No such couple")
    if not profile.has_mfa:
        raise TherapistMFARequired
    return profile


def _open_links(user):
    current = Prefetch(
        "couple__memberships", queryset=Membership.objects.filter(left_at__isnull=True).select_related("user")
    )
    active_consents = Prefetch("consents", queryset=Consent.objects.filter(revoked_at__isnull=True))
    return (
        TherapistLink.objects.filter(therapist=user, ended_at__isnull=True, couple__ended_at__isnull=True)
        .select_related("couple")
        .prefetch_related(current, active_consents)
    )


def therapist_couple_or_404(
    request: HttpRequest, couple_id: int, *, what: str | None = "Couple page"
) -> tuple[Couple, Scopes]:
    """The couple and the scopes the requesting therapist holds right now, or 404.

    404 unless: the requester is a staff-verified therapist, has an open link to
    this (active) couple, and both current partners have an active consent.
    Raises ``TherapistMFARequired`` for a verified therapist without two-factor
    authentication (before looking at the couple, so it reveals nothing).
    A GET is written to the couple's access log with the scopes in effect.
    """
    _verified_therapist(request)
    link = _open_links(request.user).filter(couple_id=couple_id).first()
    scopes = link_scopes(link) if link is not None else None
    if scopes is None:
        raise Http404("No such couple")
    if what is not None and request.method in ("GET", "HEAD"):
        log_access(request, couple=link.couple, what=describe(what, scopes))
    return link.couple, scopes


@dataclass
class Caseload:
    active: list[tuple[Couple, Scopes]]
    # Links still waiting for consent: only when they were made, never who they are.
    pending: list[TherapistLink]


def therapist_caseload(request: HttpRequest, *, what: str = "Caseload overview") -> Caseload:
    """Every couple the requesting therapist may see now, with scopes, in a constant number of queries.

    Same checks as ``therapist_couple_or_404`` (404 for anyone but a verified
    therapist, ``TherapistMFARequired`` without two-factor). On a GET each
    couple shown gets one access-log row (one INSERT for all of them).
    Pending links come back as bare copies (pk, origin, created_at and no
    couple), so a page cannot show who they are before both partners consent.
    """
    _verified_therapist(request)
    active, pending = [], []
    for link in _open_links(request.user).order_by("created_at", "pk"):
        scopes = link_scopes(link)
        if scopes is None:
            pending.append(TherapistLink(pk=link.pk, origin=link.origin, created_at=link.created_at))
        else:
            active.append((link.couple, scopes))
    if request.method in ("GET", "HEAD"):
        log_access_many(request, rows=[(couple, describe(what, scopes)) for couple, scopes in active])
    return Caseload(active=active, pending=pending)


def therapist_couple_required(what: str | None):
    """Decorator for therapist views of one couple: the view receives ``couple`` and ``scopes``.

    Log-in required; 404 through ``therapist_couple_or_404``; a therapist
    without two-factor is sent to the page that explains how to turn it on.
    ``what`` names the read for the access log; ``None`` for actions that show
    no couple data (POST-only views), which are then never logged as a read.
    """

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, couple_id: int, *args, **kwargs):
            try:
                couple, scopes = therapist_couple_or_404(request, couple_id, what=what)
            except TherapistMFARequired:
                return redirect("therapist:mfa_required")
            return view(request, *args, couple=couple, scopes=scopes, **kwargs)

        return wrapper

    return decorator
