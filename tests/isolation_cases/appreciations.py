"""Isolation cases of appreciations: one each way, the marker in the words."""

from exercises.models import Appreciation
from exercises.models.choices import Visibility
from exercises.services.appreciations import appreciation_send


def _appreciations(world) -> dict:
    for sender in (world.partner_a, world.partner_b):
        appreciation_send(
            couple=world.couple,
            sender=sender,
            kind=Appreciation.Kind.ADMIRATION,
            text=f"I admire your patience. {world.marker}",
            visibility=Visibility.COUPLE_THERAPIST,
        )
    return {}


CASES = {
    "exercises:appreciations": _appreciations,
}
