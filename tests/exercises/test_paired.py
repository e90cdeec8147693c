"""Step-by-step exercises: drafts, simultaneous reveal, revisions, stale forms, content snapshots."""

import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from exercises import content_versions
from exercises.models import Answer, Response, Run
from exercises.models.choices import Audience
from tests.exercises.factories import ExerciseFactory, StepFactory, exercise_with_steps

pytestmark = pytest.mark.django_db

MARK_A = "A-PRIVATE-WORDS-4471"
MARK_B = "B-PRIVATE-WORDS-9902"


def text(response) -> str:
    return html.unescape(response.content.decode())


def steps(exercise):
    return {s.order: s for s in exercise.steps.all()}


def answers(exercise, words, scale="5", feelings=("hurt",)):
    s = steps(exercise)
    return {
        "version": exercise.version,
        "visibility": "couple",
        f"step_{s[1].pk}": words,
        f"step_{s[3].pk}": scale,
        f"step_{s[4].pk}": list(feelings),
    }


def url(exercise):
    return reverse("exercises:detail", args=[exercise.slug])


def every_way_in(client, exercise):
    """Every page and fragment a partner could use to peek."""
    s = steps(exercise)
    pages = [
        client.get(url(exercise)),
        client.get(reverse("exercises:index")),
        client.get(reverse("couple:dashboard")),
        client.get(reverse("exercises:revise", args=[exercise.slug, s[1].pk])),
        client.post(
            reverse("exercises:autosave", args=[exercise.slug]), {"version": exercise.version}, HTTP_HX_REQUEST="true"
        ),
    ]
    return "".join(text(p) for p in pages)


def test_both_answer_then_see_each_other_side_by_side(client, couple, partner_a, partner_b, reflection):
    client.force_login(partner_a)
    assert client.get(url(reflection)).status_code == 200
    response = client.post(url(reflection), answers(reflection, MARK_A))
    assert response.status_code == 302
    page = text(client.get(url(reflection)))
    assert MARK_A in page and "stay private until" in page

    client.force_login(partner_b)
    assert MARK_A not in every_way_in(client, reflection)
    client.post(url(reflection), answers(reflection, MARK_B))
    page = text(client.get(url(reflection)))
    assert MARK_A in page and MARK_B in page

    client.force_login(partner_a)
    page = text(client.get(url(reflection)))
    assert MARK_A in page and MARK_B in page
    assert Run.objects.get(couple=couple, exercise=reflection).revealed_at is not None


def test_no_peeking_at_a_submitted_partner_through_any_url(client, couple, partner_a, partner_b, reflection):
    client.force_login(partner_a)
    client.post(url(reflection), answers(reflection, MARK_A))
    client.force_login(partner_b)
    client.post(reverse("exercises:autosave", args=[reflection.slug]), answers(reflection, "draft only"))
    assert MARK_A not in every_way_in(client, reflection)
    assert client.get(reverse("exercises:revise", args=[reflection.slug, steps(reflection)[1].pk])).status_code == 404


def test_drafts_autosave_and_come_back(client, couple, partner_a, reflection):
    client.force_login(partner_a)
    saved = client.post(
        reverse("exercises:autosave", args=[reflection.slug]),
        {"version": reflection.version, f"step_{steps(reflection)[1].pk}": "half a thought"},
        HTTP_HX_REQUEST="true",
    )
    assert saved.status_code == 200 and "Draft saved" in text(saved)
    # Closing the tab loses nothing: the next visit shows the draft.
    assert "half a thought" in text(client.get(url(reflection)))
    response = Response.objects.get(user=partner_a)
    assert response.submitted_at is None


def test_double_submit_creates_one_answer_set(client, couple, partner_a, reflection):
    client.force_login(partner_a)
    client.post(url(reflection), answers(reflection, "first"))
    client.post(url(reflection), answers(reflection, "second"))
    assert Response.objects.filter(user=partner_a).count() == 1
    assert Answer.objects.filter(response__user=partner_a, step=steps(reflection)[1]).get().value == "first"


def test_missing_and_overlong_answers_are_explained_and_kept(client, couple, partner_a, reflection):
    client.force_login(partner_a)
    data = answers(reflection, "x" * 5001)
    data.pop(f"step_{steps(reflection)[3].pk}")
    response = client.post(url(reflection), data)
    assert response.status_code == 400
    body = text(response)
    assert "at most 5000 characters" in body
    assert "This field is required" in body
    assert "x" * 5001 in body
    assert not Response.objects.filter(user=partner_a, submitted_at__isnull=False).exists()


def test_a_stale_form_keeps_the_words_and_shows_the_new_questions(client, couple, partner_a, reflection):
    client.force_login(partner_a)
    client.get(url(reflection))  # the page is open; nothing is saved yet
    data = answers(reflection, "words written while staff edited")
    old = steps(reflection)[1]
    changed = content_versions.step_change(old, prompt="What happened, said in a new way?")
    content_versions.publish(reflection)  # staff published a new wording while the page was open
    response = client.post(url(reflection), data)
    assert response.status_code == 400
    body = text(response)
    assert "updated while you were writing" in body
    assert "words written while staff edited" in body
    assert "said in a new way" in body
    assert f'name="step_{changed.pk}"' in body  # the words sit under the new question
    reflection.refresh_from_db()
    data["version"] = reflection.version
    data[f"step_{changed.pk}"] = data.pop(f"step_{old.pk}")
    assert client.post(url(reflection), data).status_code == 302


