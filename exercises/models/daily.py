"""The daily rhythm: check-ins, prompt preferences, deliveries (the exactly-once ledger) and in-app notifications."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Couple
from trustrepair.keyring.fields import SealedModel, SealedTextField, by_visibility

USER = settings.AUTH_USER_MODEL
RATING = [MinValueValidator(0), MaxValueValidator(10)]


class PromptKind(models.TextChoices):
    CHECKIN = "checkin", "Daily check-in"
    APPRECIATION = "appreciation", "Appreciation prompt"
    WEEKLY_SUMMARY = "weekly_summary", "Weekly summary"


class Weekday(models.IntegerChoices):
    """ISO weekday numbers (Monday 1 … Sunday 7), as ``date.isoweekday()`` and PostgreSQL's ``ISODOW`` count."""

    MONDAY = 1, "Monday"
    TUESDAY = 2, "Tuesday"
    WEDNESDAY = 3, "Wednesday"
    THURSDAY = 4, "Thursday"
    FRIDAY = 5, "Friday"
    SATURDAY = 6, "Saturday"
    SUNDAY = 7, "Sunday"


class PromptPreference(models.Model):
    """When and how a person wants their prompts. Times are wall-clock times in the person's own time zone."""

    user = models.OneToOneField(USER, on_delete=models.CASCADE, related_name="prompt_preference")
    checkin_enabled = models.BooleanField("daily check-in", default=True)
    checkin_time = models.TimeField("check-in time", default=dt.time(8, 0))
    appreciation_enabled = models.BooleanField("appreciation prompt", default=True)
    appreciation_time = models.TimeField("appreciation time", default=dt.time(19, 0))
    weekly_summary_enabled = models.BooleanField("weekly summary", default=True)
    weekly_summary_day = models.PositiveSmallIntegerField(
        "weekly summary day", choices=Weekday.choices, default=Weekday.SUNDAY
    )
    weekly_summary_time = models.TimeField("weekly summary time", default=dt.time(18, 0))
    email_enabled = models.BooleanField("by email", default=True)
    inapp_enabled = models.BooleanField("in the app", default=True)
    # One email now and then gathering what waits for the person (a proposal to answer, a log to confirm…).
    digest_enabled = models.BooleanField("things waiting for me, by email", default=True)
    paused_until = models.DateField("pause until", null=True, blank=True)
    # Set by the one-click unsubscribe link: no more prompt emails (in-app continues).
    email_unsubscribed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Prompt preferences of user #{self.user_id}"


class CoupleQuietWindow(models.Model):
    """A couple-wide quiet time (each partner's own local wall-clock), shown to both partners."""

    couple = models.OneToOneField(Couple, on_delete=models.CASCADE, related_name="quiet_window")
    starts = models.TimeField()
    ends = models.TimeField()
    set_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Quiet {self.starts:%H:%M}–{self.ends:%H:%M}"

    def contains(self, local_time: dt.time) -> bool:
        if self.starts <= self.ends:
            return self.starts <= local_time < self.ends
        return local_time >= self.starts or local_time < self.ends  # spans midnight


class CheckIn(SealedModel):
    class Mood(models.TextChoices):
        CALM = "calm", "Calm"
        HOPEFUL = "hopeful", "Hopeful"
        TENDER = "tender", "Tender"
        TIRED = "tired", "Tired"
        ANXIOUS = "anxious", "Anxious"
        SAD = "sad", "Sad"
        ANGRY = "angry", "Angry"
        NUMB = "numb", "Numb"

    class Share(models.TextChoices):
        RATINGS = "ratings", "Only my ratings"
        EVERYTHING = "everything", "Everything"
        NOTHING = "nothing", "Nothing: keep it to myself"

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="checkins")
    couple = models.ForeignKey(Couple, on_delete=models.SET_NULL, null=True, blank=True, related_name="checkins")
    local_date = models.DateField()
    mood = models.CharField(max_length=10, choices=Mood.choices)
    safety = models.PositiveSmallIntegerField(validators=RATING)
    trust = models.PositiveSmallIntegerField(validators=RATING)
    need = SealedTextField("one thing I need today", max_length=500, blank=True, single_line=True)
    share = models.CharField(max_length=10, choices=Share.choices, default=Share.RATINGS)
    therapist_visible = models.BooleanField(default=True, help_text="Ratings may reach a consented therapist's trends.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-local_date"]
        constraints = [models.UniqueConstraint(fields=["user", "local_date"], name="checkin_once_per_local_day")]
        indexes = [models.Index(fields=["couple", "local_date"])]

    def __str__(self) -> str:
        return f"Check-in of user #{self.user_id} on {self.local_date}"

    def sealing_owner(self):
        # The words reach the partner only with "Everything"; otherwise they are the person's alone.
        return by_visibility(
            private=self.share != self.Share.EVERYTHING, author_id=self.user_id, couple_id=self.couple_id
        )


