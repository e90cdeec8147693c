"""The data export: contents match the database, nothing of the partner's private writing, owner-only download, expiry."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from accounts.data import services
from accounts.data.export import build_zip, collect
from accounts.models import AccessLogEntry, DataExport, OnboardingResponse
from exercises.models import (
    Agreement,
    AgreementCheck,
    Answer,
    Appreciation,
    CheckIn,
    Incident,
    Notification,
    Question,
    QuestionAnswer,
    Response,
    Ritual,
    RitualDone,
    Run,
    Statement,
    StatementResponse,
)
from exercises.models.choices import Visibility
from tests.data.conftest import (
    AVERY,
    AVERY_PRIVATE,
    BLAKE,
    BLAKE_PRIVATE,
    build_world,
    ready_export,
    reauthenticate,
    unzip,
)


def db_counts(user) -> dict[str, int]:
    """What the export should hold for ``user``, counted straight from the database."""
    couples = user.memberships.values("couple_id")
    return {
        "couple_spaces": user.memberships.count(),
        "private.onboarding": OnboardingResponse.objects.filter(user=user).count(),
        "private.drafts": Response.objects.filter(user=user, submitted_at__isnull=True).count(),
        "exercise_answers": Response.objects.filter(user=user, submitted_at__isnull=False).count(),
        "exercise_answers.answers": Answer.objects.filter(
            response__user=user, response__submitted_at__isnull=False
        ).count(),
        "private.drafts.answers": Answer.objects.filter(
            response__user=user, response__submitted_at__isnull=True
        ).count(),
        "incidents": Incident.objects.filter(created_by=user).count(),
        "joint_notes": Run.objects.filter(joint_note_by=user).exclude(joint_note="").count(),
        "statements": Statement.objects.filter(author=user).count(),
        "statement_responses": StatementResponse.objects.filter(author=user).count(),
        "questions_asked": Question.objects.filter(asker=user).count(),
        "answers_to_questions": QuestionAnswer.objects.filter(author=user).count(),
        "agreements": Agreement.objects.filter(couple_id__in=couples).count(),
        "agreements.logs": AgreementCheck.objects.filter(agreement__couple_id__in=couples).count(),
        "rituals": Ritual.objects.filter(created_by=user).count(),
        "rituals_done": RitualDone.objects.filter(marked_by=user).count(),
        "appreciations_sent": Appreciation.objects.filter(sender=user).count(),
        "appreciations_received": Appreciation.objects.filter(recipient=user)
        .exclude(visibility=Visibility.PRIVATE)
        .count(),
        "checkins": CheckIn.objects.filter(user=user).count(),
        "notifications": Notification.objects.filter(user=user).count(),
        "therapist_access_log": AccessLogEntry.objects.filter(couple_id__in=couples).count(),
    }


def export_counts(data: dict) -> dict[str, int]:
    return {
        "couple_spaces": len(data["couple_spaces"]),
        "private.onboarding": len(data["private"]["onboarding"]),
        "private.drafts": len(data["private"]["drafts"]),
        "exercise_answers": len(data["exercise_answers"]),
        "exercise_answers.answers": sum(len(r["answers"]) for r in data["exercise_answers"]),
        "private.drafts.answers": sum(len(r["answers"]) for r in data["private"]["drafts"]),
        "incidents": len(data["incidents"]),
        "joint_notes": len(data["joint_notes"]),
        "statements": len(data["statements"]),
        "statement_responses": len(data["statement_responses"]),
        "questions_asked": len(data["questions_asked"]),
        "answers_to_questions": len(data["answers_to_questions"]),
        "agreements": len(data["agreements"]),
        "agreements.logs": sum(len(a["logs"]) for a in data["agreements"]),
        "rituals": len(data["rituals"]),
        "rituals_done": len(data["rituals_done"]),
        "appreciations_sent": len(data["appreciations_sent"]),
        "appreciations_received": len(data["appreciations_received"]),
        "checkins": len(data["checkins"]),
        "notifications": len(data["notifications"]),
        "therapist_access_log": len(data["therapist_access_log"]),
    }


# --- Contents ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_section_holds_exactly_what_the_database_holds_for_the_person(world):
    for person in (world.a, world.b):
        expected = db_counts(person)
        assert export_counts(unzip(build_zip(person)).data) == expected, person
    # The world is not empty: every section of A's export has something in it (A responded to no statement).
    assert {section for section, count in db_counts(world.a).items() if count == 0} == {"statement_responses"}
    assert unzip(build_zip(world.a)).data["joint_notes"][0]["text"] == f"What we learned {AVERY}"
    assert db_counts(world.b)["statement_responses"] == 1


@pytest.mark.django_db
def test_the_partners_private_writing_is_nowhere_in_the_export(world):
    exported = unzip(build_zip(world.a))
    assert not exported.contains(BLAKE_PRIVATE)
    # ...while the person's own writing, private included, is all there, in both files.
    for marker in (AVERY, AVERY_PRIVATE):
        assert marker.encode() in exported.json_bytes and marker.encode() in exported.html_bytes
    # The partner's words *to them* (a shared appreciation, an agreement and its log) are theirs to keep.
    assert f"You listened {BLAKE}" in exported.html
    assert f"Home by nine {BLAKE}" in exported.html
    data = exported.data
    assert data["private"]["safety_check"]["note"] == f"A's note {AVERY_PRIVATE}"
    assert [o["baseline_trust"] for o in data["private"]["onboarding"]] == [6]
    assert data["couple_spaces"][0]["partner"] == world.b.display_name


@pytest.mark.django_db
def test_b_export_likewise_has_nothing_private_of_a(world):
    exported = unzip(build_zip(world.b))
    assert not exported.contains(AVERY_PRIVATE)
    assert exported.contains(BLAKE_PRIVATE)


@pytest.mark.django_db
def test_answers_carry_the_question_text_and_every_revision(world):
    data = collect(world.a)
    revealed = next(r for r in data["exercise_answers"] if r["exercise"] == "Naming it")
    first = [a for a in revealed["answers"] if a["question"] == "What happened, in your words?"]
    assert [(a["revision"], a["answer"]) for a in first] == [
        (1, f"A first words {AVERY}"),
        (2, f"A second thoughts {AVERY}"),
    ]
    answered = data["answers_to_questions"]
    assert {a["question"] for a in answered} == {f"Why then? {BLAKE}"}


@pytest.mark.django_db
def test_readable_page_is_escaped_and_self_contained(world):
    Appreciation.objects.create(
        couple=world.couple,
        sender=world.a,
        recipient=world.b,
        kind="effort",
        text='<script>alert("hi")</script><img src="https://tracker.example/x.png">',
    )
    page = unzip(build_zip(world.a)).html
    assert "<script" not in page.lower()
    assert "&lt;script&gt;" in page
    assert "<img" not in page.lower()
    assert "<link" not in page.lower()
    # Only in-page links: nothing that would reach out when the file is opened.
    for attribute in re.findall(r'(?:href|src)="([^"]*)"', page):
        assert attribute.startswith("#"), attribute


# --- Requesting and building ------------------------------------------------------------------------


@pytest.mark.django_db
def test_export_needs_a_fresh_password(client, world):
    client.force_login(world.a)
    response = client.post(reverse("data:export"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not DataExport.objects.exists()

    # Confirming the password carries the original request through.
    after = reauthenticate(client, response["Location"])
    assert DataExport.objects.filter(user=world.a, status="pending").count() == 1
    assert after["Location"] == reverse("data:index")


@pytest.mark.django_db
def test_a_double_click_asks_once(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.a)
    reauthenticate(client)
    with django_capture_on_commit_callbacks() as queued:
        client.post(reverse("data:export"))
        client.post(reverse("data:export"))
    assert DataExport.objects.filter(user=world.a).count() == 1
    assert len(queued) == 1  # one task for one export


@pytest.mark.django_db
def test_get_on_export_is_refused_and_anonymous_is_sent_to_login(client, world):
    assert client.post(reverse("data:export"))["Location"].startswith(reverse("account_login"))
    client.force_login(world.a)
    assert client.get(reverse("data:export")).status_code == 405


@pytest.mark.django_db
def test_build_marks_ready_notifies_and_emails_once(world, mailoutbox, django_capture_on_commit_callbacks):
    export = DataExport.objects.create(user=world.a)
    with django_capture_on_commit_callbacks(execute=True):
        services.export_build(export_id=export.pk)
    export.refresh_from_db()
    assert export.status == "ready" and export.file.name.startswith("exports/")
    assert export.expires_at - export.ready_at == dt.timedelta(days=7)
    first_file = export.file.name

    with django_capture_on_commit_callbacks(execute=True):
        services.export_build(export_id=export.pk)  # a retry or duplicate message: nothing changes
    export.refresh_from_db()
    assert export.file.name == first_file
    assert Notification.objects.filter(user=world.a, kind="export_ready").count() == 1
    notification = Notification.objects.get(user=world.a, kind="export_ready")
    assert notification.url == reverse("data:index")
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [world.a.email]
    assert "ready" in mailoutbox[0].subject
    assert AVERY_PRIVATE not in mailoutbox[0].body  # the email carries no content
    assert len(default_storage.listdir("exports")[1]) == 1


@pytest.mark.django_db(transaction=True)
def test_export_runs_through_a_real_worker(celery_worker, client, partner_a, partner_b, mailoutbox):
    world = build_world(partner_a, partner_b)
    expected = db_counts(world.a)  # the "ready" notification comes after the snapshot
    client.force_login(world.a)
    reauthenticate(client)
    assert client.post(reverse("data:export")).status_code == 302
    export = DataExport.objects.get(user=world.a)

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        export.refresh_from_db()
        if export.status != "pending":
            break
        time.sleep(0.2)
    assert export.status == "ready"

    response = client.get(reverse("data:download", args=[export.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    exported = unzip(b"".join(response.streaming_content))
    assert export_counts(exported.data) == expected
    assert not exported.contains(BLAKE_PRIVATE)
    assert Notification.objects.filter(user=world.a, kind="export_ready").exists()
    assert [m.to for m in mailoutbox] == [[world.a.email]]


# --- Downloading ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_download_is_for_the_owner_only(client, world, outsider):
    export = ready_export(world.a, payload=b"A's data")
    url = reverse("data:download", args=[export.pk])

    assert client.get(url)["Location"].startswith(reverse("account_login"))
    for someone in (world.b, outsider, world.therapist):
        client.force_login(someone)
        assert client.get(url).status_code == 404, someone
        assert client.post(url).status_code == 404, someone
    client.force_login(world.a)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"A's data"
    assert client.post(url).status_code == 405


@pytest.mark.django_db
def test_download_expires_after_seven_days(client, world):
    export = ready_export(world.a)
    url = reverse("data:download", args=[export.pk])
    client.force_login(world.a)
    with time_machine.travel(timezone.now() + dt.timedelta(days=6, hours=23)):
        assert client.get(url).status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(days=7, minutes=1)):
        response = client.get(url)
        assert response.status_code == 410
        assert "This download has expired" in response.content.decode()
        # The sweep deletes the file; the link keeps answering 410.
        name = export.file.name
        assert default_storage.exists(name)
        assert services.export_expire_sweep() == 1
        assert services.export_expire_sweep() == 0
        assert not default_storage.exists(name)
        export.refresh_from_db()
        assert export.status == "expired" and not export.file
        assert client.get(url).status_code == 410


@pytest.mark.django_db
def test_a_pending_export_sends_the_owner_back_to_the_list(client, world):
    export = DataExport.objects.create(user=world.a)
    client.force_login(world.a)
    response = client.get(reverse("data:download", args=[export.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("data:index")


@pytest.mark.django_db
def test_sweep_fails_exports_stuck_pending(world):
    stuck = DataExport.objects.create(user=world.a, created_at=timezone.now() - dt.timedelta(days=2))
    fresh = DataExport.objects.create(user=world.a)
    services.export_expire_sweep()
    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert (stuck.status, fresh.status) == ("failed", "pending")


@pytest.mark.django_db
def test_data_page_lists_downloads_and_links_from_settings(client, world):
    export = ready_export(world.a)
    DataExport.objects.create(user=world.a)
    client.force_login(world.a)
    page = client.get(reverse("data:index")).content.decode()
    assert reverse("data:download", args=[export.pk]) in page
    assert "Being prepared" in page
    assert reverse("data:erase") in page
    settings_page = client.get(reverse("accounts:settings")).content.decode()
    assert reverse("data:index") in settings_page and reverse("data:erase") in settings_page
    # The partner's list is their own: no link to A's export.
    client.force_login(world.b)
    assert reverse("data:download", args=[export.pk]) not in client.get(reverse("data:index")).content.decode()
