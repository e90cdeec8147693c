from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Couple
from trustrepair.keyring import datakeys
from trustrepair.keyring.fields import SealedModel, SealedTextField

from .content import Exercise, Module


class ModuleUnlock(models.Model):
    """A module opened early for one couple (by a therapist, in a later feature), whatever its unlock rule."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="module_unlocks")
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="unlocks")
    unlocked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["couple", "module"], name="module_unlock_once")]

    def __str__(self) -> str:
        return f"{self.module} unlocked for {self.couple}"


class Recommendation(SealedModel):
    """A therapist suggests an exercise; it shows on the couple's dashboard until done or dismissed."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="recommendations")
    therapist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="+")
    note = SealedTextField(max_length=500, blank=True, single_line=True)
    created_at = models.DateTimeField(default=timezone.now)
    dismissed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.exercise} recommended to {self.couple}"

    def sealing_owner(self):
        return datakeys.couple(self.couple_id)
