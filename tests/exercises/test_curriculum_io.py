"""export_content / import_content: the whole curriculum round-trips, bad files change nothing, answers survive."""

import copy
import io
import json

import pytest
from django.core.management import CommandError, call_command

from exercises import content_versions
from exercises.curriculum import schema
from exercises.curriculum.importing import import_curriculum
from exercises.curriculum.schema import CurriculumError
from exercises.curriculum.serialization import export_curriculum, load_shipped_curriculum
from exercises.models import Answer, Exercise, Module, Response, Run, Step
from exercises.models.choices import AnswerType, Audience, Kind

pytestmark = pytest.mark.django_db


def load() -> None:
    call_command("load_curriculum", verbosity=0)


def wipe() -> None:
    Step.objects.all().delete()
    Exercise.objects.all().delete()
    Module.objects.all().delete()


def add_unusual_content() -> None:
    """Content the shipped file doesn't have: a draft, an unpublished module, every field off its default."""
    module = Module.objects.create(
        slug="extra",
        title="Extra",
        order=9,
        stages=["reconnect", "commit"],
        summary="Kept *out* of sight.",
        unlock_rule=Module.Unlock.OPEN,
        published=False,
    )
    exercise = Exercise.objects.create(
        module=module,
        slug="extra-draft",
        title="A draft",
        order=3,
        kind=Kind.INNER_WORLD,
        audience=Audience.CAUSED,
        estimated_minutes=45,
        introduction="Line one.\n\nLine two with “quotes” and ünïcode.",
        required=False,
        status=Exercise.Status.DRAFT,
    )
    Step.objects.create(
        exercise=exercise,
        order=7,
        prompt="Pick two",
        help_text="Any two.",
        answer_type=AnswerType.CHECKLIST,
        choices=["b", "a", "c"],
        required=False,
        ask_guess=True,
    )
    Step.objects.create(exercise=exercise, order=2, prompt="When?", answer_type=AnswerType.DATE)
    Exercise.objects.create(
        module=module, slug="extra-empty", title="No steps", kind=Kind.RITUALS, introduction="Soon."
    )


def counts() -> tuple[int, int, int]:
    return Module.objects.count(), Exercise.objects.count(), Step.objects.count()


# --- Round trip ------------------------------------------------------------------------


def test_export_wipe_import_gives_back_the_same_curriculum(tmp_path):
    load()
    add_unusual_content()
    before = export_curriculum()
    file = tmp_path / "content.json"

    call_command("export_content", str(file), verbosity=0)
    wipe()
    assert counts() == (0, 0, 0)
    call_command("import_content", str(file), verbosity=0)

    assert export_curriculum() == before
    assert json.loads(file.read_text(encoding="utf-8")) == before


def test_export_holds_every_field_except_ids_version_and_updated_at():
    add_unusual_content()
    data = export_curriculum()
    module = data["modules"][0]
    exercise = next(e for e in module["exercises"] if e["slug"] == "extra-draft")
    assert set(module) == set(schema.MODULE_FIELDS) | {"exercises"}
    assert set(exercise) == set(schema.EXERCISE_FIELDS) | {"steps"}
    assert set(exercise["steps"][0]) == set(schema.STEP_FIELDS)
    assert [step["order"] for step in exercise["steps"]] == [2, 7]
    assert data["format"] == "trustrepair.curriculum"
    assert data["format_version"] == 1


def test_dash_exports_to_stdout_and_imports_from_stdin(capsys, monkeypatch):
    load()
    before = export_curriculum()
    call_command("export_content", "-")
    printed = capsys.readouterr().out
    assert json.loads(printed) == before

    wipe()
    monkeypatch.setattr("sys.stdin", io.StringIO(printed))
    call_command("import_content", "-", verbosity=0)
    assert export_curriculum() == before


def test_import_prints_what_it_did(tmp_path):
    file = tmp_path / "content.json"
    file.write_text(json.dumps(load_shipped_curriculum()), encoding="utf-8")
    out = io.StringIO()
    call_command("import_content", str(file), stdout=out)
    assert "Modules: 3 created" in out.getvalue()
    assert "Exercises: 15 created" in out.getvalue()


def test_dry_run_reports_but_saves_nothing():
    summary = import_curriculum(load_shipped_curriculum(), dry_run=True)
    assert len(summary.exercises.created) >= 12
    assert "Dry run: nothing was saved." in summary.lines()
    assert counts() == (0, 0, 0)


