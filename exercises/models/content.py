"""The curriculum, edited by staff: modules contain exercises, exercises contain steps."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from exercises.stages import STAGES

from .choices import AnswerType, Audience, Kind

STAGE_CHOICES = [(stage.key, stage.name) for stage in STAGES]


class ModuleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)


class Module(models.Model):
    class Unlock(models.TextChoices):
        OPEN = "open", "Open from the start"
        AFTER_PREVIOUS = "after_previous", "When the previous module's required exercises are complete"

    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=80)
    order = models.PositiveSmallIntegerField(default=0)
    stages = models.JSONField(default=list, help_text='Stage keys this module covers, e.g. ["commit", "reconnect"].')
    summary = models.TextField(help_text="Markdown.")
    unlock_rule = models.CharField(max_length=20, choices=Unlock.choices, default=Unlock.AFTER_PREVIOUS)
    published = models.BooleanField(default=True)

    objects = ModuleQuerySet.as_manager()

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.title

    def stage_names(self) -> list[str]:
        names = dict(STAGE_CHOICES)
        return [names[key] for key in self.stages if key in names]


class ExerciseQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Exercise.Status.PUBLISHED, module__published=True)


class Exercise(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="exercises")
    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=120)
    order = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.BOTH)
    estimated_minutes = models.PositiveSmallIntegerField(default=15)
    introduction = models.TextField(help_text="Markdown. Shown before the first step.")
    required = models.BooleanField(default=True, help_text="Counts towards finishing the module.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # The published content version (see exercises/content_versions.py): couples who start now get it;
    # staff edit the draft, version + 1, and publishing moves this on.
    version = models.PositiveIntegerField(default=1)
    # The draft's own title and introduction, when staff changed them (empty: the same as published).
    draft_title = models.CharField(max_length=120, blank=True, editable=False)
    draft_introduction = models.TextField(blank=True, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ExerciseQuerySet.as_manager()

    class Meta:
        ordering = ["module__order", "order", "pk"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.updated_at = timezone.now()
        super().save(*args, **kwargs)

    @property
    def is_paired(self) -> bool:
        from .choices import PAIRED_KINDS

        return self.kind in PAIRED_KINDS


class Step(models.Model):
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(default=0)
    prompt = models.TextField(help_text="The question or instruction. Markdown.")
    help_text = models.CharField(max_length=300, blank=True)
    answer_type = models.CharField(max_length=20, choices=AnswerType.choices, default=AnswerType.LONG_TEXT)
    choices = models.JSONField(default=list, blank=True, help_text="For choice and checklist steps: a list of options.")
    required = models.BooleanField(default=True)
    # Inner world: also ask the person to guess their partner's answer.
    ask_guess = models.BooleanField(default=False, help_text="Also ask for a guess of the partner's answer.")
    # The content versions this step is part of: since <= v < until (until empty: still in the draft).
    since = models.PositiveIntegerField(default=1)
    until = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return f"{self.exercise}: step {self.order}"
