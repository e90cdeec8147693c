"""Reads for the couple's side of therapist review, and the therapist's suggestions on their dashboard.

What a couple sees about their own therapists: the open links with each
partner's consent, "who has seen what" (the access log), and the open
recommendations shown on the couple dashboard. None of this is therapist-side,
so it stays apart from the scoped reads in ``readable``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch

from accounts.models import AccessLogEntry, Consent, Couple, TherapistLink, User
from exercises.models import Recommendation
from exercises.progress import CoupleProgress, Status

from .access import Scopes, scopes_from_consents


@dataclass
class PartnerConsent:
    partner: User
    consent: Consent | None  # the active one, or None


@dataclass
class LinkView:
    link: TherapistLink
    consents: list[PartnerConsent]
    mine: Consent | None
    scopes: Scopes | None  # what the therapist sees now; None while a consent is missing

    @property
    def active(self) -> bool:
        return self.scopes is not None and self.link.therapist.therapist_profile.is_verified


def couple_links(*, couple: Couple, user: User) -> list[LinkView]:
    """The couple's open therapist links: who, each partner's active consent and since when. Three queries."""
    partners = couple.partners()
    links = (
        TherapistLink.objects.filter(couple=couple, ended_at__isnull=True)
        .select_related("therapist__therapist_profile")
        .prefetch_related(Prefetch("consents", queryset=Consent.objects.filter(revoked_at__isnull=True)))
        .order_by("created_at")
    )
    views = []
    for link in links:
        active = {c.partner_id: c for c in link.consents.all()}
        views.append(
            LinkView(
                link=link,
                consents=[PartnerConsent(partner=p, consent=active.get(p.pk)) for p in partners],
                mine=active.get(user.pk),
                scopes=scopes_from_consents(link.consents.all(), [p.pk for p in partners]),
            )
        )
    return views


def access_log_for(couple: Couple):
    """The couple's "who has seen what", newest first."""
    return AccessLogEntry.objects.filter(couple=couple).order_by("-created_at", "-pk")


def recommendations_for(couple: Couple, progress: CoupleProgress) -> list[Recommendation]:
    """Open therapist recommendations for the couple dashboard (one query), newest first.

    Each has ``exercise`` (with ``module``, from the curriculum ``progress`` was read with)
    and ``therapist`` loaded. Only published exercises are returned, and those already
    complete are left out: a suggestion shows until it is done or dismissed.
    """
    published = {exercise.pk: exercise for exercise in progress.curriculum[1]}
    done = {pk for pk, item in progress.by_exercise.items() if item.status == Status.COMPLETE}
    items = []
    for recommendation in (
        Recommendation.objects.filter(couple=couple, dismissed_at__isnull=True)
        .select_related("therapist")
        .order_by("-created_at")
    ):
        exercise = published.get(recommendation.exercise_id)
        if exercise is not None and exercise.pk not in done:
            recommendation.exercise = exercise
            items.append(recommendation)
    return items
