"""Isolation cases of therapist review: a consented therapist with notes, suggestions and shared writing, all marked.

The matrix (``tests/test_isolation.py``) proves that nobody else reaches any
of it: outsiders and staff everywhere, and on the therapist's couple pages
also a therapist with one partner's consent only, this very therapist after
a revocation or after the link ended, and a therapist of another couple.
"""

from accounts.models import AccessLogEntry, TherapistInvitation, TherapistNote
from accounts.therapists.services import invitation_send
from exercises.models import Question, Recommendation
from exercises.models.choices import Visibility
from tests.therapists.helpers import link, make_therapist


def linked_therapist(world):
    """A verified therapist with two-factor, consented by both partners, with marked data around them."""
    therapist = make_therapist(display_name=f"Dr {world.marker}")
    the_link = link(world.couple, therapist)
    TherapistNote.objects.create(couple=world.couple, therapist=therapist, text=f"note {world.marker}")
    Question.objects.create(
        couple=world.couple,
        asker=world.partner_a,
        text=f"question {world.marker}",
        saved_for_therapist=True,
        visibility=Visibility.COUPLE_THERAPIST,
    )
    AccessLogEntry.objects.create(
        couple=world.couple, therapist=therapist, therapist_name=f"Dr {world.marker}", what="Couple page", path="/"
    )
    return therapist, the_link


def _couple_id(world) -> dict:
    linked_therapist(world)
    return {"couple_id": world.couple.pk}


def _note(world) -> dict:
    therapist, _ = linked_therapist(world)
    note = TherapistNote.objects.filter(couple=world.couple, therapist=therapist).get()
    return {"couple_id": world.couple.pk, "note_id": note.pk}


def _recommendation(world) -> Recommendation:
    therapist, _ = linked_therapist(world)
    from exercises.models import Exercise, Module

    module = Module.objects.create(slug="iso-mod", title="Iso", summary="x", unlock_rule=Module.Unlock.OPEN)
    exercise = Exercise.objects.create(
        module=module, slug="iso-ex", title="Iso", kind="rituals", introduction="x", status=Exercise.Status.PUBLISHED
    )
    return Recommendation.objects.create(couple=world.couple, therapist=therapist, exercise=exercise, note=world.marker)


def _recommended(world) -> dict:
    _recommendation(world)
    return {"couple_id": world.couple.pk}


def _invitation(world) -> dict:
    make_therapist(email="invited-therapist@example.test")
    token = invitation_send(couple=world.couple, inviter=world.partner_a, email="invited-therapist@example.test")
    return {"token": token}


def _invitation_pk(world) -> dict:
    _invitation(world)
    return {"pk": TherapistInvitation.objects.get(couple=world.couple).pk}


def _page(world) -> dict:
    linked_therapist(world)
    return {}


def _link_pk(world) -> dict:
    _, the_link = linked_therapist(world)
    return {"pk": the_link.pk}


CASES = {
    "therapist:couple": _couple_id,
    "therapist:note_create": _couple_id,
    "therapist:note_edit": _note,
    "therapist:recommend": _recommended,
    "therapist:unlock": _couple_id,
    "therapist:invitation": _invitation,
    "couple_therapist:index": _page,
    "couple_therapist:invitation_withdraw": _invitation_pk,
    "couple_therapist:invite": _page,
    "couple_therapist:code": _page,
    "couple_therapist:access_log": _page,
    "couple_therapist:consent": _link_pk,
    "couple_therapist:revoke": _link_pk,
    "couple_therapist:end": _link_pk,
    "couple_therapist:recommendation_dismiss": lambda world: {"pk": _recommendation(world).pk},
    "therapist:caseload": _page,
    "therapist:join": _page,
    "therapist:mfa_required": _page,
}
