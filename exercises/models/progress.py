from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Couple

from .content import Module


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
