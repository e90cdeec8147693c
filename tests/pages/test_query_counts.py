"""Every page a partner or a therapist opens reads a fixed number of queries, whatever the history.

Each page is read once with a short history and once after the couple (or the caseload) has
grown five-fold; the two counts must be equal, so no page reads anything per row.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import TherapistNote
from exercises.models import (
    Agreement,
    AgreementCheck,
    Appreciation,
    CheckIn,
    Question,
    QuestionAnswer,
    Ritual,
    RitualDone,
    Statement,
)
from exercises.models.choices import Kind, Visibility
from tests.couple.conftest import onboard, pair
from tests.exercises.factories import ExerciseFactory
from tests.factories import UserFactory
from tests.helpers import queries_of
from tests.therapists.conftest import _submit, plant
from tests.therapists.helpers import link

pytestmark = pytest.mark.django_db

PARTNER_PAGES = [
    ("couple:dashboard", ()),
    ("exercises:index", ()),
    ("exercises:detail", ("naming-it",)),
    ("exercises:questions", ()),
    ("exercises:agreements", ()),
    ("exercises:rituals", ()),
    ("exercises:appreciations", ()),
    ("exercises:accountability", ()),
    ("insights:progress", ()),
    ("insights:journey", ()),
    ("daily:checkin", ()),
    ("daily:notifications", ()),
]


def grow(couple, a, b, start: int, count: int) -> None:
    """``count`` more of every kind of shared record: questions, agreements and logs, rituals, check-ins…"""
    today = timezone.localdate()
    for n in range(start, start + count):
        question = Question.objects.create(
            couple=couple, asker=a, text=f"question {n}", visibility=Visibility.COUPLE_THERAPIST
        )
        QuestionAnswer.objects.create(question=question, author=b, revision=1, text=f"answer {n}")
        Question.objects.create(couple=couple, asker=a, text=f"open question {n}")
        Statement.objects.create(
            couple=couple, author=b, revision=100 + n, text=f"statement {n}", visibility=Visibility.COUPLE_THERAPIST
        )
        Appreciation.objects.create(couple=couple, sender=a, recipient=b, kind="effort", text=f"thanks {n}")
        Appreciation.objects.create(couple=couple, sender=b, recipient=a, kind="effort", text=f"thanks back {n}")
        agreement = Agreement.objects.create(
            couple=couple, proposed_by=a, category="contact", text=f"agreement {n}", status="accepted",
            decided_at=timezone.now(),
        )  # fmt: skip
        AgreementCheck.objects.create(agreement=agreement, logged_by=b, kept=True, note=f"log {n}")
        Agreement.objects.create(couple=couple, proposed_by=b, category="contact", text=f"proposal {n}")
        ritual = Ritual.objects.create(couple=couple, created_by=a, what=f"ritual {n}")
        RitualDone.objects.create(ritual=ritual, marked_by=b, done_on=today - timedelta(days=n))
        for person in (a, b):
            CheckIn.objects.create(
                user=person, couple=couple, local_date=today - timedelta(days=10 + n), mood="calm", safety=5,
                trust=5, share=CheckIn.Share.EVERYTHING,
            )  # fmt: skip


@pytest.fixture
def lived_in(couple, partner_a, partner_b, curriculum, therapist):
    """The therapists' test couple with every kind of record, linked to the therapist with every scope."""
    for kind in (Kind.RITUALS, Kind.APPRECIATIONS, Kind.ACCOUNTABILITY):
        ExerciseFactory(module=curriculum["atone"], kind=kind, title=kind.label, order=10)
    plant(couple, partner_a, partner_b, curriculum)
    link(couple, therapist)
    grow(couple, partner_a, partner_b, 0, 10)
    return couple


def counts(client, urls) -> dict[str, int]:
    for url in urls:
        client.get(url)  # the first request of a session reads a little more (the user, the session)
    return {url: queries_of(client, url)[0] for url in urls}


def test_each_partner_page_reads_as_many_queries_with_five_times_the_history(client, lived_in, partner_a, partner_b):
    urls = [reverse(name, args=args) for name, args in PARTNER_PAGES]
    before = {}
    for person in (partner_a, partner_b):
        client.force_login(person)
        before[person] = counts(client, urls)
    grow(lived_in, partner_a, partner_b, 10, 40)
    for person in (partner_a, partner_b):
        client.force_login(person)
        assert counts(client, urls) == before[person]


def test_the_therapists_couple_view_reads_as_many_queries_with_five_times_the_history(
    tclient, lived_in, partner_a, partner_b, therapist
):
    url = reverse("therapist:couple", args=[lived_in.pk])
    for n in range(10):
        TherapistNote.objects.create(couple=lived_in, therapist=therapist, text=f"note {n}")
    before = counts(tclient, [url])
    grow(lived_in, partner_a, partner_b, 10, 40)
    for n in range(10, 50):
        TherapistNote.objects.create(couple=lived_in, therapist=therapist, text=f"note {n}")
    assert counts(tclient, [url]) == before


def test_the_caseload_reads_as_many_queries_for_50_couples_as_for_10(tclient, therapist, curriculum):
    def add_couples(start, count):
        for n in range(start, start + count):
            first, second = UserFactory(verified=True), UserFactory(verified=True)
            couple = pair(first, second)
            onboard(couple, first, roles={"dishonesty": "hurt"})
            onboard(couple, second, roles={"dishonesty": "caused"})
            link(couple, therapist)
            _submit(couple, curriculum["reflection"], first, f"answer {n}", Visibility.COUPLE_THERAPIST)
            grow(couple, first, second, 0, 2)

    url = reverse("therapist:caseload")
    add_couples(0, 10)
    before = counts(tclient, [url])
    add_couples(10, 40)
    after = counts(tclient, [url])
    assert len(queries_of(tclient, url)[1].context["rows"]) == 50
    assert after == before
