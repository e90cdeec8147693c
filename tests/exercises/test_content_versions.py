"""Content changes never break a couple mid-exercise: drafts, publishing, pinned versions."""

import html

import pytest
from django.urls import reverse

from exercises import content_versions
from exercises.models import Exercise, Run
from tests.couple.conftest import onboard
from tests.exercises.test_paired import answers, steps, url

pytestmark = pytest.mark.django_db

FIRST = "What happened, in your words?"
REWORDED = "Freshly worded by staff: what happened?"


def text(response) -> str:
    return html.unescape(response.content.decode())


def reword_first_step(exercise, *, publish: bool):
    changed = content_versions.step_change(steps(exercise)[1], prompt=REWORDED)
    if publish:
        content_versions.publish(exercise)
    return changed


def test_a_step_edit_stays_in_the_draft_until_published(client, couple, partner_a, reflection):
    client.force_login(partner_a)
    reword_first_step(reflection, publish=False)
    page = text(client.get(url(reflection)))
    assert FIRST in page and REWORDED not in page
    content_versions.publish(reflection)
    page = text(client.get(url(reflection)))  # nobody had answered: the run moves on safely
    assert REWORDED in page and FIRST not in page


def test_a_couple_who_started_keep_the_version_they_began(
    client, couple, partner_a, partner_b, other_couple, outsider, reflection
):
    client.force_login(partner_a)
    client.post(url(reflection), answers(reflection, "A's words"))  # A has finished; B has not begun
    b_form = answers(reflection, "B's words", scale="2")  # the questions as they were when the run began
    reword_first_step(reflection, publish=True)

    client.force_login(partner_b)
    page = text(client.get(url(reflection)))
    assert FIRST in page and REWORDED not in page  # B answers what A answered
    assert client.post(url(reflection), b_form).status_code == 302
    run = Run.objects.get(couple=couple, exercise=reflection)
    assert run.revealed_at is not None
    page = text(client.get(url(reflection)))
    assert "A's words" in page and "B's words" in page and FIRST in page

    # A couple starting now meets the published wording.
    onboard(other_couple, outsider)
    client.force_login(outsider)
    page = text(client.get(url(reflection)))
    assert REWORDED in page and FIRST not in page

    # After the reveal, changing an answer still works on the version they answered.
    client.force_login(partner_b)
    first = reflection.steps.filter(order=1).order_by("pk").first()
    revise = reverse("exercises:revise", args=[reflection.slug, first.pk])
    assert client.post(revise, {f"step_{first.pk}": "B, said again"}).status_code == 302
    assert "B, said again" in text(client.get(url(reflection)))


def test_taking_an_exercise_back_to_draft_strands_nobody_halfway(
    client, couple, partner_a, partner_b, other_couple, outsider, reflection
):
    client.force_login(partner_a)
    saved = client.post(
        reverse("exercises:autosave", args=[reflection.slug]),
        {**answers(reflection, "half a thought"), "draft": 0},
        HTTP_HX_REQUEST="true",
    )
    assert saved.status_code == 200
    Exercise.objects.filter(pk=reflection.pk).update(status=Exercise.Status.DRAFT)

    page = client.get(url(reflection))
    assert page.status_code == 200 and "half a thought" in text(page)
    assert client.post(url(reflection), answers(reflection, "the whole thought")).status_code == 302
    client.force_login(partner_b)
    assert client.get(url(reflection)).status_code == 200
    # It is gone for everyone who had not started it, and from the list of what to do next.
    onboard(other_couple, outsider)
    client.force_login(outsider)
    assert client.get(url(reflection)).status_code == 404
    assert reflection.title not in text(client.get(reverse("exercises:index")))
