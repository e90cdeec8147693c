"""Erasure: private writing gone, shared writing kept as "Former partner", sessions dead, partner unharmed, no prompts."""

from __future__ import annotations

import datetime as dt
import html

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from accounts.data import services
from accounts.data.export import build_zip
from accounts.models import AccessLogEntry, Couple, DataExport, Membership, TherapistProfile, User
from accounts.scoping import couple_for
from accounts.services import pairing
from exercises.daily import delivery
from exercises.models import (
    Agreement,
    AgreementCheck,
    Answer,
    Appreciation,
    CheckIn,
    Delivery,
    Incident,
    Notification,
    PromptPreference,
    Question,
    QuestionAnswer,
    Response,
    Ritual,
    RitualDone,
    Statement,
    StatementResponse,
)
from tests.data.conftest import (
    AVERY,
    AVERY_PRIVATE,
    BLAKE,
    BLAKE_PRIVATE,
    one,
    ready_export,
    reauthenticate,
    rows_containing,
    unzip,
    written,
)
from tests.helpers import login

pytestmark = pytest.mark.django_db

CONFIRM = {"understand": "on", "confirmation": "delete"}


def text(response) -> str:
    return html.unescape(response.content.decode())


def erase_through_the_page(client, user) -> None:
    client.force_login(user)
    reauthenticate(client)
    response = client.post(reverse("data:erase"), CONFIRM)
    assert response.status_code == 302 and response["Location"] == reverse("data:erased")


def partner_b_rows(b) -> dict[str, int]:
    """Everything B wrote, counted, to prove erasing A takes none of it."""
    return {
        "responses": Response.objects.filter(user=b).count(),
        "answers": Answer.objects.filter(response__user=b).count(),
        "statement_responses": StatementResponse.objects.filter(author=b).count(),
        "statements": Statement.objects.filter(author=b).count(),
        "questions": Question.objects.filter(asker=b).count(),
        "agreements": Agreement.objects.filter(proposed_by=b).count(),
        "checks": AgreementCheck.objects.filter(logged_by=b).count(),
        "ritual_done": RitualDone.objects.filter(marked_by=b).count(),
        "appreciations": Appreciation.objects.filter(sender=b).count(),
        "checkins": CheckIn.objects.filter(user=b).count(),
        "b_private_rows": len(rows_containing(BLAKE_PRIVATE)),
    }


# --- The page ---------------------------------------------------------------------------------------


def test_erase_page_needs_a_fresh_password_and_says_what_happens(client, world):
    client.force_login(world.a)
    first = client.get(reverse("data:erase"))
    assert first.status_code == 302 and first["Location"].startswith(reverse("account_reauthenticate"))
    reauthenticate(client)
    page = text(client.get(reverse("data:erase")))
    assert "closes for both of you" in page and world.b.display_name in page
    assert "Former partner" in page and "cannot be undone" in page
    assert "what a therapist looked at" in page


def test_anonymous_visitors_are_sent_to_login(client):
    assert client.get(reverse("data:erase"))["Location"].startswith(reverse("account_login"))
    assert client.post(reverse("data:erase"), CONFIRM)["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "tick the box"),
        ({"understand": "on"}, "type “delete”"),
        ({"understand": "on", "confirmation": "yes"}, "type the word “delete” exactly"),
        ({"confirmation": "delete"}, "tick the box"),
    ],
)
def test_nothing_happens_without_the_confirmation(client, world, data, message):
    client.force_login(world.a)
    reauthenticate(client)
    response = client.post(reverse("data:erase"), data)
    assert response.status_code == 400
    assert message in text(response)
    assert User.objects.filter(pk=world.a.pk).exists()
    assert couple_for(world.a) is not None


def test_a_stale_confirmation_asks_for_the_password_again(client, world):
    client.force_login(world.a)
    reauthenticate(client)
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=6)):
        response = client.post(reverse("data:erase"), CONFIRM)
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert User.objects.filter(pk=world.a.pk).exists()


# --- What erasure does ---------------------------------------------------------------------------------


