"""Isolation cases of the accountability statement: a version and a response, both carrying the marker."""

from exercises.models.choices import Visibility
from exercises.services.accountability import statement_respond, statement_write


def _statement(world) -> dict:
    statement_write(
        couple=world.couple,
        author=world.partner_a,
        text=f"I own what I did. {world.marker}",
        visibility=Visibility.COUPLE,
    )
    statement_respond(
        couple=world.couple,
        author=world.partner_b,
        felt_heard=4,
        missing=f"Say more about the lies. {world.marker}",
        heard_enough=False,
    )
    return {}


CASES = {
    "exercises:accountability": _statement,
    "exercises:accountability_respond": _statement,
}
