"""The second wall, tested by skipping the first: unfiltered ``Model.objects.all()`` on every protected model.

One row (or a few) is planted in every protected table, each with the people
the privacy model lets read it (docs/privacy.md). Then, acting as each person
in turn through ``acting_as`` (what every request and task does), a plain
``objects.all()`` with no scoping door must return exactly those rows: the two
partners, another couple's partner, a therapist with every scope, one with
progress only, one linked without consent, nobody at all; and again after a
consent is revoked and after a partner left.

Readers are named by token: ``ava`` and ``ben`` (the couple), ``cat`` (another
couple), ``theo`` (therapist, all three scopes), ``pia`` (therapist, progress
only), ``ola`` (linked, no consent). ``theo_own`` marks what stays Theo's
whatever the consents (his notes, his reads, his consents); ``ben_own`` what
stays Ben's after he leaves (what he wrote).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import psycopg2
import pytest
from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, router
from django.db.transaction import atomic
from django.utils import timezone

from accounts.models import (
    AccessLogEntry,
    Consent,
    Couple,
    CoupleEvent,
    DataExport,
    Membership,
    OnboardingResponse,
    SafetyCheck,
    TherapistLink,
    TherapistNote,
)
from accounts.models.onboarding import FractureAnswer
from exercises.models import (
    Agreement,
    AgreementCheck,
    Answer,
    Appreciation,
    CheckIn,
    CoupleQuietWindow,
    Delivery,
    Exercise,
    Incident,
    Module,
    ModuleUnlock,
    Notification,
    PromptPreference,
    Question,
    QuestionAnswer,
    Recommendation,
    Response,
    Ritual,
    RitualDone,
    Run,
    Statement,
    StatementResponse,
    Step,
)
from tests.factories import UserFactory
from trustrepair.rowsecurity import checks, tables
from trustrepair.rowsecurity.identity import acting_as

pytestmark = pytest.mark.django_db

THEO_ALL = {"theo", "theo_own"}


@dataclass
class World:
    people: dict
    readers: dict = field(default_factory=dict)  # (model, pk) -> set of tokens

    def plant(self, model, readers, **values):
        row = model.objects.create(**values)
        self.readers[(model, row.pk)] = set(readers)
        return row

    def expected(self, model, token) -> set[int]:
        return {pk for (m, pk), readers in self.readers.items() if m is model and token in readers}

    def models(self):
        return sorted({m for m, _ in self.readers}, key=lambda m: m._meta.db_table)


def _pair(first, second) -> Couple:
    couple = Couple.objects.create(created_by=first)
    Membership.objects.create(couple=couple, user=first, slot=1)
    Membership.objects.create(couple=couple, user=second, slot=2)
    return couple


@pytest.fixture
def world() -> World:
    ava, ben, cat, dan = (UserFactory(display_name=n) for n in ("Ava", "Ben", "Cat", "Dan"))
    theo, pia, ola = (UserFactory(display_name=n) for n in ("Theo", "Pia", "Ola"))
    ours, theirs = _pair(ava, ben), _pair(cat, dan)
    w = World(people={"ava": ava, "ben": ben, "cat": cat, "theo": theo, "pia": pia, "ola": ola})
    now = timezone.now()
    today = dt.date(2026, 12, 1)

    theo_link = TherapistLink.objects.create(couple=ours, therapist=theo, created_by=ava)
    pia_link = TherapistLink.objects.create(couple=ours, therapist=pia, created_by=ava)
    TherapistLink.objects.create(couple=ours, therapist=ola, created_by=ava)  # nobody consented
    everything = {"progress": True, "trends": True, "writing": True}
    w.plant(Consent, {"ava", "ben", *THEO_ALL}, link=theo_link, partner=ava, **everything)
    w.plant(Consent, {"ava", "ben", "ben_own", *THEO_ALL}, link=theo_link, partner=ben, **everything)
    w.plant(Consent, {"ava", "ben", "pia"}, link=pia_link, partner=ava, progress=True)
    w.plant(Consent, {"ava", "ben", "ben_own", "pia"}, link=pia_link, partner=ben, progress=True)

    module = Module.objects.create(slug="m", title="M", order=1, summary="s")
    exercise = Exercise.objects.create(module=module, slug="e", title="E", order=1, kind="paired_reflection")
    step = Step.objects.create(exercise=exercise, order=1, prompt="How was it?")

    # Each person's own.
    w.plant(SafetyCheck, {"ava"}, user=ava, afraid_of_partner="no", threats_or_violence="no", note="afraid")
    w.plant(DataExport, {"ava"}, user=ava)
    w.plant(Notification, {"ava"}, user=ava, kind="export_ready", title="t", body="b", url="/")
    w.plant(Delivery, {"ava"}, user=ava, kind="checkin", local_date=today, due_at=now)
    w.plant(PromptPreference, {"ava"}, user=ava)
    onboarded = w.plant(
        OnboardingResponse, {"ava"}, couple=ours, user=ava, baseline_safety=3, baseline_trust=2, submitted_at=now
    )
    w.plant(FractureAnswer, {"ava"}, response=onboarded, kind="infidelity", role="hurt")
    # Ava has answered, so Ben's answers are hers to read; Ben has not, so hers stay hidden from him.
    w.plant(CoupleEvent, {"ava", "ben", "theo", "pia"}, couple=ours, actor=ava, kind="onboarded")
    w.plant(OnboardingResponse, {"ava", "ben", "ben_own"}, couple=ours, user=ben, baseline_safety=1, baseline_trust=1)
    w.plant(
        CheckIn,
        {"ava", "ben", "theo"},
        user=ava,
        couple=ours,
        local_date=today,
        mood="calm",
        safety=3,
        trust=3,
        share="ratings",
        therapist_visible=True,
    )
    w.plant(
        CheckIn,
        {"ava"},
        user=ava,
        couple=ours,
        local_date=today - dt.timedelta(days=1),
        mood="calm",
        safety=1,
        trust=1,
        need="only me",
        share="nothing",
        therapist_visible=True,
    )
    w.plant(
        CheckIn,
        {"ava", "ben", "ben_own"},
        user=ben,
        couple=ours,
        local_date=today,
        mood="calm",
        safety=2,
        trust=2,
        share="everything",
        therapist_visible=False,
    )
    w.plant(CheckIn, {"cat"}, user=cat, couple=theirs, local_date=today, mood="calm", safety=2, trust=2)

    # The couple's shared life: the partners, and therapists with progress.
    shared = {"ava", "ben", "theo", "pia"}
    w.plant(CoupleEvent, shared, couple=ours, actor=ava, kind="created")
    w.plant(CoupleQuietWindow, {"ava", "ben"}, couple=ours, starts=dt.time(22), ends=dt.time(7))
    w.plant(ModuleUnlock, shared, couple=ours, module=module, unlocked_by=theo)
    agreement = w.plant(Agreement, shared, couple=ours, proposed_by=ava, category="money", text="We tell")
    w.plant(AgreementCheck, shared, agreement=agreement, logged_by=ben, kept=True, occurred_on=today)
    ritual = w.plant(Ritual, shared, couple=ours, created_by=ava, what="Walk", frequency="daily")
    w.plant(RitualDone, shared, ritual=ritual, marked_by=ben, done_on=today)
    incident = w.plant(Incident, shared, couple=ours, created_by=ava, title="The night")
    w.plant(Run, shared, couple=ours, exercise=exercise, incident=incident)

    # Step-by-step answers: readable by the partner after the reveal unless private; the therapist when marked.
    revealed = w.plant(Run, shared, couple=ours, exercise=exercise, revealed_at=now)
    marked = w.plant(Response, shared, run=revealed, user=ava, visibility="couple_therapist", submitted_at=now)
    w.plant(Answer, {"ava", "ben", "theo"}, response=marked, step=step, value="seen by three", revision=1)
    private = w.plant(Response, shared | {"ben_own"}, run=revealed, user=ben, visibility="private", submitted_at=now)
    w.plant(Answer, {"ben", "ben_own"}, response=private, step=step, value="only Ben", revision=1)
    w.plant(Run, {"cat"}, couple=theirs, exercise=exercise)
    another = w.plant(Incident, shared, couple=ours, created_by=ben, title="Another night")
    unrevealed = w.plant(Run, shared, couple=ours, exercise=exercise, incident=another)
    waiting = w.plant(Response, shared, run=unrevealed, user=ava, visibility="couple", submitted_at=now)
    w.plant(Answer, {"ava"}, response=waiting, step=step, value="before the reveal", revision=1)

    # Writing with a visibility.
    couple_statement = w.plant(Statement, {"ava", "ben"}, couple=ours, author=ava, revision=1, text="to Ben")
    w.plant(
        Statement,
        {"ava", "ben", "theo"},
        couple=ours,
        author=ava,
        revision=2,
        text="for all three",
        visibility="couple_therapist",
    )
    w.plant(Statement, {"ava"}, couple=ours, author=ava, revision=3, text="draft of mine", visibility="private")
    w.plant(StatementResponse, {"ava", "ben"}, statement=couple_statement, author=ben, felt_heard=3)
    asked = w.plant(
        Question, {"ava", "ben", "ben_own", "theo"}, couple=ours, asker=ben, text="Why?", visibility="couple_therapist"
    )
    w.plant(
        Question,
        {"ben", "ben_own"},
        couple=ours,
        asker=ben,
        text="Mine",
        visibility="private",
        saved_for_therapist=True,
    )
    w.plant(QuestionAnswer, {"ava", "ben", "ben_own", "theo"}, question=asked, author=ava, revision=1, text="Because")
    w.plant(
        Appreciation, {"ava"}, couple=ours, sender=ava, recipient=ben, kind="effort", text="kept", visibility="private"
    )
    w.plant(Appreciation, {"ava", "ben"}, couple=ours, sender=ava, recipient=ben, kind="effort", text="sent")
    w.plant(Statement, {"cat"}, couple=theirs, author=cat, revision=1, text="theirs")

    # The therapist's own.
    w.plant(TherapistNote, THEO_ALL, couple=ours, therapist=theo, text="my note")
    w.plant(
        AccessLogEntry,
        {"ava", "ben", *THEO_ALL},
        couple=ours,
        therapist=theo,
        therapist_name="Theo",
        what="Couple page",
        path="/",
    )
    w.plant(Recommendation, {"ava", "ben", *THEO_ALL}, couple=ours, therapist=theo, exercise=exercise)
    return w


def _seen(world: World, person) -> dict:
    with acting_as(None if person is None else person.pk):
        return {model: set(model.objects.values_list("pk", flat=True)) for model in world.models()}


def _expected(world: World, token: str) -> dict:
    return {model: world.expected(model, token) for model in world.models()}


def test_every_protected_table_has_rows_in_the_world(world):
    assert {model._meta.db_table for model in world.models()} == tables.PROTECTED


@pytest.mark.parametrize("token", ["ava", "ben", "cat", "theo", "pia", "ola"])
def test_an_unfiltered_query_shows_each_person_only_what_the_privacy_model_allows(world, token):
    assert _seen(world, world.people[token]) == _expected(world, token)


def test_with_no_identity_the_protected_tables_show_no_rows(world):
    assert _seen(world, None) == {model: set() for model in world.models()}


def test_a_revoked_consent_shuts_the_therapist_out_on_the_next_statement(world):
    assert _seen(world, world.people["theo"]) == _expected(world, "theo")
    Consent.objects.filter(partner=world.people["ben"], link__therapist=world.people["theo"]).update(
        revoked_at=timezone.now()
    )
    assert _seen(world, world.people["theo"]) == _expected(world, "theo_own")


def test_after_leaving_a_partner_keeps_only_their_own_writing(world):
    Membership.objects.filter(user=world.people["ben"]).update(left_at=timezone.now())
    assert _seen(world, world.people["ben"]) == _expected(world, "ben_own")
    # With one seat empty nobody can consent for it: the therapist is shut out too.
    assert _seen(world, world.people["theo"]) == _expected(world, "theo_own")


def test_a_partner_cannot_write_into_the_other_couple(world):
    with acting_as(world.people["cat"].pk), pytest.raises(DatabaseError, match="row-level security"), atomic():
        Statement.objects.create(
            couple=Couple.objects.get(memberships__user=world.people["ava"]),
            author=world.people["cat"],
            revision=9,
            text="planted",
        )


def test_every_table_is_classified_and_every_protected_one_forces_row_security():
    """A new table holding a person's or a couple's data fails here until it has its policy."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        in_database = {name for (name,) in cursor}
        cursor.execute(
            "SELECT c.relname, c.relrowsecurity AND c.relforcerowsecurity, count(p.polname)"
            " FROM pg_class c LEFT JOIN pg_policy p ON p.polrelid = c.oid"
            " WHERE c.relname = ANY(%s) GROUP BY c.relname, c.relrowsecurity, c.relforcerowsecurity",
            [sorted(tables.PROTECTED)],
        )
        walls = {name: (forced, policies) for name, forced, policies in cursor}
    unclassified = in_database - tables.PROTECTED - tables.OPEN
    assert not unclassified, f"Classify these tables in trustrepair/rowsecurity/tables.py: {sorted(unclassified)}"
    assert in_database >= tables.PROTECTED
    assert {name for name, (forced, policies) in walls.items() if not forced or policies < 2} == set()
    # Models name the same tables the database has.
    # (The keyring database holds only wrapped keys: trustrepair/keyring/roles.py grants it.)
    in_app_database = {m._meta.db_table for m in apps.get_models() if router.db_for_read(m) == "default"}
    assert in_app_database - tables.PROTECTED - tables.OPEN == set()


def test_the_start_up_check_passes_and_names_a_table_left_unforced():
    assert checks.problems() == []
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE exercises_answer NO FORCE ROW LEVEL SECURITY")
    assert checks.problems() == ["row security is not forced on exercises_answer"]


def test_the_application_role_logged_in_itself_cannot_read_or_lift_the_wall(world):
    """A real login as the application role, as in production: no rows, and no way around the policies."""
    params = connection.get_connection_params()
    params["user"] = settings.DATABASE_APP_ROLE
    params.pop("password", None)
    with psycopg2.connect(**params) as own, own.cursor() as cursor:
        cursor.execute("SELECT current_user, count(*) FROM exercises_answer")
        assert cursor.fetchone() == (settings.DATABASE_APP_ROLE, 0)
        for attempt in ("SET ROLE postgres", "SET SESSION AUTHORIZATION postgres"):
            with pytest.raises(psycopg2.Error):
                cursor.execute(attempt)
            own.rollback()
        cursor.execute("SET row_security = off")
        with pytest.raises(psycopg2.Error, match="row-level security"):
            cursor.execute("SELECT count(*) FROM exercises_statement")
    own.close()
