"""Progress per exercise and module, unlocking, and the aftermath and inner-world flows."""

import html

import pytest
from django.urls import reverse

from exercises.models import Module, ModuleUnlock, Run
from exercises.models.choices import Audience, Kind
from exercises.progress import Status, progress_for
from exercises.services import paired
from tests.exercises.factories import ExerciseFactory, ModuleFactory, StepFactory

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def submit(exercise, user, words="words", run=None):
    run = run or paired.run_get_or_create(couple=user_couple(user), exercise=exercise)
    step = exercise.steps.first()
    return paired.response_submit(run=run, user=user, answers={step.pk: (words, None)}, visibility="couple")


def user_couple(user):
    from accounts.scoping import couple_for

    return couple_for(user)


@pytest.fixture
def curriculum(db):
    atone = ModuleFactory(slug="atone", order=1, unlock_rule=Module.Unlock.OPEN)
    attune = ModuleFactory(slug="attune", order=2, unlock_rule=Module.Unlock.AFTER_PREVIOUS)
    first = ExerciseFactory(module=atone, slug="first", required=True)
    optional = ExerciseFactory(module=atone, slug="optional", required=False)
    later = ExerciseFactory(module=attune, slug="later")
    for exercise in (first, optional, later):
        StepFactory(exercise=exercise, prompt=f"{exercise.slug}?")
    return {"atone": atone, "attune": attune, "first": first, "optional": optional, "later": later}


def test_statuses_move_from_not_started_to_complete(couple, partner_a, partner_b, curriculum):
    first = curriculum["first"]
    assert progress_for(couple=couple, user=partner_a).by_exercise[first.pk].status == Status.NOT_STARTED
    paired.draft_save(run=paired.run_get_or_create(couple=couple, exercise=first), user=partner_a, answers={})
    assert progress_for(couple=couple, user=partner_a).by_exercise[first.pk].status == Status.IN_PROGRESS
    submit(first, partner_a)
    assert progress_for(couple=couple, user=partner_a).by_exercise[first.pk].status == Status.WAITING
    assert progress_for(couple=couple, user=partner_b).by_exercise[first.pk].status == Status.IN_PROGRESS
    submit(first, partner_b)
    for person in (partner_a, partner_b):
        assert progress_for(couple=couple, user=person).by_exercise[first.pk].status == Status.COMPLETE


def test_attune_unlocks_when_atones_required_exercises_are_done(client, couple, partner_a, partner_b, curriculum):
    client.force_login(partner_a)
    later_url = reverse("exercises:detail", args=["later"])
    assert "opens once you have finished" in text(client.get(later_url))
    assert not Run.objects.filter(exercise=curriculum["later"]).exists()
    submit(curriculum["first"], partner_a)
    submit(curriculum["first"], partner_b)  # the optional one stays untouched
    progress = progress_for(couple=couple, user=partner_a)
    assert [m.done for m in progress.modules] == [True, False]
    assert progress.is_unlocked(curriculum["later"])
    assert "later?" in text(client.get(later_url))
    assert progress.current_stage.key == "acknowledge"  # attune's stage comes from its own module


def test_staff_can_open_a_module_for_everyone(client, couple, partner_a, curriculum):
    attune = curriculum["attune"]
    attune.unlock_rule = Module.Unlock.OPEN
    attune.save()
    assert progress_for(couple=couple, user=partner_a).is_unlocked(curriculum["later"])


def test_an_early_unlock_opens_a_module_for_one_couple_only(couple, other_couple, partner_a, outsider, curriculum):
    ModuleUnlock.objects.create(couple=couple, module=curriculum["attune"])
    assert progress_for(couple=couple, user=partner_a).is_unlocked(curriculum["later"])
    assert not progress_for(couple=other_couple, user=outsider).is_unlocked(curriculum["later"])


def test_exercises_for_a_role_nobody_has_do_not_block_a_module(couple, partner_a, partner_b):
    from tests.couple.conftest import onboard

    onboard(couple, partner_a, roles={"neglect": "hurt"})
    onboard(couple, partner_b, roles={"neglect": "hurt"})
    module = ModuleFactory(unlock_rule=Module.Unlock.OPEN)
    shared = ExerciseFactory(module=module)
    ExerciseFactory(module=module, audience=Audience.CAUSED)
    StepFactory(exercise=shared)
    submit(shared, partner_a)
    submit(shared, partner_b)
    assert progress_for(couple=couple, user=partner_a).modules[-1].done