def test_erasure_deletes_private_writing_and_keeps_shared_writing_as_former_partner(
    client, world, django_capture_on_commit_callbacks
):
    export = ready_export(world.a)
    b_before = partner_b_rows(world.b)
    log_before = AccessLogEntry.objects.filter(couple=world.couple).count()
    a_pk, a_email = world.a.pk, world.a.email
    assert rows_containing(AVERY_PRIVATE)

    with django_capture_on_commit_callbacks(execute=True):  # files are deleted once the erasure has committed
        erase_through_the_page(client, world.a)

    assert not User.objects.filter(pk=a_pk).exists()
    assert not EmailAddress.objects.filter(email__iexact=a_email).exists()
    # Nothing only A could read is left anywhere, and nothing names A's address.
    assert rows_containing(AVERY_PRIVATE) == []
    assert rows_containing(a_email) == []
    assert not default_storage.exists(export.file.name)
    assert not DataExport.objects.filter(pk=export.pk).exists()
    for model, field in [
        (CheckIn, "user_id"),
        (Notification, "user_id"),
        (PromptPreference, "user_id"),
        (Delivery, "user_id"),
        (Response, "user_id"),
    ]:
        assert not model.objects.filter(**{field: a_pk}).exists(), model

    # What A shared is still there, now written by an inactive "Former partner" who can never sign in.
    tombstone = Membership.objects.get(couple=world.couple, slot=1).user
    assert tombstone.display_name == "Former partner"
    assert tombstone.email.endswith("@erased.invalid")
    assert not tombstone.is_active and not tombstone.has_usable_password()
    assert not EmailAddress.objects.filter(user=tombstone).exists()
    assert one(written(Statement, "text", AVERY)).author == tombstone
    assert {a.author for a in written(QuestionAnswer, "text", AVERY)} == {tombstone}
    assert one(written(Question, "text", f"Sundays? {AVERY}")).asker == tombstone
    assert one(written(Agreement, "text", AVERY)).proposed_by == tombstone
    assert one(written(AgreementCheck, "note", AVERY)).logged_by == tombstone
    assert one(written(AgreementCheck, "note", BLAKE)).confirmed_by == tombstone
    assert one(written(Ritual, "what", AVERY)).created_by == tombstone
    assert one(written(Incident, "title", AVERY)).created_by == tombstone
    assert Appreciation.objects.filter(sender=tombstone).count() == 2  # the private one is gone
    assert Appreciation.objects.filter(recipient=tombstone).count() == 2  # B's words stay B's
    revealed = Response.objects.get(user=tombstone)
    assert revealed.answers.count() == 3 and revealed.run.revealed_at is not None
    # B loses nothing, and the couple's access log is untouched.
    assert partner_b_rows(world.b) == b_before
    assert AccessLogEntry.objects.filter(couple=world.couple).count() == log_before


