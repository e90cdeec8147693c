"""Benchmark people: N couples with months of activity, and therapists with caseloads of up to 50 couples.

Every couple is somewhere on the curriculum (seeded at random, reproducibly):
just paired, onboarded, in Atone, in Attune or in Attach, with the rows that
stage implies — onboarding answers, revealed paired exercises with their
answers, accountability statements and responses, questions and answers,
incidents, agreements with logs, rituals, appreciations, couple events — and
both partners have ~85% of the last ``days`` days of check-ins (none for today,
so the first check-in post of the run creates it). One verified therapist with
two-factor per 100 couples sees 50 couples with both partners' consent, and has
two more links waiting for consent.

Everything is written with ``COPY`` (``copy.CopyTable``) inside one transaction
that also records the seed as the database comment, so a half-finished seed
never counts as done. All addresses are at ``BENCH_DOMAIN``.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from allauth.account.models import EmailAddress
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import generate_totp_secret
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from accounts.models import (
    Consent,
    Couple,
    CoupleEvent,
    FractureAnswer,
    Membership,
    OnboardingResponse,
    SafetyCheck,
    TherapistLink,
    TherapistProfile,
    User,
)
from accounts.models.onboarding import Fracture
from exercises.models import (
    Agreement,
    AgreementCheck,
    Answer,
    Appreciation,
    CheckIn,
    Exercise,
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
from exercises.models.choices import AnswerType

from .. import database
from .copy import CopyTable
from .seed_stages import ATONE, ATTACH, ATTUNE, BOTH, CAUSED, HURT, ONBOARDED, STAGES, CurriculumStages, SeededCouple

BENCH_DOMAIN = "web.bench.trustrepair.example"
SEED_VERSION = 1
RANDOM_SEED = 20260
PASSWORD = "bench-web-not-a-secret"  # noqa: S105 -- benchmark accounts on a loopback-only database
COUPLES_PER_THERAPIST = 50
PENDING_PER_THERAPIST = 2
CHECKIN_RATE = 0.85

# Share of couples at each stage.
STAGE_WEIGHTS = (0.08, 0.12, 0.30, 0.25, 0.25)  # STAGES: just paired, onboarded, Atone, Attune, Attach

ZONES = ("Europe/London", "Europe/Berlin", "America/New_York", "America/Chicago", "America/Los_Angeles",
         "Australia/Sydney", "Asia/Kolkata", "America/Sao_Paulo")  # fmt: skip
NAMES = ("Alex", "Sam", "Jordan", "Riley", "Casey", "Morgan", "Taylor", "Jamie", "Robin", "Charlie", "Avery",
         "Quinn", "Noa", "Mika", "Kim", "Lee", "Ari", "Dana", "Eli", "Sasha")  # fmt: skip
MOODS = [value for value, _ in CheckIn.Mood.choices]
NEEDS = ("A quiet evening together", "To be asked how I am", "A walk after work", "Patience", "An honest answer",
         "Some time on my own", "A hug when I get home")  # fmt: skip
FRACTURES = [value for value in Fracture.values if value != Fracture.OTHER]


def email(kind: str, number: int, side: str = "") -> str:
    return f"{kind}{number:05d}{side}@{BENCH_DOMAIN}"


def marker_text(couples: int, days: int) -> str:
    return f"bench_web seed v{SEED_VERSION}: couples={couples} days={days}"


def therapist_count(couples: int) -> int:
    return max(1, couples // 100)


def is_seeded(couples: int, days: int) -> bool:
    """The marker matches and the benchmark's people are all there."""
    if database.marker() != marker_text(couples, days):
        return False
    expected = 2 * couples + therapist_count(couples)
    return User.objects.filter(email__endswith=f"@{BENCH_DOMAIN}").count() == expected


def _curriculum() -> dict[str, tuple[Exercise, list]]:
    exercises = Exercise.objects.published().prefetch_related("steps")
    return {e.slug: (e, [s for s in e.steps.all() if s.answer_type != AnswerType.INSTRUCTION]) for e in exercises}


