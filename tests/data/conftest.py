"""A couple with something in every corner of the data model, and markers to find it by.

``AVERY`` marks what partner A wrote and shared; ``AVERY_PRIVATE`` what only A
could read; ``BLAKE_PRIVATE`` what only partner B could read (it must never
reach A's export). A's shared writing in A's export is expected; B's private
writing anywhere in it is a leak.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.db import models
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLogEntry, Couple, DataExport, User
from accounts.services import onboarding
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
    Run,
    Statement,
    StatementResponse,
)
from exercises.models.choices import Visibility
from tests.couple.conftest import onboard, pair, unpaired  # noqa: F401 - `unpaired` is a fixture
from tests.exercises.factories import exercise_with_steps
from tests.factories import DEFAULT_PASSWORD, UserFactory
from trustrepair.keyring.fields import SealedTextField

AVERY = "AVERY-SHARED-7c1e"
AVERY_PRIVATE = "AVERY-PRIVATE-41fa"
BLAKE = "BLAKE-SHARED-2d90"
BLAKE_PRIVATE = "BLAKE-PRIVATE-93dd"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Exports are written under a throw-away folder, never the developer's var/media."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }


@dataclass
class World:
    couple: Couple
    a: User
    b: User
    therapist: User


def _answer(response: Response, step, value, revision=1) -> Answer:
    return Answer.objects.create(
        response=response, step=step, prompt_snapshot=step.prompt, step_order=step.order, value=value, revision=revision
    )


def _response(run: Run, user: User, *, submitted: bool, visibility=Visibility.COUPLE) -> Response:
    now = timezone.now()
    return Response.objects.create(
        run=run, user=user, visibility=visibility, draft_saved_at=now, submitted_at=now if submitted else None
    )


def build_world(a: User, b: User) -> World:
    couple = pair(a, b)
    onboard(couple, a, other=f"A in own words {AVERY_PRIVATE}", roles={"infidelity": "caused"}, safety=4, trust=6)
    onboard(couple, b, other=f"B in own words {BLAKE_PRIVATE}", roles={"infidelity": "hurt"}, safety=2, trust=1)
    onboarding.safety_check_save(
        user=a, afraid_of_partner="no", threats_or_violence="no", note=f"A's note {AVERY_PRIVATE}"
    )
    onboarding.safety_check_save(
        user=b, afraid_of_partner="no", threats_or_violence="no", note=f"B's note {BLAKE_PRIVATE}"
    )

    exercise = exercise_with_steps(slug="naming-it", title="Naming it")
    first, _, scale, _ = list(exercise.steps.all())
    other = exercise_with_steps(slug="inner-world", title="Inner world")
    third = exercise_with_steps(slug="hopes", title="Hopes")
    fourth = exercise_with_steps(slug="quiet", title="Quiet")
    other_first, third_first, fourth_first = other.steps.first(), third.steps.first(), fourth.steps.first()

    # Revealed: both submitted. A revised an answer afterwards (two revisions).
    revealed = Run.objects.create(couple=couple, exercise=exercise, revealed_at=timezone.now())
    mine = _response(revealed, a, submitted=True)
    _answer(mine, first, f"A first words {AVERY}")
    _answer(mine, first, f"A second thoughts {AVERY}", revision=2)
    _answer(mine, scale, 7)
    _answer(_response(revealed, b, submitted=True), first, f"B revealed words {BLAKE}")
    # Not revealed: A submitted, B only has a draft.
    waiting = Run.objects.create(couple=couple, exercise=other)
    _answer(_response(waiting, a, submitted=True), other_first, f"A unrevealed {AVERY_PRIVATE}")
    _answer(_response(waiting, b, submitted=False), other_first, f"B draft {BLAKE_PRIVATE}")
    # Not revealed: B submitted, A has a draft.
    theirs = Run.objects.create(couple=couple, exercise=third)
    _answer(_response(theirs, b, submitted=True), third_first, f"B unrevealed {BLAKE_PRIVATE}")
    _answer(_response(theirs, a, submitted=False), third_first, f"A draft {AVERY_PRIVATE}")
    # Revealed, but each kept their answer private.
    kept = Run.objects.create(couple=couple, exercise=fourth, revealed_at=timezone.now())
    _answer(_response(kept, a, submitted=True, visibility=Visibility.PRIVATE), fourth_first, f"A kept {AVERY_PRIVATE}")
    _answer(_response(kept, b, submitted=True, visibility=Visibility.PRIVATE), fourth_first, f"B kept {BLAKE_PRIVATE}")
    # An aftermath incident A named, answered by B (revealed later).
    incident = Incident.objects.create(couple=couple, created_by=a, title=f"The dinner {AVERY}")
    aftermath = exercise_with_steps(slug="aftermath", title="Aftermath")
    incident_run = Run.objects.create(
        couple=couple, exercise=aftermath, incident=incident, joint_note=f"What we learned {AVERY}", joint_note_by=a
    )
    _answer(_response(incident_run, b, submitted=True), aftermath.steps.first(), f"B on the dinner {BLAKE}")

    statement = Statement.objects.create(couple=couple, author=a, revision=1, text=f"I take responsibility {AVERY}")
    Statement.objects.create(
        couple=couple, author=a, revision=2, text=f"Unsent draft {AVERY_PRIVATE}", visibility=Visibility.PRIVATE
    )
    Statement.objects.create(
        couple=couple, author=b, revision=3, text=f"B private {BLAKE_PRIVATE}", visibility=Visibility.PRIVATE
    )
    StatementResponse.objects.create(statement=statement, author=b, felt_heard=6, missing=f"More {BLAKE}")

    asked = Question.objects.create(couple=couple, asker=b, text=f"Why then? {BLAKE}")
    QuestionAnswer.objects.create(question=asked, author=a, revision=1, text=f"Because {AVERY}")
    QuestionAnswer.objects.create(question=asked, author=a, revision=2, text=f"Truly because {AVERY}")
    Question.objects.create(couple=couple, asker=a, text=f"Can we talk Sundays? {AVERY}")
    Question.objects.create(couple=couple, asker=b, text=f"B private {BLAKE_PRIVATE}", visibility=Visibility.PRIVATE)

    mine_agreement = Agreement.objects.create(
        couple=couple, proposed_by=a, category="money", text=f"Share statements {AVERY}", status="accepted"
    )
    their_agreement = Agreement.objects.create(
        couple=couple, proposed_by=b, category="availability", text=f"Home by nine {BLAKE}", status="accepted"
    )
    AgreementCheck.objects.create(
        agreement=their_agreement, logged_by=a, kept=True, note=f"Done {AVERY}", confirmed_by=b
    )
    AgreementCheck.objects.create(
        agreement=mine_agreement, logged_by=b, kept=True, note=f"Seen {BLAKE}", confirmed_by=a
    )

    ritual = Ritual.objects.create(couple=couple, created_by=a, what=f"Morning coffee {AVERY}")
    RitualDone.objects.create(ritual=ritual, marked_by=a, done_on=dt.date(2026, 1, 5))
    RitualDone.objects.create(ritual=ritual, marked_by=b, done_on=dt.date(2026, 1, 6))

    for text, sender, recipient, visibility in [
        (f"Thank you {AVERY}", a, b, Visibility.COUPLE),
        (f"I admire you {AVERY}", a, b, Visibility.COUPLE_THERAPIST),
        (f"Never sent {AVERY_PRIVATE}", a, b, Visibility.PRIVATE),
        (f"You listened {BLAKE}", b, a, Visibility.COUPLE),
        (f"Kept to myself {BLAKE_PRIVATE}", b, a, Visibility.PRIVATE),
    ]:
        Appreciation.objects.create(
            couple=couple, sender=sender, recipient=recipient, kind="effort", text=text, visibility=visibility
        )

    for day, need, share in [
        (1, f"Rest {AVERY_PRIVATE}", "nothing"),
        (2, f"A walk {AVERY}", "everything"),
        (3, "", "ratings"),
    ]:
        CheckIn.objects.create(
            user=a,
            couple=couple,
            local_date=dt.date(2026, 1, day),
            mood="calm",
            safety=5,
            trust=5,
            need=need,
            share=share,
        )
    for day in (1, 2):
        CheckIn.objects.create(
            user=b, couple=couple, local_date=dt.date(2026, 1, day), mood="sad", safety=2, trust=2, need=BLAKE_PRIVATE
        )

    for user, marker in ((a, AVERY_PRIVATE), (b, BLAKE_PRIVATE)):
        PromptPreference.objects.create(user=user)
        Notification.objects.create(user=user, kind="checkin", title=f"How are you today? {marker}")
        Delivery.objects.create(user=user, kind="checkin", local_date=dt.date(2026, 1, 1), due_at=timezone.now())

    therapist = UserFactory(verified=True, display_name="Dr Tess")
    AccessLogEntry.objects.create(
        couple=couple, therapist=therapist, therapist_name="Dr Tess", what="Progress", path="/"
    )
    AccessLogEntry.objects.create(couple=couple, therapist=therapist, therapist_name="Dr Tess", what="Trends", path="/")
    return World(couple=couple, a=a, b=b, therapist=therapist)


@pytest.fixture
def world(partner_a, partner_b) -> World:
    return build_world(partner_a, partner_b)


def reauthenticate(client, url: str | None = None, password: str = DEFAULT_PASSWORD):
    """Confirm the password again, as allauth asks before sensitive changes.

    ``url`` is where allauth sent the person (with ``?next=``): confirming there
    carries the interrupted request through, as in a browser.
    """
    response = client.post(url or reverse("account_reauthenticate"), {"password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return response


def ready_export(user: User, *, payload: bytes = b"zip", now=None) -> DataExport:
    from django.core.files.base import ContentFile

    now = now or timezone.now()
    export = DataExport.objects.create(
        user=user, status=DataExport.Status.READY, ready_at=now, expires_at=now + dt.timedelta(days=7)
    )
    export.file.save("test.zip", ContentFile(payload))
    return export


@dataclass
class Unzipped:
    raw: bytes
    json_bytes: bytes
    html_bytes: bytes

    @property
    def data(self) -> dict:
        return json.loads(self.json_bytes)

    @property
    def html(self) -> str:
        return self.html_bytes.decode()

    def contains(self, marker: str) -> bool:
        needle = marker.encode()
        return needle in self.raw or needle in self.json_bytes or needle in self.html_bytes


def unzip(raw: bytes) -> Unzipped:
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        assert sorted(archive.namelist()) == ["data.json", "index.html"]
        return Unzipped(raw=raw, json_bytes=archive.read("data.json"), html_bytes=archive.read("index.html"))


def written(model, field: str, needle: str) -> list:
    """The rows whose (sealed) ``field`` contains ``needle``: opened in Python, as no SQL filter can see it."""
    return [row for row in model._base_manager.all() if needle in (getattr(row, field) or "")]


def one(rows: list):
    assert len(rows) == 1, rows
    return rows[0]


def rows_containing(needle: str) -> list[tuple[str, int]]:
    """Every row of every model with ``needle`` in any text or JSON column, as the app reads it.

    Plain columns are searched in SQL; sealed ones (ciphertext in SQL) are opened row by row,
    so a marker still readable anywhere is found whether or not it is encrypted at rest.
    """
    found = []
    for model in apps.get_models():
        fields = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField | models.EmailField)
        ]
        for f in fields:
            label = f"{model._meta.label}.{f.name}"
            if isinstance(f, SealedTextField):
                found += [
                    (label, row.pk)
                    for row in model._base_manager.only("pk", f.name)
                    if needle.lower() in json.dumps(getattr(row, f.name), ensure_ascii=False).lower()
                ]
                continue
            matches = (
                model._base_manager.annotate(_text=Cast(f.name, models.TextField()))
                .filter(_text__icontains=needle)
                .values_list("pk", flat=True)
            )
            found += [(label, pk) for pk in matches]
    return found