def test_revisions_after_reveal_keep_history(client, couple, partner_a, partner_b, reflection):
    for person, words in ((partner_a, "first version"), (partner_b, "B's answer")):
        client.force_login(person)
        client.post(url(reflection), answers(reflection, words))
    client.force_login(partner_a)
    step = steps(reflection)[1]
    revise = reverse("exercises:revise", args=[reflection.slug, step.pk])
    assert "first version" in text(client.get(revise))
    assert client.post(revise, {f"step_{step.pk}": ""}).status_code == 400  # required
    assert client.post(revise, {f"step_{step.pk}": "second version"}).status_code == 302
    rows = list(Answer.objects.filter(response__user=partner_a, step=step).order_by("revision"))
    assert [(a.revision, a.value) for a in rows] == [(1, "first version"), (2, "second version")]
    client.force_login(partner_b)
    page = text(client.get(url(reflection)))
    assert "second version" in page and "Earlier versions" in page and "first version" in page


def test_revising_is_closed_before_the_reveal(client, couple, partner_a, reflection):
    client.force_login(partner_a)
    client.post(url(reflection), answers(reflection, "mine"))
    step = steps(reflection)[1]
    response = client.post(reverse("exercises:revise", args=[reflection.slug, step.pk]), {f"step_{step.pk}": "sneaky"})
    assert response.status_code == 404
    assert not Answer.objects.filter(value="sneaky").exists()


def test_answers_keep_the_question_they_answered(client, couple, partner_a, partner_b, reflection):
    for person in (partner_a, partner_b):
        client.force_login(person)
        client.post(url(reflection), answers(reflection, "an answer"))
    step = steps(reflection)[1]
    step.prompt = "A completely rewritten question"
    step.save()
    answer = Answer.objects.filter(step=step).first()
    assert answer.prompt_snapshot == "What happened, in your words?"
    page = text(client.get(url(reflection)))
    assert "What happened, in your words?" in page
    assert "A completely rewritten question" not in page


def test_staff_wording_change_reaches_an_unanswered_page(client, couple, partner_a, reflection):
    client.force_login(partner_a)
    step = steps(reflection)[1]
    step.prompt = "Freshly worded by staff"
    step.save()
    reflection.introduction = "A **new** introduction"
    reflection.save()
    page = client.get(url(reflection)).content.decode()
    assert "Freshly worded by staff" in page
    assert "A <strong>new</strong> introduction" in page


def test_markdown_in_content_is_sanitised(client, couple, partner_a):
    exercise = ExerciseFactory(introduction="Hello <script>alert('x')</script> <img src=x onerror=alert(1)>")
    StepFactory(exercise=exercise, prompt="Be **gentle** <script>alert(2)</script>", answer_type="instruction")
    client.force_login(partner_a)
    body = client.get(url(exercise)).content.decode()
    assert "<script>alert(" not in body
    assert "onerror" not in body
    assert "<strong>gentle</strong>" in body


def test_one_sided_exercise_for_the_hurt_partner(client, couple, partner_a, partner_b):
    from tests.couple.conftest import onboard

    onboard(couple, partner_a, roles={"infidelity": "hurt"})
    onboard(couple, partner_b, roles={"infidelity": "caused"})
    exercise = ExerciseFactory(audience=Audience.HURT)
    step = StepFactory(exercise=exercise, prompt="What do you carry?")
    client.force_login(partner_b)
    page = text(client.get(url(exercise)))
    assert "This one is for" in page
    denied = client.post(
        url(exercise), {"version": exercise.version, "visibility": "couple", f"step_{step.pk}": "not mine"}
    )
    assert denied.status_code == 403
    assert not Answer.objects.filter(value="not mine").exists()
    client.force_login(partner_a)
    client.post(url(exercise), {"version": exercise.version, "visibility": "couple", f"step_{step.pk}": MARK_A})
    client.force_login(partner_b)
    assert MARK_A in text(client.get(url(exercise)))


def test_unpublished_exercises_are_not_found(client, couple, partner_a):
    draft = ExerciseFactory(status="draft")
    client.force_login(partner_a)
    assert client.get(url(draft)).status_code == 404


def count_queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx)


def test_exercise_page_and_dashboard_use_constant_queries(client, couple, partner_a, partner_b, reflection):
    for person in (partner_a, partner_b):
        client.force_login(person)
        client.post(url(reflection), answers(reflection, "v1"))
    step = steps(reflection)[1]
    revise = reverse("exercises:revise", args=[reflection.slug, step.pk])
    client.force_login(partner_a)
    pages = [url(reflection), reverse("couple:dashboard"), reverse("exercises:index")]
    few = {page: count_queries(lambda page=page: client.get(page)) for page in pages}
    for n in range(30):
        client.post(revise, {f"step_{step.pk}": f"v{n + 2}"})
    for extra in range(5):  # more exercises answered, too
        other = exercise_with_steps(module=reflection.module)
        client.post(url(other), answers(other, f"more {extra}"))
    many = {page: count_queries(lambda page=page: client.get(page)) for page in pages}
    assert many == few
