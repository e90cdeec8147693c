import pytest

from tests.couple.conftest import couple, onboard, other_couple, other_partner, pair, unpaired  # noqa: F401
from tests.exercises.factories import exercise_with_steps


@pytest.fixture
def reflection(db):
    return exercise_with_steps(slug="naming-it", title="Naming it")
