from tests.couple.conftest import couple, other_couple, other_partner  # noqa: F401
