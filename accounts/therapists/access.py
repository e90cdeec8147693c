"""What a therapist may see of a couple, and the record of every look.

The scopes a therapist gets are the *intersection* of both current partners'
active consents, computed from the ``Consent`` rows on every request, so a
revocation takes effect on the therapist's very next request. A link with a
missing consent (or a couple that is not complete) grants nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.http import HttpRequest

from accounts.models import AccessLogEntry, Consent, Couple, TherapistLink, User

SCOPE_LABELS = {
    "progress": "progress",
    "trends": "check-in trends",
    "writing": "shared writing",
}


@dataclass(frozen=True)
class Scopes:
    progress: bool = False
    trends: bool = False
    writing: bool = False
    # When the current combination took effect: the later of the two partners' grants.
    since: datetime | None = None

    @property
    def labels(self) -> list[str]:
        return [label for name, label in SCOPE_LABELS.items() if getattr(self, name)]

    @property
    def any(self) -> bool:
        return self.progress or self.trends or self.writing


def scopes_from_consents(consents: Iterable[Consent], partner_ids: Iterable[int]) -> Scopes | None:
    """The intersection of the active consents of ``partner_ids``; None unless each of them has one.

    ``consents`` may include revoked rows and rows of former partners: only the
    active consent of each current partner counts.
    """
    partner_ids = list(partner_ids)
    if len(partner_ids) != 2:
        return None  # the second seat is empty: nobody can speak for it
    active = {c.partner_id: c for c in consents if c.revoked_at is None}
    mine = [active.get(pk) for pk in partner_ids]
    if any(c is None for c in mine):
        return None
    return Scopes(
        progress=all(c.progress for c in mine),
        trends=all(c.trends for c in mine),
        writing=all(c.writing for c in mine),
        since=max(c.granted_at for c in mine),
    )


def link_scopes(link: TherapistLink) -> Scopes | None:
    """Scopes of a link whose ``couple.memberships`` and ``consents`` are prefetched (no queries)."""
    couple = link.couple
    if link.ended_at is not None or not couple.is_active:
        return None
    return scopes_from_consents(link.consents.all(), [p.pk for p in couple.partners()])


def describe(what: str, scopes: Scopes) -> str:
    shown = ", ".join(scopes.labels) or "names only"
    return f"{what} ({shown})"[:200]


def _entry(request: HttpRequest, therapist: User, couple: Couple, what: str) -> AccessLogEntry:
    return AccessLogEntry(
        couple=couple,
        therapist=therapist,
        therapist_name=(therapist.display_name or therapist.email)[:120],
        what=what[:200],
        path=request.get_full_path()[:300],
    )


def log_access(request: HttpRequest, *, couple: Couple, what: str) -> AccessLogEntry:
    """Append one access-log row. Called by the door (``accounts.scoping``), never by views."""
    entry = _entry(request, request.user, couple, what)
    entry.save()
    return entry


def log_access_many(request: HttpRequest, *, rows: list[tuple[Couple, str]]) -> None:
    """One row per couple in a single INSERT (the caseload shows many couples at once)."""
    if rows:
        AccessLogEntry.objects.bulk_create([_entry(request, request.user, couple, what) for couple, what in rows])