def test_erasure_ends_every_session(client, world):
    elsewhere = Client()
    login(elsewhere, world.a)  # signed in on another device through the real form
    phone = Client()
    phone.force_login(world.a)
    keys = [elsewhere.session.session_key, phone.session.session_key]
    assert elsewhere.get(reverse("couple:dashboard")).status_code == 200

    erase_through_the_page(client, world.a)

    assert not Session.objects.filter(session_key__in=keys).exists()
    for other in (elsewhere, phone, client):
        response = other.get(reverse("couple:dashboard"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert text(client.get(reverse("data:erased"))).count("Your account is deleted") >= 1


def test_partner_is_told_neutrally_and_sees_no_broken_page(
    client, world, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        erase_through_the_page(client, world.a)

    b = world.b
    assert couple_for(b) is None
    assert Couple.objects.get(pk=world.couple.pk).ended_at is not None
    notice = Notification.objects.get(user=b, kind="space_closed")
    assert notice.title == "Your shared space has closed"
    [email] = [m for m in mailoutbox if m.to == [b.email]]
    words = (email.subject + email.body + email.alternatives[0][0]).lower()
    assert "closed" in words
    for telling in ("delet", "eras", "removed", world.a.display_name.lower(), world.a.email):
        assert telling not in words, telling
    assert not [m for m in mailoutbox if m.to == [world.a.email]]

    client.force_login(b)
    dashboard = client.get(reverse("couple:dashboard"))
    assert dashboard.status_code == 200
    assert "Your couple space has closed" in text(dashboard)
    assert world.a.display_name not in text(dashboard).split("</header>", 1)[1]
    # The closed space's pages answer as after any leaving: "not found", never an error.
    for name in ("exercises:index", "exercises:questions", "exercises:agreements", "exercises:appreciations"):
        assert client.get(reverse(name)).status_code == 404, name
    for name in ("accounts:settings", "data:index"):
        assert client.get(reverse(name)).status_code == 200, name

    # B's own copy still reads whole: A's words to B and A's part in their agreements, as "Former partner".
    exported = unzip(build_zip(b))
    data = exported.data
    assert data["couple_spaces"][0]["partner"] == "Former partner"
    assert {a["from"] for a in data["appreciations_received"]} == {"Former partner"}
    assert {a["proposed_by"] for a in data["agreements"]} == {"me", "Former partner"}
    assert f"Why then? {BLAKE}" in exported.html
    assert not exported.contains(AVERY_PRIVATE) and not exported.contains(world.a.email)

    # Starting again works, and every page of the new space answers.
    pairing.couple_create(user=b)
    for name in (
        "couple:dashboard",
        "exercises:index",
        "exercises:questions",
        "exercises:agreements",
        "exercises:appreciations",
        "exercises:rituals",
        "exercises:accountability",
    ):
        assert client.get(reverse(name)).status_code == 200, name


def test_no_prompt_goes_out_afterwards(client, world):
    berlin_morning = dt.datetime(2026, 3, 10, 7, 30, tzinfo=dt.UTC)  # 08:30 in Berlin, check-ins are due at 08:00
    claimed: list[int] = []
    with time_machine.travel(berlin_morning, tick=False):
        delivery.tick(enqueue=claimed.extend)
    assert Delivery.objects.filter(pk__in=claimed, user=world.a).exists()  # the tick does reach A before

    a_pk = world.a.pk
    erase_through_the_page(client, world.a)
    tombstone = Membership.objects.get(couple=world.couple, slot=1).user

    claimed.clear()
    with time_machine.travel(berlin_morning + dt.timedelta(days=1), tick=False):
        delivery.tick(enqueue=claimed.extend)
    assert not Delivery.objects.filter(user_id__in=[a_pk, tombstone.pk]).exists()
    assert not PromptPreference.objects.filter(user_id__in=[a_pk, tombstone.pk]).exists()
    assert not Delivery.objects.filter(pk__in=claimed, user_id__in=[a_pk, tombstone.pk]).exists()


# --- Other people ------------------------------------------------------------------------------------


def test_a_person_without_a_couple_is_simply_deleted(client, unpaired):
    erase_through_the_page(client, unpaired)
    assert not User.objects.filter(email__startswith="erased-").exists()
    assert not User.objects.filter(pk=unpaired.pk).exists()


def test_a_therapist_in_an_access_log_is_deactivated_not_deleted(client, world):
    therapist = world.therapist
    TherapistProfile.objects.create(user=therapist, practice_name="Calm Rooms", licence_number="L-1", region="Berlin")
    erase_through_the_page(client, therapist)

    kept = User.objects.get(pk=therapist.pk)
    assert not kept.is_active and not kept.has_usable_password()
    assert kept.email.endswith("@erased.invalid") and kept.display_name == "Former therapist"
    assert not EmailAddress.objects.filter(user=kept).exists()
    assert not TherapistProfile.objects.filter(user=kept).exists()
    assert list(AccessLogEntry.objects.filter(therapist=kept).values_list("therapist_name", flat=True)) == [
        "Dr Tess",
        "Dr Tess",
    ]
    assert login(Client(), kept).status_code == 200  # the sign-in form again: nobody can sign in as them


def test_erasing_twice_in_a_row_is_harmless(world):
    """A double click on "delete": the second request has no user left, so nothing runs twice."""
    services.account_erase(user=world.a)
    with pytest.raises(User.DoesNotExist):
        services.account_erase(user=world.a)


def test_someone_elses_invitation_to_the_erased_address_forgets_it(client, partner_a, outsider):
    couple = pairing.couple_create(user=outsider)
    pairing.invitation_send_by_email(couple=couple, inviter=outsider, email=partner_a.email)
    erase_through_the_page(client, partner_a)
    assert rows_containing(partner_a.email) == []
    assert User.objects.filter(pk=outsider.pk).exists()


def test_the_partner_hears_the_same_whether_the_other_left_or_deleted_their_account(
    mailoutbox, django_capture_on_commit_callbacks
):
    """The README's promise: the partner who stays cannot tell a deletion from a leaving."""
    from accounts.services import leaving
    from tests.couple.conftest import pair
    from tests.factories import UserFactory

    leaver, left = UserFactory(verified=True, display_name="Lee"), UserFactory(verified=True, display_name="Sam")
    eraser, erased_from = UserFactory(verified=True, display_name="Eve"), UserFactory(verified=True, display_name="Sam")
    by_leaving = pair(leaver, left)
    pair(eraser, erased_from)
    with django_capture_on_commit_callbacks(execute=True):
        leaving.couple_leave(couple=by_leaving, user=leaver)
    with django_capture_on_commit_callbacks(execute=True):
        services.account_erase(user=eraser)

    def heard(person):
        notices = list(Notification.objects.filter(user=person).values_list("kind", "title", "body", "url"))
        mails = [(m.subject, m.body, m.alternatives[0][0]) for m in mailoutbox if m.to == [person.email]]
        membership = Membership.objects.get(user=person)
        return notices, mails, membership.closed_notice_pending

    notices, mails, pending = heard(left)
    assert notices and mails and pending
    assert heard(erased_from) == (notices, mails, pending)
