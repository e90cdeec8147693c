"""Models of the exercise kinds that are more than a list of steps.

Every row here belongs to one couple (``couple`` field) and is reached only
through ``accounts.scoping``. Written text is never edited in place once the
other partner could have read it: corrections are new rows (revisions).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Couple
from trustrepair.keyring import datakeys
from trustrepair.keyring.fields import SealedModel, SealedTextField, by_visibility

from .choices import Visibility

USER = settings.AUTH_USER_MODEL
TEXT_LIMIT = 5000


class Incident(SealedModel):
    """A painful moment processed with the aftermath-of-a-fight exercise."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="incidents")
    created_by = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    title = SealedTextField("what happened, in a few words", max_length=120, single_line=True)
    happened_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def sealing_owner(self):
        return datakeys.couple(self.couple_id)


class Statement(SealedModel):
    """One revision of the accountability statement written by the partner who caused harm."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="statements")
    author = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    revision = models.PositiveSmallIntegerField()
    text = SealedTextField(max_length=TEXT_LIMIT)
    visibility = models.CharField(max_length=20, choices=Visibility.choices, default=Visibility.COUPLE)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["revision"]
        constraints = [models.UniqueConstraint(fields=["couple", "revision"], name="statement_revision_unique")]

    def __str__(self) -> str:
        return f"Statement r{self.revision}"

    def sealing_owner(self):
        return by_visibility(
            private=self.visibility == Visibility.PRIVATE, author_id=self.author_id, couple_id=self.couple_id
        )


class StatementResponse(SealedModel):
    """The hurt partner's answer to one statement revision: did they feel heard?"""

    statement = models.OneToOneField(Statement, on_delete=models.CASCADE, related_name="response")
    author = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    felt_heard = models.PositiveSmallIntegerField()
    missing = SealedTextField("what is still missing", blank=True, max_length=TEXT_LIMIT)
    heard_enough = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Response to {self.statement}"

    def sealing_owner(self):
        return datakeys.couple(self.statement.couple_id)


class Question(SealedModel):
    """A question the hurt partner asks. Repeats are allowed and marked, never blocked."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="questions")
    asker = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    text = SealedTextField(max_length=2000)
    repeat_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="repeats")
    saved_for_therapist = models.BooleanField(default=False)
    visibility = models.CharField(max_length=20, choices=Visibility.choices, default=Visibility.COUPLE)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.text[:60]

    def sealing_owner(self):
        return by_visibility(
            private=self.visibility == Visibility.PRIVATE, author_id=self.asker_id, couple_id=self.couple_id
        )


class QuestionAnswer(SealedModel):
    """An answer revision: a corrected answer is a new row, so nothing is silently rewritten."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    author = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    revision = models.PositiveSmallIntegerField()
    text = SealedTextField(max_length=TEXT_LIMIT)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["revision"]
        constraints = [models.UniqueConstraint(fields=["question", "revision"], name="question_answer_revision_unique")]

    def __str__(self) -> str:
        return f"Answer r{self.revision}"

    def sealing_owner(self):
        return datakeys.couple(self.question.couple_id)


class Agreement(SealedModel):
    class Category(models.TextChoices):
        CONTACT = "contact", "Contact with others"
        MONEY = "money", "Money"
        AVAILABILITY = "availability", "Availability"
        OPENNESS = "openness", "Openness"
        OTHER = "other", "Something else"

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        ACCEPTED = "accepted", "Agreed"
        DECLINED = "declined", "Declined"
        REPLACED = "replaced", "Changed"
        ENDED = "ended", "Ended"

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="agreements")
    proposed_by = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    category = models.CharField(max_length=20, choices=Category.choices)
    text = SealedTextField("the agreement", max_length=2000)
    review_on = models.DateField("review on", null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    # A counter-proposal points at what it replaces.
    replaces = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replaced_by"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.text[:60]

    def sealing_owner(self):
        return datakeys.couple(self.couple_id)


class AgreementCheck(SealedModel):
    """One partner logs an agreement kept or missed; the other partner confirms it, or (a "missed") disputes it."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="checks")
    logged_by = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    kept = models.BooleanField()
    note = SealedTextField(max_length=500, blank=True, single_line=True)
    occurred_on = models.DateField(default=timezone.localdate)
    confirmed_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The other partner sees a logged "missed" differently: recorded, with their short note, never hidden.
    disputed_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    disputed_at = models.DateTimeField(null=True, blank=True)
    dispute_note = SealedTextField("how you see it", max_length=500, blank=True, single_line=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-occurred_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True) | ~Q(confirmed_by=models.F("logged_by")),
                name="agreement_check_confirmed_by_the_other_partner",
            ),
            models.CheckConstraint(
                condition=Q(disputed_by__isnull=True) | ~Q(disputed_by=models.F("logged_by")),
                name="agreement_check_disputed_by_the_other_partner",
            ),
            models.CheckConstraint(
                condition=Q(confirmed_at__isnull=True) | Q(disputed_at__isnull=True),
                name="agreement_check_confirmed_or_disputed",
            ),
        ]

    def __str__(self) -> str:
        return f"{'Kept' if self.kept else 'Missed'} on {self.occurred_on}"

    def sealing_owner(self):
        return datakeys.couple(self.agreement.couple_id)


class Ritual(SealedModel):
    class Frequency(models.TextChoices):
        DAILY = "daily", "Every day"
        WEEKDAYS = "weekdays", "On weekdays"
        WEEKLY = "weekly", "Once a week"
        MONTHLY = "monthly", "Once a month"

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="rituals")
    created_by = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    what = SealedTextField("the ritual", max_length=200, single_line=True)
    when = SealedTextField(
        "when", max_length=120, blank=True, single_line=True, help_text="E.g. “after the children are asleep”."
    )
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-active", "-created_at"]

    def __str__(self) -> str:
        return self.what

    def sealing_owner(self):
        return datakeys.couple(self.couple_id)


class RitualDone(models.Model):
    ritual = models.ForeignKey(Ritual, on_delete=models.CASCADE, related_name="done")
    marked_by = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    done_on = models.DateField(default=timezone.localdate)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-done_on"]
        constraints = [models.UniqueConstraint(fields=["ritual", "done_on"], name="ritual_done_once_a_day")]

    def __str__(self) -> str:
        return f"{self.ritual} on {self.done_on}"


class Appreciation(SealedModel):
    class Kind(models.TextChoices):
        DAILY_POSITIVE = "daily_positive", "Something good today"
        EFFORT = "effort", "An effort I noticed"
        ADMIRATION = "admiration", "Something I admire in you"

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="appreciations")
    sender = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="appreciations_sent")
    recipient = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="appreciations_received")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = SealedTextField(max_length=2000)
    visibility = models.CharField(max_length=20, choices=Visibility.choices, default=Visibility.COUPLE)
    created_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(null=True, blank=True)
    # When the "an appreciation arrived" email was claimed for sending: set once, so it never goes twice.
    emailed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Appreciation from {self.sender_id}"

    def sealing_owner(self):
        return by_visibility(
            private=self.visibility == Visibility.PRIVATE, author_id=self.sender_id, couple_id=self.couple_id
        )
