"""The therapist-review cast: the couple (A hurt, B caused), a verified therapist with two-factor, and a curriculum.

``plant(space, a, b, curriculum)`` fills the couple with one item of every kind, each
carrying ``SHARED`` (marked for the therapist) or ``SECRET`` (must never reach
a therapist), so privacy tests can search whole responses for the markers.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import SafetyCheck
from exercises.models import Agreement, AgreementCheck, Appreciation, CheckIn, Question, QuestionAnswer, Statement
from exercises.models.choices import AnswerType, Kind, Visibility
from exercises.services import paired
from tests.couple.conftest import couple, onboard, other_couple, other_partner, pair, unpaired  # noqa: F401
from tests.exercises.factories import ExerciseFactory, ModuleFactory, StepFactory
from tests.therapists.helpers import link, make_therapist

SHARED = "SHARED-WITH-THERAPIST-41c9"
SECRET = "NEVER-FOR-THERAPIST-77ab"


@pytest.fixture
def therapist(db):
    return make_therapist(email="therapist@example.test", display_name="Dr Quinn", time_zone="America/New_York")


@pytest.fixture
def linked(couple, therapist):  # noqa: F811 - the fixture imported above
    return link(couple, therapist)


@pytest.fixture
def curriculum(db):
    """Two modules: Atone (open) with a paired reflection and the questions log; Attach (after Atone) with agreements."""
    atone = ModuleFactory(slug="atone", title="Atone", order=1, unlock_rule="open")
    attach = ModuleFactory(slug="attach", title="Attach", order=2, unlock_rule="after_previous")
    reflection = ExerciseFactory(module=atone, slug="naming-it", title="Naming it", order=1)
    StepFactory(exercise=reflection, order=1, prompt="What happened, in your words?", answer_type=AnswerType.LONG_TEXT)
    second = ExerciseFactory(module=atone, slug="what-it-meant", title="What it meant", order=2)
    StepFactory(exercise=second, order=1, prompt="What did it mean to you?", answer_type=AnswerType.LONG_TEXT)
    third = ExerciseFactory(module=atone, slug="looking-back", title="Looking back", order=3)
    StepFactory(exercise=third, order=1, prompt="Looking back, what do you see?", answer_type=AnswerType.LONG_TEXT)
    ExerciseFactory(module=atone, slug="questions", title="Questions log", order=4, kind=Kind.QUESTIONS_LOG)
    ExerciseFactory(module=attach, slug="agreements", title="Agreements", order=1, kind=Kind.AGREEMENTS)
    return {"atone": atone, "attach": attach, "reflection": reflection, "second": second, "third": third}


def _submit(space, exercise, user, text, visibility):
    run = paired.run_get_or_create(couple=space, exercise=exercise)
    step = exercise.steps.get()
    return paired.response_submit(run=run, user=user, answers={step.pk: (text, None)}, visibility=visibility)


def plant(space, a, b, curriculum) -> None:
    """One item of every kind; text marked SHARED may reach a consented therapist (writing scope), SECRET never."""
    onboard(space, a, roles={"dishonesty": "hurt"}, other=f"onboarding {SECRET}", safety=2, trust=1)
    onboard(space, b, roles={"dishonesty": "caused"}, other=f"onboarding {SECRET}", safety=9, trust=9)
    SafetyCheck.objects.create(user=a, afraid_of_partner="no", threats_or_violence="no", note=f"safety {SECRET}")

    # Revealed: A shared with the therapist, B kept theirs to the couple.
    _submit(space, curriculum["reflection"], a, f"A's answer {SHARED}", Visibility.COUPLE_THERAPIST)
    _submit(space, curriculum["reflection"], b, f"B's answer {SECRET}", Visibility.COUPLE)
    # Marked for the therapist but not revealed yet: still private to its author.
    _submit(space, curriculum["second"], a, f"unrevealed {SECRET}", Visibility.COUPLE_THERAPIST)
    # Revealed, but private.
    _submit(space, curriculum["third"], a, f"private answer {SECRET}", Visibility.PRIVATE)
    _submit(space, curriculum["third"], b, f"private answer {SECRET}", Visibility.PRIVATE)

    Statement.objects.create(couple=space, author=b, revision=1, text=f"sorry {SECRET}", visibility=Visibility.COUPLE)
    Statement.objects.create(
        couple=space, author=b, revision=2, text=f"sorry {SHARED}", visibility=Visibility.COUPLE_THERAPIST
    )
    marked = Question.objects.create(
        couple=space, asker=a, text=f"asked {SHARED}", visibility=Visibility.COUPLE_THERAPIST
    )
    QuestionAnswer.objects.create(question=marked, author=b, revision=1, text=f"answered {SHARED}")
    saved = Question.objects.create(couple=space, asker=a, text=f"saved {SHARED}", saved_for_therapist=True)
    QuestionAnswer.objects.create(question=saved, author=b, revision=1, text=f"answered saved {SHARED}")
    between_us = Question.objects.create(couple=space, asker=a, text=f"asked {SECRET}")
    QuestionAnswer.objects.create(question=between_us, author=b, revision=1, text=f"answered {SECRET}")
    Appreciation.objects.create(
        couple=space,
        sender=a,
        recipient=b,
        kind="effort",
        text=f"thanks {SHARED}",
        visibility=Visibility.COUPLE_THERAPIST,
    )
    Appreciation.objects.create(couple=space, sender=b, recipient=a, kind="effort", text=f"thanks {SECRET}")
    Appreciation.objects.create(
        couple=space, sender=b, recipient=a, kind="effort", text=f"draft {SECRET}", visibility=Visibility.PRIVATE
    )
    agreement = Agreement.objects.create(
        couple=space,
        proposed_by=a,
        category="contact",
        text=f"no contact {SECRET}",
        status="accepted",
        decided_at=timezone.now(),
    )
    AgreementCheck.objects.create(
        agreement=agreement, logged_by=b, kept=True, note=f"kept {SECRET}", confirmed_by=a, confirmed_at=timezone.now()
    )
    AgreementCheck.objects.create(
        agreement=agreement,
        logged_by=a,
        kept=False,
        note=f"missed {SECRET}",
        confirmed_by=b,
        confirmed_at=timezone.now(),
    )
    today = timezone.localdate()
    CheckIn.objects.create(
        user=a,
        couple=space,
        local_date=today - timedelta(days=1),
        mood="anxious",
        safety=6,
        trust=5,
        need=f"need {SECRET}",
    )
    CheckIn.objects.create(
        user=b,
        couple=space,
        local_date=today,
        mood="hopeful",
        safety=8,
        trust=7,
        need=f"need {SECRET}",
        share=CheckIn.Share.EVERYTHING,
    )
    # Ratings kept away from the therapist: not therapist-visible, or kept private altogether.
    CheckIn.objects.create(
        user=a, couple=space, local_date=today, mood="sad", safety=1, trust=1, therapist_visible=False
    )
    CheckIn.objects.create(
        user=b,
        couple=space,
        local_date=today - timedelta(days=1),
        mood="numb",
        safety=2,
        trust=2,
        share=CheckIn.Share.NOTHING,
    )


@pytest.fixture
def planted(couple, partner_a, partner_b, curriculum):  # noqa: F811
    plant(couple, partner_a, partner_b, curriculum)
    return couple


@pytest.fixture
def tclient(client, therapist):
    client.force_login(therapist)
    return client
