"""Nothing of a partner's unrevealed onboarding role or exercise draft changes the other partner's pages.

Each test renders B's pages, changes only something of A's that B may not know
yet (A's role before both onboarding answers are revealed, A's draft), renders
them again, and compares.
"""

import html

import pytest
from django.urls import reverse

from accounts.models import FractureAnswer
from exercises.models import Run
from exercises.models.choices import Audience, Kind
from exercises.progress import Status, progress_for
from exercises.services import paired
from tests.couple.conftest import onboard
from tests.exercises.factories import ExerciseFactory, ModuleFactory, StepFactory
from tests.helpers import without_per_render

pytestmark = pytest.mark.django_db


@pytest.fixture
def curriculum(db):
    module = ModuleFactory(slug="atone", title="Atone")
    for_hurt = ExerciseFactory(module=module, slug="for-the-hurt", title="For the hurt", audience=Audience.HURT)
    StepFactory(exercise=for_hurt, prompt="What do you need to hear?")
    together = ExerciseFactory(module=module, slug="together", title="Together")
    StepFactory(exercise=together, prompt="What happened?")
    ExerciseFactory(module=module, slug="statement", title="Statement", kind=Kind.ACCOUNTABILITY)
    return {"for_hurt": for_hurt, "together": together}


def pages_of(client, user) -> dict[str, str]:
    client.force_login(user)
    urls = [
        reverse("couple:dashboard"),
        reverse("exercises:index"),
        reverse("exercises:detail", args=["for-the-hurt"]),
        reverse("exercises:detail", args=["together"]),
        reverse("exercises:accountability"),
    ]
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = without_per_render(html.unescape(response.content.decode()))
    return pages


def assert_same(before: dict[str, str], after: dict[str, str]) -> None:
    for url, page in before.items():
        assert after[url] == page, f"{url} changed"


def test_a_role_not_yet_revealed_changes_nothing_the_partner_sees(client, couple, partner_a, partner_b, curriculum):
    onboard(couple, partner_a, roles={"dishonesty": "hurt"})
    as_hurt = pages_of(client, partner_b)
    FractureAnswer.objects.filter(response__user=partner_a).update(role="caused")
    assert_same(as_hurt, pages_of(client, partner_b))
    assert "The accountability statement" not in as_hurt[reverse("couple:dashboard")]


def test_a_role_not_yet_revealed_does_not_decide_who_an_exercise_waits_for(couple, partner_a, partner_b, curriculum):
    onboard(couple, partner_a, roles={"dishonesty": "caused"})
    exercise = curriculum["for_hurt"]
    run = paired.run_get_or_create(couple=couple, exercise=exercise)
    paired.response_submit(
        run=run, user=partner_b, answers={exercise.steps.get().pk: ("words", None)}, visibility="couple"
    )
    run.refresh_from_db()
    assert run.revealed_at is None  # waits as it would for any partner who has not said

    # Once both answers are revealed, A's role counts: the exercise was B's alone, and it opens.
    onboard(couple, partner_b, roles={"dishonesty": "hurt"})
    run.refresh_from_db()
    assert run.revealed_at is not None


def test_a_draft_autosave_changes_nothing_the_partner_sees(client, couple, partner_a, partner_b, curriculum):
    onboard(couple, partner_a)
    onboard(couple, partner_b)
    before = pages_of(client, partner_b)
    client.force_login(partner_a)
    step = curriculum["together"].steps.get()
    response = client.post(
        reverse("exercises:autosave", args=["together"]),
        {"version": curriculum["together"].version, f"step_{step.pk}": "my unfinished words"},
    )
    assert response.status_code in (200, 204)
    run = Run.objects.get(exercise=curriculum["together"])
    assert run.responses.get(user=partner_a).answers.exists()  # the draft was kept
    assert_same(before, pages_of(client, partner_b))
    assert progress_for(couple=couple, user=partner_b).by_exercise[curriculum["together"].pk].status == (
        Status.NOT_STARTED
    )
