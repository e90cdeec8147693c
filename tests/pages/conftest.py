"""The therapists' cast (a couple, a verified therapist, a small curriculum) for the page tests."""

from tests.therapists.conftest import couple, curriculum, tclient, therapist  # noqa: F401
