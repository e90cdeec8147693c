"""Curriculum factories: a module, an exercise and its steps, without the shipped curriculum."""

import factory
from factory.django import DjangoModelFactory

from exercises.models import Exercise, Module, Step
from exercises.models.choices import AnswerType, Kind


class ModuleFactory(DjangoModelFactory):
    class Meta:
        model = Module

    slug = factory.Sequence(lambda n: f"module-{n}")
    title = factory.Sequence(lambda n: f"Module {n}")
    order = factory.Sequence(int)
    stages = ["acknowledge"]
    summary = "A module for tests."
    unlock_rule = Module.Unlock.OPEN
    published = True


class ExerciseFactory(DjangoModelFactory):
    class Meta:
        model = Exercise

    module = factory.SubFactory(ModuleFactory)
    slug = factory.Sequence(lambda n: f"exercise-{n}")
    title = factory.Sequence(lambda n: f"Exercise {n}")
    order = factory.Sequence(int)
    kind = Kind.PAIRED_REFLECTION
    introduction = "Take your time."
    status = Exercise.Status.PUBLISHED


class StepFactory(DjangoModelFactory):
    class Meta:
        model = Step

    exercise = factory.SubFactory(ExerciseFactory)
    order = factory.Sequence(int)
    prompt = factory.Sequence(lambda n: f"Question {n}?")
    answer_type = AnswerType.LONG_TEXT


def exercise_with_steps(**kwargs) -> Exercise:
    """An exercise with one step of each answerable type (plus an instruction)."""
    exercise = ExerciseFactory(**kwargs)
    StepFactory(exercise=exercise, order=1, prompt="What happened, in your words?", answer_type=AnswerType.LONG_TEXT)
    StepFactory(exercise=exercise, order=2, prompt="Read this slowly.", answer_type=AnswerType.INSTRUCTION)
    StepFactory(exercise=exercise, order=3, prompt="How safe do you feel?", answer_type=AnswerType.SCALE)
    StepFactory(
        exercise=exercise,
        order=4,
        prompt="What did you feel?",
        answer_type=AnswerType.MULTIPLE_CHOICE,
        choices=["hurt", "lonely", "scared"],
        required=False,
    )
    return exercise
