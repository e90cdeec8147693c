"""The couple space: two memberships, invitations to fill the second one, and shared events.

Access to anything here goes through ``accounts.scoping`` (the one door): views
never query these models by id on their own.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

# No 0/O, 1/I/L, 5/S, 2/Z: easy to read aloud and type from a phone screen.
CODE_ALPHABET = "ABCDEFGHJKMNPQRTUVWXY346789"
CODE_LENGTH = 8
INVITATION_TTL = timedelta(hours=72)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def normalise_code(raw: str) -> str:
    return "".join(ch for ch in raw.upper() if ch.isalnum())


class CoupleQuerySet(models.QuerySet):
    def active(self):
        return self.filter(ended_at__isnull=True)

    def for_user(self, user):
        """Active couples in which ``user`` is a current partner (at most one, by constraint)."""
        if not user.is_authenticated:
            return self.none()
        return self.active().filter(memberships__user=user, memberships__left_at__isnull=True)


class Couple(models.Model):
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = CoupleQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Couple #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None

    def current_memberships(self):
        return [m for m in self.memberships.all() if m.left_at is None]

    def partners(self) -> list:
        return [m.user for m in sorted(self.current_memberships(), key=lambda m: m.slot)]

    def partner_of(self, user):
        """The other partner, or None while the second seat is empty."""
        return next((p for p in self.partners() if p.pk != user.pk), None)

    @property
    def is_complete(self) -> bool:
        return len(self.current_memberships()) == 2


class Membership(models.Model):
    """A seat in a couple. Two seats per couple (slot 1 and 2), one active seat per person."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    slot = models.PositiveSmallIntegerField(choices=[(1, "first"), (2, "second")])
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)
    # The partner who did not leave sees a neutral notice once the space closes.
    closed_notice_pending = models.BooleanField(default=False)

    class Meta:
        constraints = [
            # Two people accepting one invitation at once: the second insert fails here.
            models.UniqueConstraint(fields=["couple", "slot"], name="membership_one_person_per_slot"),
            models.UniqueConstraint(fields=["couple", "user"], name="membership_once_per_couple"),
            models.UniqueConstraint(
                fields=["user"], condition=Q(left_at__isnull=True), name="membership_one_active_couple_per_user"
            ),
            models.CheckConstraint(condition=Q(slot__in=[1, 2]), name="membership_slot_1_or_2"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.couple} (seat {self.slot})"


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """A single-use way into a couple's second seat: a link sent by email, or a short code."""

    class Kind(models.TextChoices):
        LINK = "link", "Email link"
        CODE = "code", "Code"

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="invitations")
    inviter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    email = models.EmailField(blank=True)
    # Link tokens are stored only as a hash: a database leak gives no usable links.
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # Codes stay readable so the inviter can show theirs again; they are short-lived and single-use.
    code = models.CharField(max_length=CODE_LENGTH, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="link", token_hash__isnull=False) | Q(kind="code", code__isnull=False)),
                name="invitation_has_secret_for_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} invitation to {self.couple}"

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)

    @staticmethod
    def new_code() -> str:
        return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "used"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"

    @property
    def display_code(self) -> str:
        return f"{self.code[:4]}-{self.code[4:]}" if self.code else ""


class CoupleEvent(models.Model):
    """Something one partner did that the other may see (visibility: couple)."""

    class Kind(models.TextChoices):
        CREATED = "created", "started the couple space"
        JOINED = "joined", "joined the couple space"
        ONBOARDED = "onboarded", "finished their onboarding answers"
        REVEALED = "revealed", "opened your shared picture"

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.actor} {self.get_kind_display()}"