def test_a_hand_written_file_may_leave_out_defaults_and_orders():
    data = {
        "modules": [
            {
                "slug": "m",
                "title": "M",
                "summary": "S",
                "exercises": [
                    {
                        "slug": "e",
                        "title": "E",
                        "kind": "paired_reflection",
                        "introduction": "Hello.",
                        "steps": [{"prompt": "First?"}, {"prompt": "Second?", "answer_type": "short_text"}],
                    }
                ],
            }
        ]
    }
    import_curriculum(data)
    exercise = Exercise.objects.get(slug="e")
    assert exercise.status == Exercise.Status.DRAFT  # the model's default: nothing goes live by accident
    assert [(s.order, s.answer_type) for s in exercise.steps.all()] == [(1, "long_text"), (2, "short_text")]


# --- Bad files ---------------------------------------------------------------------------


def shipped_with(change) -> dict:
    data = copy.deepcopy(load_shipped_curriculum())
    change(data)
    return data


def first_exercise(data):
    return data["modules"][0]["exercises"][0]


def last_exercise(data):
    return data["modules"][-1]["exercises"][-1]


BAD_FILES = {
    "unknown kind": (
        lambda d: last_exercise(d).update(kind="essay"),
        "kind: 'essay' is not one of: paired_reflection",
    ),
    "missing title": (lambda d: last_exercise(d).pop("title"), "the field 'title' is missing"),
    "unknown answer type": (
        lambda d: last_exercise(d)["steps"][0].update(answer_type="poem"),
        "answer_type: 'poem' is not one of:",
    ),
    "choice step with one option": (
        lambda d: last_exercise(d)["steps"][-1].update(answer_type="single_choice", choices=["only"]),
        "A single choice step needs at least two options.",
    ),
    "options on a text step": (
        lambda d: last_exercise(d)["steps"][-1].update(answer_type="long_text", choices=["a", "b"]),
        "A long text step has no options",
    ),
    "two steps with one order": (
        lambda d: last_exercise(d)["steps"][1].update(order=last_exercise(d)["steps"][0]["order"]),
        "two or more steps have order",
    ),
    "unknown stage": (lambda d: d["modules"][0].update(stages=["healing"]), "stages: 'healing' is not one of"),
    "text where a number goes": (
        lambda d: last_exercise(d).update(estimated_minutes="ten"),
        'estimated_minutes must be a whole number, not "ten"',
    ),
    "duplicate exercise slug": (
        lambda d: last_exercise(d).update(slug=first_exercise(d)["slug"]),
        "appears more than once",
    ),
    "misspelt field": (lambda d: last_exercise(d).update(titel="x"), "unknown field(s): titel"),
    "empty introduction": (
        lambda d: last_exercise(d).update(introduction=""),
        "introduction: This field cannot be blank.",
    ),
    "no modules": (lambda d: d.pop("modules"), "modules: missing, or not a list."),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_a_bad_file_is_refused_with_a_clear_message_and_changes_nothing(tmp_path, case):
    load()
    Exercise.objects.filter(slug="appreciations").update(title="Edited by staff")
    Exercise.objects.filter(slug="rituals-of-connection").delete()
    before = export_curriculum()
    change, message = BAD_FILES[case]
    file = tmp_path / "bad.json"
    file.write_text(json.dumps(shipped_with(change)), encoding="utf-8")

    with pytest.raises(CommandError) as error:
        call_command("import_content", str(file), "--force", verbosity=0)

    assert message in str(error.value)
    assert "nothing was changed" in str(error.value)
    assert export_curriculum() == before


def test_every_problem_is_reported_at_once_with_where_it_is():
    def break_twice(data):
        last_exercise(data).update(kind="essay")
        first_exercise(data).pop("title")

    with pytest.raises(CurriculumError) as error:
        import_curriculum(shipped_with(break_twice))
    assert len(error.value.problems) == 2
    assert any(p.startswith("modules[0] (atone).exercises[0] (naming-what-happened):") for p in error.value.problems)


@pytest.mark.parametrize("text", ["{not json", "", '{"modules": [}'])
def test_invalid_json_is_refused_with_its_position(tmp_path, text):
    load()
    before = export_curriculum()
    file = tmp_path / "broken.json"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match=r"broken\.json is not valid JSON: .* at line \d+, column \d+"):
        call_command("import_content", str(file), verbosity=0)
    assert export_curriculum() == before


def test_a_missing_file_is_named():
    with pytest.raises(CommandError, match="does not exist"):
        call_command("import_content", "/nonexistent/curriculum.json", verbosity=0)


def test_a_failure_halfway_through_the_writes_leaves_nothing_behind(monkeypatch):
    """Validation catches bad files; the transaction covers everything else (here, a database error)."""
    real_create = Step.objects.create
    calls = {"n": 0}

    def create_then_fail(**kwargs):
        calls["n"] += 1
        if calls["n"] == 30:
            raise RuntimeError("the database went away")
        return real_create(**kwargs)

    monkeypatch.setattr(Step.objects, "create", create_then_fail)
    with pytest.raises(RuntimeError):
        import_curriculum(load_shipped_curriculum())
    assert counts() == (0, 0, 0)


