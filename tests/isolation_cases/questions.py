"""Isolation cases of the questions log: a question and an answer, both carrying the marker."""

from exercises.models.choices import Visibility
from exercises.services.questions import question_answer, question_ask


def _question(world):
    question = question_ask(
        couple=world.couple, asker=world.partner_a, text=f"Where were you? {world.marker}", visibility=Visibility.COUPLE
    )
    question_answer(question=question, author=world.partner_b, text=f"At the office. {world.marker}")
    return question


def _log(world) -> dict:
    _question(world)
    return {}


CASES = {
    "exercises:questions": _log,
    "exercises:question_answer": lambda world: {"pk": _question(world).pk},
    "exercises:question_save": lambda world: {"pk": _question(world).pk},
}