def test_dashboard_shows_next_step_and_what_waits_for_whom(client, couple, partner_a, partner_b, curriculum):
    from tests.couple.conftest import onboard

    onboard(couple, partner_a)
    onboard(couple, partner_b)
    client.force_login(partner_a)
    page = text(client.get(reverse("couple:dashboard")))
    assert f"Next: {curriculum['first'].title}" in page
    submit(curriculum["first"], partner_a)
    client.force_login(partner_b)
    page = text(client.get(reverse("couple:dashboard")))
    assert "Waiting for you" in page and curriculum["first"].title in page
    client.force_login(partner_a)
    page = text(client.get(reverse("couple:dashboard")))
    waiting_for_partner = page.split("Waiting for", 2)[2]
    assert curriculum["first"].title in waiting_for_partner


def test_aftermath_flow_from_incident_to_joint_note(client, couple, partner_a, partner_b):
    exercise = ExerciseFactory(kind=Kind.AFTERMATH, slug="aftermath", module=ModuleFactory())
    feelings = StepFactory(
        exercise=exercise,
        prompt="What did you feel?",
        answer_type="multiple_choice",
        choices=["hurt", "lonely", "defensive"],
    )
    need = StepFactory(exercise=exercise, prompt="What do you need to move on?")
    client.force_login(partner_a)
    bad = client.post(reverse("exercises:detail", args=["aftermath"]), {"title": ""})
    assert bad.status_code == 400
    created = client.post(reverse("exercises:detail", args=["aftermath"]), {"title": "The Sunday plans"})
    run = next(r for r in Run.objects.filter(incident__isnull=False) if r.incident.title == "The Sunday plans")
    assert created.url == reverse("exercises:incident", args=[run.incident_id])
    data = {
        "version": exercise.version,
        "visibility": "couple",
        f"step_{feelings.pk}": ["hurt", "lonely"],
        f"step_{need.pk}": "A-NEED",
    }
    assert client.post(created.url, data).status_code == 302
    note_url = reverse("exercises:incident_note", args=[run.incident_id])
    assert client.post(note_url, {"text": "too early"}).status_code == 302
    run.refresh_from_db()
    assert run.joint_note == ""  # the note opens only after both answered

    client.force_login(partner_b)
    assert "A-NEED" not in text(client.get(created.url))
    data[f"step_{need.pk}"] = "B-NEED"
    data[f"step_{feelings.pk}"] = ["defensive"]
    client.post(created.url, data)
    page = text(client.get(created.url))
    assert "A-NEED" in page and "B-NEED" in page and "lonely" in page
    assert client.post(note_url, {"text": "Pause for ten minutes, then come back."}).status_code == 302
    client.force_login(partner_a)
    assert "Pause for ten minutes" in text(client.get(created.url))
    assert "The Sunday plans" in text(client.get(reverse("exercises:detail", args=["aftermath"])))


def test_inner_world_compares_guesses(client, couple, partner_a, partner_b):
    exercise = ExerciseFactory(kind=Kind.INNER_WORLD, slug="inner", module=ModuleFactory())
    fear = StepFactory(exercise=exercise, prompt="Your biggest fear?", answer_type="short_text", ask_guess=True)
    url = reverse("exercises:detail", args=["inner"])
    client.force_login(partner_a)
    page = text(client.get(url))
    assert "Your guess of your partner" in page
    client.post(
        url,
        {
            "version": exercise.version,
            "visibility": "couple",
            f"step_{fear.pk}": "being left",
            f"step_{fear.pk}_guess": "Heights",
        },
    )
    client.force_login(partner_b)
    client.post(
        url,
        {
            "version": exercise.version,
            "visibility": "couple",
            f"step_{fear.pk}": "heights",
            f"step_{fear.pk}_guess": "being lied to",
        },
    )
    page = text(client.get(url))
    assert "You knew" not in page  # B guessed "being lied to", A said "being left"
    assert "A surprise" in page
    client.force_login(partner_a)
    assert "You knew" in text(client.get(url))  # A guessed heights: case does not matter


def test_dashboard_lists_what_the_ongoing_flows_wait_for(client, couple, partner_a, partner_b):
    from exercises.services.appreciations import appreciation_send
    from exercises.services.questions import question_ask

    question_ask(couple=couple, asker=partner_a, text="Where were you that night?", visibility="couple")
    appreciation_send(
        couple=couple, sender=partner_a, kind="effort", text="Thank you for listening.", visibility="couple"
    )
    client.force_login(partner_b)
    page = text(client.get(reverse("couple:dashboard")))
    assert "1 question waiting for your answer" in page
    assert "1 new appreciation from your partner" in page
    client.force_login(partner_a)
    page = text(client.get(reverse("couple:dashboard")))
    assert "question waiting" not in page and "new appreciation" not in page