class AppreciationStarter(models.Model):
    """Starter ideas shown with the appreciation prompt; edited by staff."""

    kind = models.CharField(
        max_length=20,
        choices=[
            ("daily_positive", "Something good today"),
            ("effort", "An effort I noticed"),
            ("admiration", "Something I admire in you"),
        ],
    )
    text = models.CharField(max_length=200)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "pk"]

    def __str__(self) -> str:
        return self.text


class PromptCopy(models.Model):
    """The words of each prompt, edited by staff. Templates fill in the rest (links, unsubscribe)."""

    kind = models.CharField(max_length=20, choices=PromptKind.choices, unique=True)
    subject = models.CharField(max_length=120)
    body = models.TextField(help_text="Plain text, a few short sentences.")

    class Meta:
        verbose_name_plural = "prompt copy"

    def __str__(self) -> str:
        return self.get_kind_display()


class Delivery(models.Model):
    """One prompt for one person, kind and local day: the idempotency key of the whole pipeline.

    A weekly summary's local day is the date of the person's chosen weekday, so
    the same key makes it once a week.

    A row is created (claimed) by the scheduler inside a transaction; the unique
    constraint makes a second tick, a second scheduler or a retry a no-op.
    Workers move it to sent/failed; the reconciler re-queues rows left in
    ``claimed`` or ``queued`` for too long.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed permanently"
        SKIPPED = "skipped", "Skipped"

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=20, choices=PromptKind.choices)
    local_date = models.DateField()
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    queued_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    message_id = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "local_date"], name="delivery_once_per_user_kind_day")
        ]
        indexes = [
            models.Index(
                fields=["status", "queued_at"],
                condition=Q(status__in=["queued", "sending"]),
                name="delivery_unfinished",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for user #{self.user_id} on {self.local_date}"


# Notices of something waiting for the person (exercises/daily/waiting.py): one per item, gathered into a digest email.
WAITING_KINDS = (
    "agreement_to_answer",
    "agreement_log_to_confirm",
    "agreement_log_disputed",
    "statement_to_respond",
    "exercise_your_turn",
)


class Notification(models.Model):
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=30)
    title = models.CharField(max_length=200)
    body = models.CharField(max_length=500, blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # When a digest email claimed this notice (waiting kinds only): set once, so it is never emailed twice.
    emailed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "read_at"]),
            # The digest's scan: waiting notices neither read nor emailed yet.
            models.Index(
                fields=["created_at"],
                condition=Q(kind__in=WAITING_KINDS, emailed_at__isnull=True, read_at__isnull=True),
                name="notification_digest_due",
            ),
        ]
        constraints = [
            # A waiting item is told once: its link names it (the kind says what waits).
            models.UniqueConstraint(
                fields=["user", "kind", "url"], condition=Q(kind__in=WAITING_KINDS), name="notification_waiting_once"
            ),
            # An arrived appreciation is announced once (its link names it).
            models.UniqueConstraint(
                fields=["user", "kind", "url"],
                condition=Q(kind="appreciation_received"),
                name="notification_arrival_once",
            ),
        ]

    def __str__(self) -> str:
        return self.title
