"""The couple dashboard: read fresh on every request, in a fixed number of queries."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from exercises.models import CheckIn
from exercises.services.appreciations import appreciation_send

from .conftest import MARKER, onboard

DASHBOARD = reverse("couple:dashboard")


def queries_of(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_a_partners_action_shows_on_the_very_next_request_and_only_in_their_couple(
    client, couple, other_couple, partner_a, partner_b, outsider
):
    onboard(couple, partner_a)
    client.force_login(partner_b)
    assert "new appreciation" not in client.get(DASHBOARD).content.decode()
    appreciation_send(couple=couple, sender=partner_a, kind="effort", text=MARKER, visibility="couple")
    assert "1 new appreciation from your partner" in client.get(DASHBOARD).content.decode()

    client.force_login(outsider)
    page = client.get(DASHBOARD).content.decode()
    assert "new appreciation" not in page and MARKER not in page


def test_the_dashboard_reads_as_many_queries_with_a_long_history(client, couple, partner_a, partner_b):
    onboard(couple, partner_a)
    onboard(couple, partner_b, roles={"dishonesty": "caused"})
    client.force_login(partner_b)

    def add_history(start, count):
        for n in range(start, start + count):
            appreciation_send(couple=couple, sender=partner_a, kind="effort", text=f"thanks {n}", visibility="couple")
            CheckIn.objects.create(user=partner_a, couple=couple, local_date=f"2026-0{1 + n % 9}-{1 + n % 28:02d}",
                                   mood="calm", safety=5, trust=5, share="everything")  # fmt: skip

    add_history(0, 10)
    client.get(DASHBOARD)  # the session's first request reads a little more (the user, the session)
    short = queries_of(client, DASHBOARD)
    add_history(10, 40)
    assert queries_of(client, DASHBOARD) == short


def _settled(couple, *people):
    from accounts.models import SafetyCheck

    for person in people:
        SafetyCheck.objects.create(user=person, afraid_of_partner="no", threats_or_violence="no")
    onboard(couple, people[0])
    onboard(couple, people[1], roles={"dishonesty": "caused"})


def test_well_done_shows_only_when_nothing_is_open(client, couple, partner_a, partner_b):
    from exercises.models import Exercise, Module

    Exercise.objects.all().delete()
    Module.objects.all().delete()
    _settled(couple, partner_a, partner_b)
    client.force_login(partner_a)
    assert "Well done" in client.get(DASHBOARD).content.decode()


def test_no_well_done_while_a_next_exercise_is_open(client, couple, partner_a, partner_b):
    from tests.exercises.factories import ExerciseFactory

    ExerciseFactory(title="Naming the hurt", audience="both")
    _settled(couple, partner_a, partner_b)
    client.force_login(partner_a)
    page = client.get(DASHBOARD).content.decode()
    assert "Naming the hurt" in page
    assert "Well done" not in page
    assert "Nothing needs an answer from you right now" in page


def test_no_well_done_while_the_partner_still_has_something_to_do(client, couple, partner_a, partner_b):
    from accounts.models import SafetyCheck
    from exercises.models import Exercise, Module

    Exercise.objects.all().delete()
    Module.objects.all().delete()
    SafetyCheck.objects.create(user=partner_a, afraid_of_partner="no", threats_or_violence="no")
    onboard(couple, partner_a)
    client.force_login(partner_a)
    page = client.get(DASHBOARD).content.decode()
    assert "Their onboarding answers" in page
    assert "Well done" not in page
