"""Therapists: verified profiles, links to couples with both partners' consent, notes, and the access log."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from trustrepair.keyring import datakeys
from trustrepair.keyring.fields import SealedModel, SealedTextField

from .couple import CODE_ALPHABET, Couple, hash_token

USER = settings.AUTH_USER_MODEL


def new_practice_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


class TherapistProfile(models.Model):
    user = models.OneToOneField(USER, on_delete=models.CASCADE, related_name="therapist_profile")
    practice_name = models.CharField(max_length=120)
    licence_number = models.CharField(max_length=60)
    region = models.CharField("licensing region", max_length=80)
    practice_code = models.CharField(max_length=8, unique=True, default=new_practice_code)
    created_at = models.DateTimeField(default=timezone.now)
    # Until staff verify a therapist, they see no couple data at all.
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    def __str__(self) -> str:
        return f"{self.user} ({self.practice_name})"

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


class TherapistInvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(accepted_at__isnull=True, withdrawn_at__isnull=True, expires_at__gt=timezone.now())


class TherapistInvitation(models.Model):
    """An emailed link for a therapist, single-use, that the couple can withdraw before it is used."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="therapist_invitations")
    inviter = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    email = models.EmailField()
    # Stored only as a hash: a database leak gives no usable links.
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = TherapistInvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Therapist invitation to {self.couple}"

    @staticmethod
    def find(token: str) -> TherapistInvitation | None:
        """The invitation a link names, while it can still be used."""
        return TherapistInvitation.objects.pending().filter(token_hash=hash_token(token)).first()


class TherapistLink(models.Model):
    """A therapist attached to a couple. Active only while both current partners consent (see Consent)."""

    class Origin(models.TextChoices):
        INVITED = "invited", "Invited by the couple"
        CODE = "code", "Practice code entered by the couple"

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="therapist_links")
    therapist = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="therapist_links")
    origin = models.CharField(max_length=10, choices=Origin.choices)
    invited_email = models.EmailField(blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["couple", "therapist"], condition=Q(ended_at__isnull=True), name="therapist_link_once_active"
            )
        ]

    def __str__(self) -> str:
        return f"{self.therapist} with {self.couple}"


class Consent(models.Model):
    """One partner's grant to a linked therapist. A change is a new row; the old one is revoked, so history stays."""

    link = models.ForeignKey(TherapistLink, on_delete=models.CASCADE, related_name="consents")
    partner = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    progress = models.BooleanField("progress (modules, exercises, dates)", default=True)
    trends = models.BooleanField("check-in trends (ratings only)", default=False)
    writing = models.BooleanField("writing we mark for our therapist", default=False)
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-granted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["link", "partner"], condition=Q(revoked_at__isnull=True), name="consent_one_active_per_partner"
            )
        ]

    def __str__(self) -> str:
        return f"Consent of user #{self.partner_id} for {self.link}"


class TherapistNote(SealedModel):
    """A therapist's private note about a couple. Never shown to the couple."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="therapist_notes")
    therapist = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    text = SealedTextField(max_length=10000)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Note on {self.couple}"

    def sealing_owner(self):
        return datakeys.person(self.therapist_id)


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The access log is append-only.")

    def delete(self):
        raise PermissionError("The access log is append-only.")


class AccessLogEntry(models.Model):
    """Every therapist read of couple data. Append-only here and in the database (a trigger refuses UPDATE/DELETE)."""

    couple = models.ForeignKey(Couple, on_delete=models.DO_NOTHING, related_name="access_log", db_constraint=True)
    therapist = models.ForeignKey(USER, on_delete=models.DO_NOTHING, related_name="+")
    therapist_name = models.CharField(max_length=120)
    what = models.CharField(max_length=200)
    path = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "access log entries"

    def __str__(self) -> str:
        return f"{self.therapist_name} viewed {self.what}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The access log is append-only.")
