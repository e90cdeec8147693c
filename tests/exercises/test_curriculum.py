"""The curriculum shipped by default (exercises/curriculum/curriculum.json) and load_curriculum."""

import io
import re
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from exercises.curriculum.serialization import export_curriculum, load_shipped_curriculum
from exercises.models import Exercise, Module, Step
from exercises.models.choices import AnswerType, Audience, Kind
from exercises.stages import STAGES

pytestmark = pytest.mark.django_db

ARTICLE = Path(settings.BASE_DIR).parent / "shared" / "reference" / "trust-repair-article.txt"


@pytest.fixture
def curriculum(db):
    call_command("load_curriculum", verbosity=0)


def published():
    return Exercise.objects.published().select_related("module")


def counts() -> tuple[int, int, int]:
    return Module.objects.count(), Exercise.objects.count(), Step.objects.count()


def test_three_modules_with_their_stages_and_unlock_rules(curriculum):
    modules = {m.slug: m for m in Module.objects.published()}
    assert [m.slug for m in Module.objects.order_by("order")] == ["atone", "attune", "attach"]
    assert modules["atone"].stages == ["acknowledge"]
    assert modules["attune"].stages == ["understand"]
    assert modules["attach"].stages == ["commit", "reconnect"]
    assert modules["atone"].unlock_rule == Module.Unlock.OPEN
    assert modules["attune"].unlock_rule == Module.Unlock.AFTER_PREVIOUS
    assert modules["attach"].unlock_rule == Module.Unlock.AFTER_PREVIOUS
    # Every stage of repair is carried by the module the stages table names.
    for stage in STAGES:
        assert stage.key in Module.objects.get(title=stage.module).stages


def test_at_least_twelve_published_exercises_cover_every_kind(curriculum):
    assert published().count() >= 12
    assert {e.kind for e in published()} == set(Kind.values)


def test_exercises_for_each_role(curriculum):
    by_audience = Counter(e.audience for e in published())
    assert by_audience[Audience.HURT] >= 2
    assert by_audience[Audience.CAUSED] >= 2
    assert by_audience[Audience.BOTH] >= 6
    assert published().get(kind=Kind.ACCOUNTABILITY).audience == Audience.CAUSED
    assert published().get(kind=Kind.QUESTIONS_LOG).audience == Audience.HURT


def test_each_module_has_required_exercises_and_atone_at_least_three(curriculum):
    required = Counter(e.module.slug for e in published().filter(required=True))
    assert required["atone"] >= 3
    assert required["attune"] >= 1
    assert required["attach"] >= 1
    # Both roles have something required in Atone, so neither finishes it alone.
    atone = published().filter(module__slug="atone", required=True)
    assert atone.filter(audience__in=[Audience.HURT, Audience.BOTH]).exists()
    assert atone.filter(audience__in=[Audience.CAUSED, Audience.BOTH]).exists()


def test_every_exercise_is_well_formed(curriculum):
    used_types = set()
    for exercise in published().prefetch_related("steps"):
        steps = list(exercise.steps.all())
        paragraphs = [p for p in exercise.introduction.split("\n\n") if p.strip()]
        assert 2 <= len(steps) <= 7, exercise.slug
        assert 2 <= len(paragraphs) <= 5, exercise.slug
        assert 5 <= exercise.estimated_minutes <= 45, exercise.slug
        assert len({s.order for s in steps}) == len(steps), exercise.slug
        assert any(s.answer_type != AnswerType.INSTRUCTION for s in steps), exercise.slug
        for step in steps:
            used_types.add(step.answer_type)
            if step.answer_type in {AnswerType.SINGLE_CHOICE, AnswerType.MULTIPLE_CHOICE, AnswerType.CHECKLIST}:
                assert len(step.choices) >= 2, (exercise.slug, step.order)
                assert len(set(step.choices)) == len(step.choices), (exercise.slug, step.order)
            else:
                assert step.choices == [], (exercise.slug, step.order)
    assert used_types == set(AnswerType.values)


def test_inner_world_asks_for_guesses(curriculum):
    for exercise in published().filter(kind=Kind.INNER_WORLD):
        assert exercise.steps.filter(ask_guess=True).exists(), exercise.slug


