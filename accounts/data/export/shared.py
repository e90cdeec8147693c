"""What the person's couple spaces share with them, for their export.

The only rows here not written by the person: the agreements of their spaces
with every log (agreements have no private form), the appreciations their
partner sent them unless the partner kept one private, and the spaces'
therapist access log. Each is limited to the person's own spaces (``Scope``).
"""

from __future__ import annotations

from typing import Any

from accounts.models import AccessLogEntry
from exercises.models import Agreement, Appreciation
from exercises.models.choices import Visibility

from .scope import Scope, who


def agreements(scope: Scope) -> list[dict[str, Any]]:
    return [
        {
            "space": agreement.couple_id,
            "proposed_by": who(agreement.proposed_by_id, scope),
            "category": agreement.get_category_display(),
            "text": agreement.text,
            "status": agreement.get_status_display(),
            "review_on": agreement.review_on,
            "proposed_at": agreement.created_at,
            "decided_at": agreement.decided_at,
            "logs": [
                {
                    "kept": check.kept,
                    "occurred_on": check.occurred_on,
                    "logged_by": who(check.logged_by_id, scope),
                    "note": check.note,
                    "confirmed_by": who(check.confirmed_by_id, scope),
                    "confirmed_at": check.confirmed_at,
                    "disputed_by": who(check.disputed_by_id, scope),
                    "disputed_at": check.disputed_at,
                    "dispute_note": check.dispute_note,
                }
                for check in agreement.checks.all()
            ],
        }
        for agreement in Agreement.objects.filter(couple_id__in=scope.couple_ids)
        .prefetch_related("checks")
        .order_by("created_at", "pk")
    ]


def appreciations_received(scope: Scope) -> list[dict[str, Any]]:
    """The partner's words to this person are theirs to keep, unless the partner kept them private."""
    return [
        {
            "space": a.couple_id,
            "from": scope.names.get(a.sender_id, ""),
            "kind": a.get_kind_display(),
            "text": a.text,
            "received_at": a.created_at,
        }
        for a in Appreciation.objects.filter(recipient=scope.user)
        .exclude(visibility=Visibility.PRIVATE)
        .order_by("created_at", "pk")
    ]


def therapist_access_log(scope: Scope) -> list[dict[str, Any]]:
    return [
        {"space": e.couple_id, "therapist": e.therapist_name, "what": e.what, "when": e.created_at}
        for e in AccessLogEntry.objects.filter(couple_id__in=scope.couple_ids).order_by("created_at", "pk")
    ]