class Seeder(CurriculumStages):
    """Writes the rows (``CopyTable`` per table, ``self.t``); the stages' own rows come from ``CurriculumStages``."""

    def __init__(self, *, couples: int, days: int, say: Callable[[str], None]):
        self.couples = couples
        self.days = days
        self.say = say
        self.rng = random.Random(RANDOM_SEED)  # noqa: S311 -- reproducible test data, not secrets
        self.now = timezone.now().replace(microsecond=0)
        self.today = self.now.date()
        self.password = make_password(PASSWORD)
        self.curriculum = _curriculum()
        missing = {"naming-what-happened", "carrying-the-hurt", "owning-it-without-defending"} - set(self.curriculum)
        if missing:
            raise RuntimeError(f"The curriculum lacks {sorted(missing)}: run load_curriculum first.")
        self.seeded: list[SeededCouple] = []

    # --- helpers ------------------------------------------------------------------------

    def at(self, days_ago: float, hour: int = 19) -> dt.datetime:
        """A moment ``days_ago`` days back at about ``hour`` UTC, never in the future."""
        moment = self.now - dt.timedelta(days=max(days_ago, 0))
        moment = moment.replace(hour=hour, minute=self.rng.randrange(60), second=self.rng.randrange(60))
        return min(moment, self.now)

    def answer_value(self, step):
        rng = self.rng
        kind = step.answer_type
        if kind == AnswerType.SCALE:
            return rng.randint(2, 9)
        if kind == AnswerType.SINGLE_CHOICE and step.choices:
            return rng.choice(step.choices)
        if kind in (AnswerType.MULTIPLE_CHOICE, AnswerType.CHECKLIST) and step.choices:
            return rng.sample(step.choices, k=min(len(step.choices), rng.randint(1, 3)))
        if kind == AnswerType.DATE:
            return (self.today + dt.timedelta(days=rng.randint(7, 60))).isoformat()
        if kind == AnswerType.SHORT_TEXT:
            return rng.choice(NEEDS)
        return (
            "I keep coming back to the evening it all came out. What I want you to know is that I am trying, "
            "even on the days it does not look like it. " * rng.randint(1, 3)
        ).strip()

    # --- the whole seed -------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        with transaction.atomic():
            counts = self._write()
            database.set_marker(marker_text(self.couples, self.days))
        database.analyze()
        return counts

    def _write(self) -> dict[str, int]:
        t = {
            "users": CopyTable(User, ["password", "last_login", "is_superuser", "email", "display_name", "time_zone",
                                      "is_staff", "is_active", "date_joined", "prompts_paused"]),
            "emails": CopyTable(EmailAddress, ["user_id", "email", "verified", "primary"]),
            "couples": CopyTable(Couple, ["created_at", "created_by_id", "ended_at"]),
            "memberships": CopyTable(Membership, ["couple_id", "user_id", "slot", "joined_at", "left_at",
                                                  "closed_notice_pending"]),
            "events": CopyTable(CoupleEvent, ["couple_id", "actor_id", "kind", "created_at"]),
            "onboarding": CopyTable(OnboardingResponse, ["couple_id", "user_id", "other_fracture", "baseline_safety",
                                                         "baseline_trust", "submitted_at"]),
            "fractures": CopyTable(FractureAnswer, ["response_id", "kind", "role"]),
            "safety": CopyTable(SafetyCheck, ["user_id", "afraid_of_partner", "threats_or_violence", "note",
                                              "updated_at"]),
            "runs": CopyTable(Run, ["couple_id", "exercise_id", "incident_id", "started_at", "revealed_at",
                                    "joint_note", "joint_note_by_id"]),
            "responses": CopyTable(Response, ["run_id", "user_id", "visibility", "started_at", "draft_saved_at",
                                              "submitted_at"]),
            "answers": CopyTable(Answer, ["response_id", "step_id", "prompt_snapshot", "step_order", "value", "guess",
                                          "revision", "created_at"]),
            "incidents": CopyTable(Incident, ["couple_id", "created_by_id", "title", "happened_on", "created_at"]),
            "statements": CopyTable(Statement, ["couple_id", "author_id", "revision", "text", "visibility",
                                                "created_at"]),
            "statement_responses": CopyTable(StatementResponse, ["statement_id", "author_id", "felt_heard", "missing",
                                                                 "heard_enough", "created_at"]),
            "questions": CopyTable(Question, ["couple_id", "asker_id", "text", "repeat_of_id", "saved_for_therapist",
                                              "visibility", "created_at"]),
            "question_answers": CopyTable(QuestionAnswer, ["question_id", "author_id", "revision", "text",
                                                           "created_at"]),
            "agreements": CopyTable(Agreement, ["couple_id", "proposed_by_id", "category", "text", "review_on",
                                                "status", "replaces_id", "decided_at", "created_at"]),
            "agreement_checks": CopyTable(AgreementCheck, ["agreement_id", "logged_by_id", "kept", "note",
                                                           "occurred_on", "confirmed_by_id", "confirmed_at",
                                                           "created_at"]),
            "rituals": CopyTable(Ritual, ["couple_id", "created_by_id", "what", "when", "frequency", "active",
                                          "created_at"]),
            "rituals_done": CopyTable(RitualDone, ["ritual_id", "marked_by_id", "done_on", "created_at"]),
            "appreciations": CopyTable(Appreciation, ["couple_id", "sender_id", "recipient_id", "kind", "text",
                                                      "visibility", "created_at", "seen_at"]),
            "checkins": CopyTable(CheckIn, ["user_id", "couple_id", "local_date", "mood", "safety", "trust", "need",
                                            "share", "therapist_visible", "created_at", "updated_at"]),
            "notifications": CopyTable(Notification, ["user_id", "kind", "title", "body", "url", "created_at",
                                                      "read_at"]),
            "profiles": CopyTable(TherapistProfile, ["user_id", "practice_name", "licence_number", "region",
                                                     "practice_code", "created_at", "verified_at", "verified_by_id"]),
            "authenticators": CopyTable(Authenticator, ["user_id", "type", "data", "created_at", "last_used_at"]),
            "links": CopyTable(TherapistLink, ["couple_id", "therapist_id", "origin", "invited_email", "created_by_id",
                                               "created_at", "ended_at"]),
            "consents": CopyTable(Consent, ["link_id", "partner_id", "progress", "trends", "writing", "granted_at",
                                            "revoked_at"]),
        }  # fmt: skip
        self.t = t
        for number in range(self.couples):
            self.seeded.append(self._couple(number))
            if (number + 1) % 2000 == 0:
                self.say(f"  … {number + 1} couples")
        self._therapists()
        # Parents before children is not required (Django's foreign keys are deferred to the commit), but it
        # keeps the deferred checks cheap.
        return {name: table.close() for name, table in t.items()}

    def _user(self, address: str, name: str, joined: dt.datetime) -> int:
        user_id = self.t["users"].add(
            self.password, joined, False, address, name, self.rng.choice(ZONES), False, True, joined, False
        )
        self.t["emails"].add(user_id, address, True, True)
        return user_id

    def _couple(self, number: int) -> SeededCouple:
        rng, t = self.rng, self.t
        stage = rng.choices(STAGES, STAGE_WEIGHTS)[0]
        start_days = self.days + rng.randint(5, 60)
        start = self.at(start_days, hour=18)
        a = self._user(email("partner", number, "a"), rng.choice(NAMES), start)
        b = self._user(email("partner", number, "b"), rng.choice(NAMES), start + dt.timedelta(hours=2))
        couple = t["couples"].add(start, a, None)
        t["memberships"].add(couple, a, 1, start, None, False)
        t["memberships"].add(couple, b, 2, start + dt.timedelta(hours=2), None, False)
        t["events"].add(couple, a, CoupleEvent.Kind.CREATED, start)
        t["events"].add(couple, b, CoupleEvent.Kind.JOINED, start + dt.timedelta(hours=2))

        draw = rng.random()
        roles = {a: CAUSED, b: HURT} if draw < 0.85 else ({a: BOTH, b: BOTH} if draw < 0.95 else {a: HURT, b: CAUSED})
        seeded = SeededCouple(couple, a, b, stage, [])
        onboarded = [a, b] if stage >= ONBOARDED else ([a] if rng.random() < 0.5 else [])
        for user in onboarded:
            self._onboard(couple, user, roles[user], start_days - 1)
        for user in (a, b):
            if stage >= ONBOARDED or rng.random() < 0.5:
                t["safety"].add(user, "no", "no", "", self.at(start_days - 1))
        if stage >= ONBOARDED:
            for user in (a, b):
                t["events"].add(couple, user, CoupleEvent.Kind.REVEALED, self.at(start_days - 2))
        if stage >= ATONE:
            self._atone(seeded, roles, start_days - 5)
        if stage >= ATTUNE:
            self._attune(seeded, roles, start_days - 30)
        if stage >= ATTACH:
            self._attach(seeded, start_days - 60)
        self._checkins(seeded)
        return seeded

    def _onboard(self, couple: int, user: int, role: str, days_ago: int) -> None:
        when = self.at(days_ago)
        response = self.t["onboarding"].add(couple, user, "", self.rng.randint(2, 6), self.rng.randint(1, 5), when)
        for kind in self.rng.sample(FRACTURES, k=self.rng.randint(1, 3)):
            self.t["fractures"].add(response, kind, role)
        self.t["events"].add(couple, user, CoupleEvent.Kind.ONBOARDED, when)

    def _checkins(self, seeded: SeededCouple) -> None:
        rng, add = self.rng, self.t["checkins"].add
        level = 2 + seeded.stage
        for user in (seeded.a, seeded.b):
            for days_ago in range(self.days, 0, -1):
                if rng.random() >= CHECKIN_RATE:
                    continue
                local_date = self.today - dt.timedelta(days=days_ago)
                drift = (self.days - days_ago) / self.days * 2
                safety = min(10, max(0, round(rng.gauss(level + drift, 1.5))))
                trust = min(10, max(0, round(rng.gauss(level - 1 + drift, 1.5))))
                share = rng.choices(("ratings", "everything", "nothing"), (0.7, 0.2, 0.1))[0]
                need = rng.choice(NEEDS) if rng.random() < 0.2 else ""
                when = dt.datetime.combine(local_date, dt.time(20, rng.randrange(60)), tzinfo=dt.UTC)
                add(user, seeded.couple_id, local_date, rng.choice(MOODS), safety, trust, need, share, True, when, when)
            for days_ago in (3, 2, 1):
                when = self.at(days_ago, hour=8)
                self.t["notifications"].add(
                    user, "checkin_prompt", "Time for your check-in", "", "/couple/checkin/", when, when
                )
            if rng.random() < 0.5:
                self.t["notifications"].add(
                    user, "checkin_prompt", "Time for your check-in", "", "/couple/checkin/", self.at(0, hour=8), None
                )

    def _therapists(self) -> None:
        rng, t = self.rng, self.t
        count = therapist_count(self.couples)
        candidates = [c for c in self.seeded if c.stage >= ONBOARDED]
        rng.shuffle(candidates)
        per = max(1, min(COUPLES_PER_THERAPIST, len(candidates) // count - PENDING_PER_THERAPIST))
        adapter = get_mfa_adapter()
        secret = adapter.encrypt(generate_totp_secret())
        for number in range(count):
            joined = self.at(self.days + 90)
            user = self._user(email("therapist", number), f"Dr {rng.choice(NAMES)} {number}", joined)
            t["profiles"].add(
                user, "Bench Couples Practice", f"LIC-{number:05d}", "Berlin, Germany", f"BW{number:06d}", joined,
                joined + dt.timedelta(days=1), None,
            )  # fmt: skip
            t["authenticators"].add(user, Authenticator.Type.TOTP, {"secret": secret}, joined, None)
            mine = candidates[number * (per + PENDING_PER_THERAPIST) : (number + 1) * (per + PENDING_PER_THERAPIST)]
            for index, seeded in enumerate(mine):
                linked = self.at(rng.randint(10, self.days))
                link = t["links"].add(seeded.couple_id, user, "code", "", seeded.a, linked, None)
                t["consents"].add(link, seeded.a, True, True, rng.random() < 0.5, linked, None)
                if index < per:  # the last PENDING_PER_THERAPIST wait for the second partner's consent
                    t["consents"].add(
                        link, seeded.b, True, True, rng.random() < 0.5, linked + dt.timedelta(hours=5), None
                    )


def seed(*, couples: int, days: int, say: Callable[[str], None]) -> dict[str, int]:
    """Load the curriculum and write the whole benchmark world. Returns the rows written per table."""
    call_command("load_curriculum", verbosity=0)
    return Seeder(couples=couples, days=days, say=say).run()
