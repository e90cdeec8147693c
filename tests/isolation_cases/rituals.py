"""Isolation cases of rituals: a ritual marked done, with the marker in its words."""

from exercises.models import Ritual
from exercises.services import rituals as service


def _ritual(world) -> dict:
    ritual = service.ritual_plan(
        couple=world.couple,
        user=world.partner_a,
        what=f"Morning coffee {world.marker}",
        when=f"at seven {world.marker}",
        frequency=Ritual.Frequency.DAILY,
    )
    service.ritual_mark_done(ritual=ritual, user=world.partner_b)
    return {"pk": ritual.pk}


def _page(world) -> dict:
    _ritual(world)
    return {}


CASES = {
    "exercises:rituals": _page,
    "exercises:ritual_done": _ritual,
    "exercises:ritual_toggle": _ritual,
}
