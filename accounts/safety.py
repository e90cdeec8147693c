"""Quiet protection for a person whose private safety check signalled fear or control.

The rule, written once here: from the moment a person's safety check signals fear or
control they are *protected*, and nothing new of theirs can be used to keep watch on
them: their check-ins (the one record that says, day by day, how they are) stay with
them. Their own pages say so plainly. Their partner's pages never change because of it:
nothing already shown disappears, no feature is switched off in front of the partner,
and a check-in kept private looks exactly like one anybody may keep to themselves on an
ordinary day. Protection is per person, so it follows them into a later couple space,
and a calmer answer later never ends it (it may be given under pressure).

Features that could watch either partner in ways an ordinary day cannot explain (when
the other was last online, read receipts, location) are not built, for anyone.
"""

from __future__ import annotations

from django.utils import timezone

from accounts.models import SafetyCheck, User


def is_protected(user: User) -> bool:
    return SafetyCheck.objects.filter(user=user, protected_since__isnull=False).exists()


def protect_if_worrying(check: SafetyCheck) -> None:
    """Start protection the first time the answers signal fear or control; never end it."""
    if check.signals_risk and check.protected_since is None:
        check.protected_since = timezone.now()
        SafetyCheck.objects.filter(pk=check.pk, protected_since__isnull=True).update(
            protected_since=check.protected_since
        )
