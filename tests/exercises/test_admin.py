"""Staff edit the curriculum in the admin; partners' writing never appears there."""

import html

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse

from exercises.content_versions import draft_steps, draft_text, has_draft_changes, published_steps
from exercises.models import (
    Agreement,
    Answer,
    Appreciation,
    Exercise,
    Incident,
    Module,
    Question,
    Response,
    Ritual,
    Run,
    Statement,
    Step,
)
from exercises.models.choices import AnswerType, Kind
from tests.factories import UserFactory
from tests.helpers import parse_html, staff_login

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def staff(db):
    return UserFactory(verified=True, email="staff@example.test", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(client, staff):
    staff_login(client, staff)
    return client


@pytest.fixture
def curriculum(db):
    call_command("load_curriculum", verbosity=0)


def admin_url(name: str, *args) -> str:
    return reverse(f"admin:exercises_{name}", args=args)


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def change_form_data(exercise: Exercise, **overrides) -> dict:
    """Everything the exercise change page would post back, unchanged, with ``overrides`` applied."""
    data = {
        "module": exercise.module_id,
        "title": draft_text(exercise)["title"],
        "order": exercise.order,
        "kind": exercise.kind,
        "audience": exercise.audience,
        "introduction": draft_text(exercise)["introduction"],
        "estimated_minutes": exercise.estimated_minutes,
        "status": exercise.status,
        "steps-TOTAL_FORMS": len(draft_steps(exercise)),
        "steps-INITIAL_FORMS": len(draft_steps(exercise)),
        "steps-MIN_NUM_FORMS": 0,
        "steps-MAX_NUM_FORMS": 1000,
    }
    if exercise.required:
        data["required"] = "on"
    for i, step in enumerate(draft_steps(exercise)):
        prefix = f"steps-{i}-"
        data |= {
            f"{prefix}id": step.pk,
            f"{prefix}exercise": exercise.pk,
            f"{prefix}order": step.order,
            f"{prefix}prompt": step.prompt,
            f"{prefix}help_text": step.help_text,
            f"{prefix}answer_type": step.answer_type,
            f"{prefix}choices": "\n".join(step.choices),
        }
        if step.required:
            data[f"{prefix}required"] = "on"
        if step.ask_guess:
            data[f"{prefix}ask_guess"] = "on"
    return data | overrides


# --- Pages load ----------------------------------------------------------------------------


def test_changelists_and_change_pages_load_for_staff(staff_client, curriculum):
    module = Module.objects.get(slug="atone")
    exercise = Exercise.objects.get(slug="aftermath-of-a-fight")
    urls = [
        admin_url("module_changelist"),
        admin_url("module_change", module.pk),
        admin_url("module_add"),
        admin_url("exercise_changelist"),
        admin_url("exercise_change", exercise.pk),
        admin_url("exercise_add"),
    ]
    for url in urls:
        assert staff_client.get(url).status_code == 200, url


def test_module_page_lists_its_exercises_inline(staff_client, curriculum):
    module = Module.objects.get(slug="atone")
    text = page_text(staff_client.get(admin_url("module_change", module.pk)))
    for exercise in module.exercises.all():
        assert exercise.title in text


def test_exercise_changelist_filters_and_searches_step_prompts(staff_client, curriculum):
    response = staff_client.get(admin_url("exercise_changelist"), {"kind": Kind.AFTERMATH})
    assert list(response.context["cl"].queryset) == [Exercise.objects.get(kind=Kind.AFTERMATH)]

    response = staff_client.get(admin_url("exercise_changelist"), {"q": "set it off"})
    assert [e.slug for e in response.context["cl"].queryset] == ["aftermath-of-a-fight"]


def test_partners_writing_is_not_in_the_admin():
    for model in (Run, Response, Answer, Statement, Question, Agreement, Ritual, Appreciation, Incident):
        assert not admin.site.is_registered(model), model.__name__


# --- Who gets in ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["partner_a", "outsider"])
def test_non_staff_are_sent_to_the_admin_login(client, curriculum, request, who):
    client.force_login(request.getfixturevalue(who))
    exercise = Exercise.objects.first()
    for url in (
        admin_url("exercise_changelist"),
        admin_url("module_changelist"),
        admin_url("exercise_change", exercise.pk),
        admin_url("exercise_preview", exercise.pk),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url


def test_anonymous_visitors_are_sent_to_the_admin_login(client, curriculum):
    response = client.get(admin_url("exercise_preview", Exercise.objects.first().pk))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_staff_without_permission_on_exercises_cannot_preview(client, curriculum):
    clerk = UserFactory(is_staff=True)
    staff_login(client, clerk)
    url = admin_url("exercise_preview", Exercise.objects.first().pk)
    assert client.get(url).status_code == 403

    clerk.user_permissions.add(Permission.objects.get(codename="view_exercise"))
    assert client.get(url).status_code == 200


def test_preview_of_a_missing_exercise_is_404(staff_client):
    assert staff_client.get(admin_url("exercise_preview", 999999)).status_code == 404


# --- Publish / unpublish ----------------------------------------------------------------------


def test_publish_and_unpublish_actions(staff_client, curriculum):
    chosen = list(Exercise.objects.filter(module__slug="attach").values_list("pk", flat=True))
    versions = dict(Exercise.objects.values_list("pk", "version"))

    response = staff_client.post(
        admin_url("exercise_changelist"), {"action": "unpublish", "_selected_action": chosen}, follow=True
    )
    assert set(Exercise.objects.filter(pk__in=chosen).values_list("status", flat=True)) == {"draft"}
    assert f"{len(chosen)} exercises set to draft." in page_text(response)
    assert Exercise.objects.published().filter(module__slug="attach").count() == 0

    one = chosen[:1]
    response = staff_client.post(
        admin_url("exercise_changelist"), {"action": "publish", "_selected_action": chosen}, follow=True
    )
    assert set(Exercise.objects.filter(pk__in=chosen).values_list("status", flat=True)) == {"published"}
    assert f"{len(chosen)} exercises set to published." in page_text(response)

    response = staff_client.post(
        admin_url("exercise_changelist"), {"action": "publish", "_selected_action": one}, follow=True
    )
    assert "0 exercises set to published. 1 already was published." in page_text(response)
    # Status is who may see it, not what it asks: partners' open forms don't go stale.
    assert dict(Exercise.objects.values_list("pk", "version")) == versions


def test_publishing_into_an_unpublished_module_warns(staff_client, curriculum):
    Module.objects.filter(slug="attune").update(published=False)
    exercise = Exercise.objects.filter(module__slug="attune").first()
    exercise.status = Exercise.Status.DRAFT
    exercise.save()
    response = staff_client.post(
        admin_url("exercise_changelist"), {"action": "publish", "_selected_action": [exercise.pk]}, follow=True
    )
    assert "in an unpublished module" in page_text(response)


# --- Editing --------------------------------------------------------------------------------


def test_step_edits_wait_in_the_draft_until_published(staff_client, curriculum):
    exercise = Exercise.objects.get(slug="appreciations")
    version = exercise.version
    before = [s.prompt for s in published_steps(exercise)]
    index = [s.order for s in draft_steps(exercise)].index(3)
    data = change_form_data(exercise, title="Saying thank you", **{f"steps-{index}-prompt": "Write it here."})

    response = staff_client.post(admin_url("exercise_change", exercise.pk), data, follow=True)

    assert response.status_code == 200, response.context["adminform"].form.errors if response.context else ""
    assert "saved as a draft" in page_text(response)
    exercise = Exercise.objects.prefetch_related("steps").get(pk=exercise.pk)
    assert exercise.title != "Saying thank you" and exercise.draft_title == "Saying thank you"
    assert [s.prompt for s in published_steps(exercise)] == before  # couples still meet the published words
    assert next(s for s in draft_steps(exercise) if s.order == 3).prompt == "Write it here."
    assert "Write it here." in page_text(staff_client.get(admin_url("exercise_preview", exercise.pk)))
    assert exercise.version == version

    staff_client.post(admin_url("exercise_changelist"), {"action": "publish", "_selected_action": [exercise.pk]})
    exercise = Exercise.objects.prefetch_related("steps").get(pk=exercise.pk)
    assert exercise.version == version + 1
    assert exercise.title == "Saying thank you" and exercise.draft_title == ""
    assert next(s for s in published_steps(exercise) if s.order == 3).prompt == "Write it here."
    # ...and a plain load_curriculum keeps the staff's wording.
    call_command("load_curriculum", verbosity=0)
    assert Exercise.objects.get(slug="appreciations").title == "Saying thank you"


def test_unpublished_step_changes_can_be_discarded(staff_client, curriculum):
    exercise = Exercise.objects.prefetch_related("steps").get(slug="appreciations")
    before = [(s.order, s.prompt) for s in draft_steps(exercise)]
    data = change_form_data(exercise, **{"steps-0-prompt": "A wording staff regret", "steps-1-DELETE": "on"})
    assert staff_client.post(admin_url("exercise_change", exercise.pk), data).status_code == 302
    listing = page_text(staff_client.get(admin_url("exercise_changelist")))
    assert "Unpublished changes" in listing
    staff_client.post(admin_url("exercise_changelist"), {"action": "discard_draft", "_selected_action": [exercise.pk]})
    exercise = Exercise.objects.prefetch_related("steps").get(pk=exercise.pk)
    assert [(s.order, s.prompt) for s in draft_steps(exercise)] == before
    assert not has_draft_changes(exercise)


def test_title_and_introduction_wait_in_the_draft_until_published(staff_client, curriculum):
    exercise = Exercise.objects.get(slug="appreciations")
    published = (exercise.title, exercise.introduction)
    data = change_form_data(exercise, title="A new title staff try", introduction="A gentler *introduction*.")
    assert staff_client.post(admin_url("exercise_change", exercise.pk), data).status_code == 302

    exercise.refresh_from_db()
    assert (exercise.title, exercise.introduction) == published  # couples and lists still read these
    assert has_draft_changes(exercise)
    form = page_text(staff_client.get(admin_url("exercise_change", exercise.pk)))
    assert "A new title staff try" in form and "A gentler *introduction*." in form  # staff go on editing the draft
    preview = page_text(staff_client.get(admin_url("exercise_preview", exercise.pk)))
    assert "A new title staff try" in preview and "gentler" in preview
    assert "A new title staff try" not in page_text(staff_client.get(admin_url("exercise_changelist")))

    # Typing the published words back is no change at all.
    back = change_form_data(exercise, title=published[0], introduction=published[1])
    assert staff_client.post(admin_url("exercise_change", exercise.pk), back).status_code == 302
    exercise.refresh_from_db()
    assert not has_draft_changes(exercise)

    assert staff_client.post(admin_url("exercise_change", exercise.pk), data).status_code == 302
    staff_client.post(admin_url("exercise_changelist"), {"action": "discard_draft", "_selected_action": [exercise.pk]})
    exercise.refresh_from_db()
    assert (exercise.title, exercise.introduction, exercise.draft_title) == (*published, "")

    assert staff_client.post(admin_url("exercise_change", exercise.pk), data).status_code == 302
    staff_client.post(admin_url("exercise_changelist"), {"action": "publish", "_selected_action": [exercise.pk]})
    exercise.refresh_from_db()
    assert (exercise.title, exercise.introduction) == ("A new title staff try", "A gentler *introduction*.")
    assert not has_draft_changes(exercise)


def test_choice_options_are_edited_one_per_line(staff_client, curriculum):
    exercise = Exercise.objects.get(slug="appreciations")
    step = exercise.steps.get(answer_type=AnswerType.SINGLE_CHOICE)
    index = draft_steps(exercise).index(step)
    data = change_form_data(exercise, **{f"steps-{index}-choices": "  Today  \n\nAn effort\nAdmiration\n"})

    response = staff_client.post(admin_url("exercise_change", exercise.pk), data)

    assert response.status_code == 302
    step = exercise.steps.get(order=step.order, until__isnull=True)
    assert step.choices == ["Today", "An effort", "Admiration"]


@pytest.mark.parametrize(
    ("answer_type", "choices", "message"),
    [
        ("single_choice", "Only one", "A single choice step needs at least two options."),
        ("checklist", "", "A checklist step needs at least two options."),
        ("multiple_choice", "Same\nSame", "Each option must be different from the others."),
        ("long_text", "Stray\nOptions", "A long text step has no options"),
    ],
)
def test_step_options_are_checked_with_a_clear_message(staff_client, curriculum, answer_type, choices, message):
    exercise = Exercise.objects.get(slug="appreciations")
    before = list(exercise.steps.values_list("answer_type", "choices", "since", "until"))
    data = change_form_data(exercise, **{"steps-1-answer_type": answer_type, "steps-1-choices": choices})

    response = staff_client.post(admin_url("exercise_change", exercise.pk), data)

    assert response.status_code == 200
    assert message in page_text(response)
    assert list(exercise.steps.values_list("answer_type", "choices", "since", "until")) == before


def test_two_steps_with_the_same_order_are_refused(staff_client, curriculum):
    exercise = Exercise.objects.get(slug="appreciations")
    response = staff_client.post(
        admin_url("exercise_change", exercise.pk), change_form_data(exercise, **{"steps-1-order": 1})
    )
    assert response.status_code == 200
    assert "Two steps have order 1." in page_text(response)


def test_a_new_step_is_added_from_the_exercise_page(staff_client, curriculum):
    exercise = Exercise.objects.get(slug="appreciations")
    data = change_form_data(exercise)
    n = exercise.steps.count()
    data |= {
        "steps-TOTAL_FORMS": n + 1,
        f"steps-{n}-exercise": exercise.pk,
        f"steps-{n}-order": 10,
        f"steps-{n}-prompt": "How did sending it feel?",
        f"steps-{n}-answer_type": "scale",
        f"steps-{n}-choices": "",
    }
    response = staff_client.post(admin_url("exercise_change", exercise.pk), data)
    assert response.status_code == 302
    assert exercise.steps.get(order=10).answer_type == "scale"


def test_module_stages_are_ticked_not_typed(staff_client, curriculum):
    module = Module.objects.get(slug="attach")
    response = staff_client.get(admin_url("module_change", module.pk))
    doc = parse_html(response.content)
    ticked = {n.attrs["value"] for n in doc.find_all("input", name="stages") if "checked" in n.attrs}
    assert ticked == {"commit", "reconnect"}

    data = {
        "title": module.title,
        "order": module.order,
        "stages": ["reconnect", "acknowledge"],
        "summary": module.summary,
        "unlock_rule": module.unlock_rule,
        "published": "on",
        "exercises-TOTAL_FORMS": 0,
        "exercises-INITIAL_FORMS": 0,
        "exercises-MIN_NUM_FORMS": 0,
        "exercises-MAX_NUM_FORMS": 1000,
    }
    assert staff_client.post(admin_url("module_change", module.pk), data).status_code == 302
    module.refresh_from_db()
    assert module.stages == ["acknowledge", "reconnect"]  # in the order of the stages, whatever the click order
    assert module.slug == "attach"  # fixed once saved


# --- Preview -------------------------------------------------------------------------------


def test_preview_shows_the_introduction_and_every_step(staff_client, curriculum):
    exercise = Exercise.objects.get(slug="inner-world-fears")
    response = staff_client.get(admin_url("exercise_preview", exercise.pk))
    assert response.status_code == 200
    text = page_text(response)
    first_paragraph = exercise.introduction.split("\n\n")[0]
    assert first_paragraph in text
    for step in exercise.steps.all():
        assert step.prompt in text
        for choice in step.choices:
            assert choice in text
    assert "Your guess of your partner's answer" in text
    # Fields are shown as the partner sees them, but nothing can be filled in here.
    doc = parse_html(response.content)
    controls = doc.find_all(predicate=lambda n: n.tag in {"input", "textarea", "select"} and n.attrs.get("name"))
    named = [c for c in controls if c.attrs["name"].startswith("step_")]
    assert named
    assert all("disabled" in c.attrs for c in named)


def test_preview_renders_markdown_and_instruction_steps(staff_client, curriculum):
    exercise = Exercise.objects.get(slug="your-accountability-statement")
    doc = parse_html(staff_client.get(admin_url("exercise_preview", exercise.pk)).content)
    strong = [n.text for n in doc.find_all("strong")]
    assert "Before you write." in strong
    assert "Say it plainly." in strong


def test_draft_preview_says_partners_cannot_see_it(staff_client, curriculum):
    exercise = Exercise.objects.get(slug="appreciations")
    exercise.status = Exercise.Status.DRAFT
    exercise.save()
    text = page_text(staff_client.get(admin_url("exercise_preview", exercise.pk)))
    assert "Partners can't see this yet" in text


def test_preview_is_linked_from_the_change_page_and_the_list(staff_client, curriculum):
    exercise = Exercise.objects.get(slug="appreciations")
    preview = admin_url("exercise_preview", exercise.pk)
    assert preview in staff_client.get(admin_url("exercise_change", exercise.pk)).content.decode()
    assert preview in staff_client.get(admin_url("exercise_changelist")).content.decode()


def test_a_script_in_content_never_reaches_the_preview(staff_client, curriculum):
    exercise = Exercise.objects.get(slug="appreciations")
    exercise.introduction = f"Hello.\n\n{SCRIPT}\n\n<img src=x onerror=alert(2)> and [link](javascript:alert(3))"
    exercise.save()
    Step.objects.filter(exercise=exercise, order=1).update(prompt=f"Read this. {SCRIPT}")  # an instruction
    Step.objects.filter(exercise=exercise, order=3).update(prompt=f"Write it. {SCRIPT}")  # a field label
    Step.objects.filter(exercise=exercise, order=2).update(choices=["Plain", SCRIPT], help_text=SCRIPT)

    response = staff_client.get(admin_url("exercise_preview", exercise.pk))

    body = response.content.decode()
    assert response.status_code == 200
    assert SCRIPT not in body
    assert "onerror" not in body
    assert "javascript:" not in body
    for script in parse_html(body).find_all("script"):
        assert "alert" not in script.text
        assert script.attrs.get("src") or script.attrs.get("type") == "application/json"
    assert "Write it. &lt;script&gt;alert(1)&lt;/script&gt;" in body  # shown as words, not run


def test_an_answered_step_keeps_its_answer_type_and_words(staff_client, curriculum, couple, partner_a):
    exercise = Exercise.objects.get(slug="appreciations")
    step = exercise.steps.get(order=3)
    response_row = Response.objects.create(run=Run.objects.create(couple=couple, exercise=exercise), user=partner_a)
    Answer.objects.create(response=response_row, step=step, prompt_snapshot=step.prompt, step_order=3, value="Thanks")
    data = change_form_data(exercise, **{"steps-2-answer_type": "date", "steps-2-prompt": "When was it?"})

    assert staff_client.post(admin_url("exercise_change", exercise.pk), data).status_code == 302
    staff_client.post(admin_url("exercise_changelist"), {"action": "publish", "_selected_action": [exercise.pk]})

    # The answered step row is kept as it was; the change is a new step in the new version.
    step.refresh_from_db()
    assert (step.answer_type, step.prompt) == (AnswerType.LONG_TEXT, "Write your appreciation.")
    answer = Answer.objects.get(response=response_row)
    assert (answer.step_id, answer.value, answer.prompt_snapshot) == (step.pk, "Thanks", "Write your appreciation.")
    exercise = Exercise.objects.prefetch_related("steps").get(pk=exercise.pk)
    new = next(s for s in published_steps(exercise) if s.order == 3)
    assert (new.answer_type, new.prompt) == (AnswerType.DATE, "When was it?") and new.pk != step.pk


def test_content_couples_have_begun_cannot_be_deleted_though_staff_cannot_see_their_rows(
    staff_client, curriculum, couple
):
    """Row security hides the couples' runs from the admin; a database function still says the exercise is used."""
    used, unused = Exercise.objects.order_by("pk")[:2]
    Run.objects.create(couple=couple, exercise=used)
    assert staff_client.get(admin_url("exercise_delete", used.pk)).status_code == 403
    bulk = {"action": "delete_selected", "_selected_action": [used.pk, unused.pk], "post": "yes"}
    assert staff_client.post(admin_url("exercise_changelist"), bulk).status_code == 403
    assert Exercise.objects.filter(pk__in=[used.pk, unused.pk]).count() == 2
    staff_client.post(admin_url("exercise_delete", unused.pk), {"post": "yes"})
    assert Exercise.objects.filter(pk=used.pk).exists() and not Exercise.objects.filter(pk=unused.pk).exists()