def test_aftermath_asks_the_four_questions(curriculum):
    steps = list(published().get(kind=Kind.AFTERMATH).steps.all())
    feelings = steps[0]
    assert feelings.answer_type == AnswerType.MULTIPLE_CHOICE
    assert len(feelings.choices) >= 12
    assert {"Defensive", "Hurt", "Lonely", "Misunderstood", "Numb"} <= set(feelings.choices)
    assert steps[1].answer_type == AnswerType.LONG_TEXT and not steps[1].required
    prompts = " ".join(s.prompt.lower() for s in steps[2:])
    assert "older" in prompts  # what it reminded you of
    assert "set it off" in prompts  # the trigger
    assert "let this moment go" in prompts  # what you need to move on


def test_the_voice_keeps_its_promises(curriculum):
    questions = published().get(kind=Kind.QUESTIONS_LOG).introduction.lower()
    assert "more than once" in questions
    attach = Module.objects.get(slug="attach")
    assert "pace of whichever of you is slower" in attach.summary
    for exercise in published().filter(module=attach).exclude(kind=Kind.APPRECIATIONS)[:2]:
        assert "pace" in exercise.introduction, exercise.slug


def test_running_twice_changes_nothing(curriculum):
    before_counts, before = counts(), export_curriculum()
    versions = dict(Exercise.objects.values_list("slug", "version"))
    out = io.StringIO()

    call_command("load_curriculum", stdout=out)

    assert counts() == before_counts
    assert export_curriculum() == before
    assert dict(Exercise.objects.values_list("slug", "version")) == versions
    assert "Exercises: 0 created, 0 updated" in out.getvalue()


def test_staff_edits_survive_a_plain_rerun_and_force_restores_the_shipped_text(curriculum):
    exercise = Exercise.objects.get(slug="carrying-the-hurt")
    exercise.introduction = "Staff wrote this."
    exercise.status = Exercise.Status.DRAFT
    exercise.save()
    exercise.steps.filter(order=2).update(prompt="Staff reworded this step.")
    module = Module.objects.get(slug="atone")
    module.title = "Owning it"
    module.save()
    out = io.StringIO()

    call_command("load_curriculum", stdout=out)

    exercise.refresh_from_db()
    assert exercise.introduction == "Staff wrote this."
    assert exercise.status == Exercise.Status.DRAFT
    assert exercise.steps.get(order=2).prompt == "Staff reworded this step."
    assert Module.objects.get(slug="atone").title == "Owning it"
    assert "atone, carrying-the-hurt" in out.getvalue()
    assert "--force" in out.getvalue()

    call_command("load_curriculum", "--force", verbosity=0)
    assert export_curriculum() == load_shipped_curriculum()


def test_the_shipped_file_is_exactly_what_export_writes(curriculum):
    """So `export_content exercises/curriculum/curriculum.json` after editing gives a clean diff."""
    assert export_curriculum() == load_shipped_curriculum()


# --- Our own words -------------------------------------------------------------------------


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower().replace("\u2019", "").replace("'", ""))


def shipped_texts() -> list[str]:
    texts = []
    for module in load_shipped_curriculum()["modules"]:
        texts += [module["title"], module["summary"]]
        for exercise in module["exercises"]:
            texts += [exercise["title"], exercise["introduction"]]
            for step in exercise["steps"]:
                texts += [step["prompt"], step["help_text"], *step["choices"]]
    return texts


@pytest.mark.skipif(not ARTICLE.exists(), reason="the reference article is not in this checkout")
def test_no_sentence_is_copied_from_the_reference_article():
    article = ARTICLE.read_text(encoding="utf-8")
    sentence_split = r"[.?!:;\n•\"“”]+"
    article_sentences = {" ".join(words(s)) for s in re.split(sentence_split, article) if len(words(s)) >= 3}
    copied = {
        " ".join(words(s)) for text in shipped_texts() for s in re.split(sentence_split, text)
    } & article_sentences
    assert not copied, f"sentences taken from the article: {sorted(copied)}"

    # Nor a run of six words in a row (titles of the method's tools are shorter than that).
    n = 6
    article_words = words(article)
    article_runs = {tuple(article_words[i : i + n]) for i in range(len(article_words) - n + 1)}
    shared = set()
    for text in shipped_texts():
        w = words(text)
        shared |= {" ".join(w[i : i + n]) for i in range(len(w) - n + 1) if tuple(w[i : i + n]) in article_runs}
    assert not shared, f"phrases taken from the article: {sorted(shared)}"
