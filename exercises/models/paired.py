"""Answers to step-by-step exercises, with simultaneous reveal and revisions.

A ``Run`` is one couple doing one exercise (an aftermath exercise may be run once
per incident). Each partner has a ``Response``: a draft that autosaves, then
submitted. Neither partner can read the other's response until both have
submitted (``Run.revealed_at``). After the reveal an answer is never edited in
place: a change adds a new ``Answer`` row with the next revision number, so the
history stays visible.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Couple
from trustrepair.keyring import datakeys
from trustrepair.keyring.fields import SealedJSONField, SealedModel, SealedTextField, by_visibility

from .choices import Visibility
from .content import Exercise, Step


class Run(SealedModel):
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="exercise_runs")
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="runs")
    incident = models.OneToOneField(
        "exercises.Incident", on_delete=models.CASCADE, null=True, blank=True, related_name="run"
    )
    started_at = models.DateTimeField(default=timezone.now)
    # The exercise's content version this run asks (exercises/content_versions.py): kept once anyone answered.
    content_version = models.PositiveIntegerField(default=1)
    revealed_at = models.DateTimeField(null=True, blank=True)
    joint_note = SealedTextField(blank=True, max_length=5000)
    joint_note_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["couple", "exercise"], condition=Q(incident__isnull=True), name="run_once_per_couple_exercise"
            )
        ]

    def __str__(self) -> str:
        return f"{self.exercise} for {self.couple}"

    def sealing_owner(self):
        return datakeys.couple(self.couple_id)


class Response(models.Model):
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="responses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exercise_responses")
    visibility = models.CharField(max_length=20, choices=Visibility.choices, default=Visibility.COUPLE)
    started_at = models.DateTimeField(default=timezone.now)
    draft_saved_at = models.DateTimeField(null=True, blank=True)
    # Counts draft saves and names the page (tab) that made the last one, so a tab that is behind
    # another tab's save is told instead of overwriting it, while its own in-flight saves are not.
    draft_revision = models.PositiveIntegerField(default=0)
    draft_tab = models.CharField(max_length=32, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "user"], name="response_once_per_partner")]

    def __str__(self) -> str:
        return f"{self.user} on {self.run}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class Answer(SealedModel):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    step = models.ForeignKey(Step, on_delete=models.SET_NULL, null=True, related_name="answers")
    # The words of the question as it was answered: later edits to the content never change this.
    prompt_snapshot = models.TextField()
    step_order = models.PositiveSmallIntegerField(default=0)
    value = SealedJSONField(default=None, null=True, blank=True)
    guess = SealedJSONField(default=None, null=True, blank=True)
    revision = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["step_order", "revision"]
        constraints = [models.UniqueConstraint(fields=["response", "step", "revision"], name="answer_revision_unique")]

    def __str__(self) -> str:
        return f"Answer r{self.revision} to {self.step_id}"

    def sealing_owner(self):
        response = self.response
        return by_visibility(
            private=response.visibility == Visibility.PRIVATE,
            author_id=response.user_id,
            couple_id=response.run.couple_id,
        )
