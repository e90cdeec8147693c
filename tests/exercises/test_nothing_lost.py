"""Nothing typed is lost: a tab that is behind is told and keeps its words; repeats add nothing."""

import html
import threading
import time

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from exercises.models import Answer, Incident, Response, Run
from exercises.models.choices import Kind
from exercises.services import paired
from tests.exercises.factories import ExerciseFactory, ModuleFactory, StepFactory
from tests.exercises.test_paired import answers, steps, url

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def autosave(client, exercise, data):
    return client.post(reverse("exercises:autosave", args=[exercise.slug]), data, HTTP_HX_REQUEST="true")


def stored(user, exercise) -> str:
    return Answer.objects.filter(response__user=user, step=steps(exercise)[1]).latest("revision").value


def test_a_second_tab_after_submitting_says_so_and_keeps_its_words(client, couple, partner_a, reflection):
    client.force_login(partner_a)
    assert client.post(url(reflection), {**answers(reflection, "sent from tab one"), "draft": 0}).status_code == 302

    # Tab two was opened before; its person goes on typing.
    typed = {**answers(reflection, "more words in tab two"), "draft": 0}
    saved = autosave(client, reflection, typed)
    assert saved.status_code == 409
    assert "Not saved" in text(saved) and "already sent" in text(saved)
    assert "Draft saved" not in text(saved)

    sent = client.post(url(reflection), typed)
    assert sent.status_code == 409
    body = text(sent)
    assert "already sent your answers" in body
    assert "more words in tab two" in body  # every word kept on the page to copy
    assert "I’m done" not in body  # and no button that would fail again
    assert stored(partner_a, reflection) == "sent from tab one"
    assert Answer.objects.filter(response__user=partner_a).count() == 3


def test_a_tab_behind_another_tabs_draft_does_not_overwrite_it(client, couple, partner_a, reflection):
    client.force_login(partner_a)
    first = autosave(client, reflection, {**answers(reflection, "newest words, tab one"), "draft": 0, "tab": "one"})
    assert first.status_code == 200 and 'name="draft" value="1"' in text(first)

    behind = {**answers(reflection, "older words, tab two"), "draft": 0, "tab": "two"}
    refused = autosave(client, reflection, behind)
    assert refused.status_code == 409 and "changed in another tab" in text(refused)
    assert stored(partner_a, reflection) == "newest words, tab one"

    sent = client.post(url(reflection), behind)
    assert sent.status_code == 409
    assert "older words, tab two" in text(sent) and "changed in another tab" in text(sent)
    assert Response.objects.get(user=partner_a).submitted_at is None
    # Having looked, the person may send this tab's words: the page now knows the newest draft.
    assert 'name="draft" value="1"' in text(sent)
    assert client.post(url(reflection), {**behind, "draft": 1}).status_code == 302
    assert stored(partner_a, reflection) == "older words, tab two"


def test_a_tabs_own_unanswered_autosave_is_not_a_conflict(client, couple, partner_a, reflection):
    client.force_login(partner_a)
    typed = {**answers(reflection, "the first words"), "draft": 0, "tab": "one"}
    assert autosave(client, reflection, typed).status_code == 200  # the blur, racing the click
    data = {**answers(reflection, "the first words, and more"), "draft": 0, "tab": "one"}
    assert client.post(url(reflection), data).status_code == 302  # the page had not heard back: still draft 0
    assert stored(partner_a, reflection) == "the first words, and more"
    assert autosave(client, reflection, data).status_code == 200  # a late blur after submitting
    assert Response.objects.get(user=partner_a).submitted_at is not None


def test_a_double_submit_is_one_submission(client, couple, partner_a, reflection):
    client.force_login(partner_a)
    data = {**answers(reflection, "once"), "draft": 0}
    assert client.post(url(reflection), data).status_code == 302
    assert client.post(url(reflection), data).status_code == 302
    assert Answer.objects.filter(response__user=partner_a).count() == 3


def test_saving_a_revision_without_a_change_adds_no_version(client, couple, partner_a, partner_b, reflection):
    for person, words in ((partner_a, "my answer"), (partner_b, "theirs")):
        client.force_login(person)
        client.post(url(reflection), answers(reflection, words))
    client.force_login(partner_a)
    step = steps(reflection)[1]
    revise = reverse("exercises:revise", args=[reflection.slug, step.pk])
    unchanged = client.post(revise, {f"step_{step.pk}": "my answer"}, follow=True)
    assert "Nothing changed" in text(unchanged)
    for _ in range(2):  # a real change, double-clicked
        client.post(revise, {f"step_{step.pk}": "my answer, said better"})
    values = [(a.value,) for a in Answer.objects.filter(response__user=partner_a, step=step).order_by("revision")]
    assert values == [("my answer",), ("my answer, said better",)]


def test_a_double_click_on_a_new_incident_opens_one(client, couple, partner_a):
    exercise = ExerciseFactory(kind=Kind.AFTERMATH, slug="aftermath", module=ModuleFactory())
    StepFactory(exercise=exercise, prompt="What did you feel?")
    client.force_login(partner_a)
    start = reverse("exercises:detail", args=["aftermath"])
    first = client.post(start, {"title": "The Sunday plans"})
    second = client.post(start, {"title": "The Sunday plans"})
    assert first.url == second.url
    assert Incident.objects.filter(couple=couple).count() == 1
    # The same title later, or another one, is a new incident.
    client.post(start, {"title": "The phone call"})
    assert Run.objects.filter(couple=couple, incident__isnull=False).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_first_autosave_racing_the_submit_does_not_deadlock(couple, partner_a, reflection):
    """The blur autosave and "I'm done" arrive together on a page never saved before.

    The submit locks the run and then creates the response; a draft save that
    created the response first and only then waited for the run deadlocked
    with it (seen in the browser test under four workers). Every writer now
    takes the run before the response.
    """
    run = paired.run_get_or_create(couple=couple, exercise=reflection)
    step = steps(reflection)[1]
    failures: list[Exception] = []
    run_locked = threading.Event()

    def submit_side():
        try:
            with transaction.atomic():  # response_submit's own order: the run, then the response
                Run.objects.select_for_update().get(pk=run.pk)
                run_locked.set()
                time.sleep(0.5)  # the autosave reaches the database meanwhile
                paired.response_get_or_create(run=run, user=partner_a)
        except DatabaseError as error:
            failures.append(error)
        finally:
            connection.close()

    def autosave_side():
        run_locked.wait()
        try:
            paired.draft_save(run=run, user=partner_a, answers={step.pk: ("typed before the click", None)})
        except DatabaseError as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit_side), threading.Thread(target=autosave_side)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert stored(partner_a, reflection) == "typed before the click"
