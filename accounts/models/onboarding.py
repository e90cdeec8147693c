"""Onboarding answers (revealed to the couple once both partners answered) and the private safety check."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from trustrepair.keyring import datakeys
from trustrepair.keyring.fields import SealedModel, SealedTextField

from .couple import Couple

RATING = [MinValueValidator(0), MaxValueValidator(10)]


class Fracture(models.TextChoices):
    INFIDELITY = "infidelity", "Infidelity or betrayal"
    BROKEN_PROMISES = "broken_promises", "Broken promises"
    NEGLECT = "neglect", "Emotional neglect"
    DISHONESTY = "dishonesty", "Dishonesty or secrets"
    DISAPPOINTMENTS = "disappointments", "Repeated disappointments"
    OTHER = "other", "Something else"


class Role(models.TextChoices):
    HURT = "hurt", "I was hurt"
    CAUSED = "caused", "I caused the hurt"
    BOTH = "both", "Both of us hurt each other"


# What a partner's role should look like from the other side, for the gentle comparison.
MIRROR_ROLE = {Role.HURT: Role.CAUSED, Role.CAUSED: Role.HURT, Role.BOTH: Role.BOTH}


class OnboardingResponse(SealedModel):
    """One partner's onboarding answers. Visible only to the author until both partners submitted."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="onboarding_responses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="onboarding_responses")
    other_fracture = SealedTextField("in your own words", max_length=500, blank=True, single_line=True)
    # Baseline ratings are the first point of the person's own trend; private to them.
    baseline_safety = models.PositiveSmallIntegerField("how safe you feel with your partner", validators=RATING)
    baseline_trust = models.PositiveSmallIntegerField("how much you trust your partner", validators=RATING)
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["couple", "user"], name="onboarding_once_per_partner")]

    def __str__(self) -> str:
        return f"Onboarding of {self.user} in {self.couple}"

    def sealing_owner(self):
        return datakeys.couple(self.couple_id)  # revealed to the couple once both answered


class FractureAnswer(models.Model):
    response = models.ForeignKey(OnboardingResponse, on_delete=models.CASCADE, related_name="fractures")
    kind = models.CharField(max_length=32, choices=Fracture.choices)
    role = models.CharField(max_length=8, choices=Role.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["response", "kind"], name="fracture_once_per_response")]
        ordering = ["kind"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.get_role_display()}"


class SafetyCheck(SealedModel):
    """A person's private safety answers. Never shown to a partner or a therapist, never exported for anyone else."""

    class Answer(models.TextChoices):
        NO = "no", "No"
        SOMETIMES = "sometimes", "Sometimes"
        YES = "yes", "Yes"
        SKIP = "skip", "I'd rather not say"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="safety_check")
    afraid_of_partner = models.CharField(max_length=10, choices=Answer.choices)
    controls_phone = models.BooleanField(default=False)
    controls_money = models.BooleanField(default=False)
    controls_whereabouts = models.BooleanField(default=False)
    controls_contacts = models.BooleanField(default=False)
    threats_or_violence = models.CharField(max_length=10, choices=Answer.choices)
    note = SealedTextField(
        "a note for yourself",
        blank=True,
        max_length=2000,
        help_text="Optional. Only you can ever read this.",
    )
    updated_at = models.DateTimeField(default=timezone.now)
    # When the answers first signalled fear or control (accounts/safety.py). Never
    # cleared by a later, calmer answer: that one may be given under pressure.
    protected_since = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Safety check of user #{self.user_id}"

    def sealing_owner(self):
        return datakeys.person(self.user_id)

    @property
    def signals_risk(self) -> bool:
        worrying = {self.Answer.YES, self.Answer.SOMETIMES}
        return (
            self.afraid_of_partner in worrying
            or self.threats_or_violence in worrying
            or any([self.controls_phone, self.controls_money, self.controls_whereabouts, self.controls_contacts])
        )


class SupportResource(models.Model):
    """Support text edited by staff: shown on the public support page and, privately, after a worrying safety check."""

    title = models.CharField(max_length=120)
    body = models.TextField(help_text="Plain text or Markdown. Links and emphasis are kept; other HTML is removed.")
    phone = models.CharField(max_length=40, blank=True)
    url = models.URLField(blank=True)
    region = models.CharField(max_length=60, blank=True, help_text="E.g. “United States”, or empty for everywhere.")
    order = models.PositiveSmallIntegerField(default=0)
    published = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "title"]

    def __str__(self) -> str:
        return self.title