# --- Updating existing content --------------------------------------------------------------


def test_without_force_an_edited_exercise_is_kept_and_named():
    load()
    exercise = Exercise.objects.get(slug="appreciations")
    exercise.introduction = "Our own words."
    exercise.save()

    summary = import_curriculum(load_shipped_curriculum())

    exercise.refresh_from_db()
    assert exercise.introduction == "Our own words."
    assert summary.exercises.kept == ["appreciations"]
    assert not summary.changed
    assert any("appreciations" in line and "--force" in line for line in summary.lines())


def test_force_replaces_edited_content_and_bumps_the_version():
    load()
    exercise = Exercise.objects.get(slug="appreciations")
    exercise.title = "Renamed"
    exercise.save()
    exercise.steps.filter(order=1).update(prompt="Changed prompt")
    Step.objects.create(exercise=exercise, order=99, prompt="An extra step")
    version = Exercise.objects.get(pk=exercise.pk).version
    module = Module.objects.get(slug="attach")
    module.summary = "Edited summary"
    module.save()

    summary = import_curriculum(load_shipped_curriculum(), force=True)

    assert summary.exercises.updated == ["appreciations"]
    assert summary.modules.updated == ["attach"]
    assert summary.steps_deleted == 1
    assert export_curriculum() == load_shipped_curriculum()
    assert Exercise.objects.get(pk=exercise.pk).version > version


def test_the_draft_title_is_exported_and_a_forced_import_publishes_the_files_words():
    load()
    exercise = Exercise.objects.get(slug="appreciations")
    shipped_title = exercise.title
    content_versions.text_change(exercise, title="A draft title")
    assert export_curriculum() != load_shipped_curriculum()  # the export writes the working copy

    import_curriculum(load_shipped_curriculum(), force=True)

    exercise.refresh_from_db()
    assert (exercise.title, exercise.draft_title) == (shipped_title, "")  # the file's words, nothing left pending
    assert export_curriculum() == load_shipped_curriculum()


def test_an_exercise_deleted_here_is_created_again():
    load()
    Exercise.objects.get(slug="rituals-of-connection").delete()
    summary = import_curriculum(load_shipped_curriculum())
    assert summary.exercises.created == ["rituals-of-connection"]
    assert export_curriculum() == load_shipped_curriculum()


@pytest.fixture
def answered(couple, partner_a):
    """The shipped curriculum, with partner A's submitted answers to every step of one exercise."""
    load()
    exercise = Exercise.objects.get(slug="naming-what-happened")
    run = Run.objects.create(couple=couple, exercise=exercise)
    response = Response.objects.create(run=run, user=partner_a)
    for step in exercise.steps.exclude(answer_type=AnswerType.INSTRUCTION):
        value = step.choices[:1] if step.choices else (5 if step.answer_type == AnswerType.SCALE else "words")
        Answer.objects.create(
            response=response, step=step, prompt_snapshot=step.prompt, step_order=step.order, value=value
        )
    return exercise


def test_force_rewords_answered_steps_as_a_new_version_the_started_run_keeps_its_own(answered):
    links = dict(Answer.objects.values_list("pk", "step_id"))
    data = load_shipped_curriculum()
    steps = first_exercise(data)["steps"]
    steps[0]["prompt"] = "Reworded: what happened, as you see it?"
    scale = next(s for s in steps if s["answer_type"] == "scale")
    scale.update(answer_type="short_text")

    summary = import_curriculum(data, force=True)

    assert (summary.steps_updated, summary.steps_deleted) == (2, 0)
    exercise = Exercise.objects.prefetch_related("steps").get(pk=answered.pk)
    assert exercise.version == answered.version + 1
    published = {s.order: s for s in content_versions.published_steps(exercise)}
    assert published[steps[0]["order"]].prompt == "Reworded: what happened, as you see it?"
    assert published[scale["order"]].answer_type == "short_text"
    # The couple who answered keep the questions they answered, linked and worded as they were.
    run = Run.objects.get(exercise=exercise)
    assert run.content_version == answered.version
    asked = {s.order: s for s in content_versions.run_steps(run)}
    assert asked[steps[0]["order"]].prompt == "In your own words, what happened?"
    assert asked[scale["order"]].answer_type == "scale"
    assert dict(Answer.objects.values_list("pk", "step_id")) == links
    assert Answer.objects.get(step=asked[scale["order"]]).value == 5
    assert export_curriculum() == data
