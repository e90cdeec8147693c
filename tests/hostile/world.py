"""A couple space (and its therapists, and a crowd) whose every free-text field holds XSS payloads.

``build_world()`` writes the corpus of ``tests.hostile.payloads`` into every
free-text field a partner or a therapist can fill, through the app's own
services wherever one exists, so the rows are exactly what real use makes:

- one payload per row where a field has many rows (questions, answers,
  appreciations, agreements and their logs, rituals, incidents, statement
  versions and responses, therapist notes, answer revisions);
- several payloads packed into one value (``pack``) where a field has one row
  per person or per couple (onboarding's "in your own words", the safety-check
  note, the joint note, a recommendation's note, a check-in's need, practice
  name and region), spread over as many rows as it takes;
- one payload per person for display names and licence numbers (60 characters
  at most: every payload that fits).

``World.planted`` maps each field to the payloads written into it, so a test
can prove that every one of them was really shown (escaped) somewhere, and not
merely that nothing unescaped was found.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.management import call_command
from django.utils import timezone

from accounts.models import AccessLogEntry, Invitation, TherapistProfile, User
from accounts.services import onboarding, pairing
from accounts.therapists import services as therapy
from exercises.daily import services as daily
from exercises.daily.notifications import notify_appreciation_received
from exercises.models import Agreement, Appreciation, CheckIn, Exercise, Module, Ritual, Run
from exercises.models.choices import AnswerType, Visibility
from exercises.progress import Status as ProgressStatus
from exercises.progress import progress_for
from exercises.services import accountability, agreements, appreciations, paired, questions, rituals
from tests.factories import UserFactory
from tests.hostile.payloads import PAYLOADS
from tests.therapists.helpers import enable_totp, link

# Payloads that would break out of HTML text or an attribute if written out verbatim.
DANGEROUS = [p for p in PAYLOADS if any(c in p for c in "<>\"'")]
NAME_LIMIT = User._meta.get_field("display_name").max_length  # 60
NAMES = [p for p in PAYLOADS if len(p) <= NAME_LIMIT]
# What the browser test looks for: anything a payload would leave in the DOM had it been parsed as markup.
TELLTALE_SELECTOR = (
    'img[src="x"], svg[onload], [onerror], [onfocus], [ontoggle], [onmouseover], [onbegin], [onstart], '
    "iframe, object, embed, marquee, base, isindex, meta[http-equiv], "
    'a[href^="javascript" i], form[action^="javascript" i], [src^="javascript" i], [href^="jav" i], '
    '[hx-trigger*="load" i]'
)


def pack(payloads: list[str], limit: int, sep: str = "\n") -> list[str]:
    """As few values as possible of at most ``limit`` characters, together holding every payload that fits."""
    values: list[str] = []
    current = ""
    for payload in payloads:
        if len(payload) > limit:
            continue
        candidate = f"{current}{sep}{payload}" if current else payload
        if len(candidate) <= limit:
            current = candidate
        else:
            values.append(current)
            current = payload
    if current:
        values.append(current)
    return values


def unpack(value: str, sep: str = "\n") -> list[str]:
    return value.split(sep) if value else []


def indexed(i: int, payload: str) -> str:
    """A payload with a unique prefix, for fields that treat two texts equal up to case (the questions log)."""
    return f"#{i:03d} {payload}"


@dataclass
class World:
    a: User  # hurt; asks the questions
    b: User  # caused; writes the accountability statement
    therapist: User  # verified, two-factor, consented by both, wrote notes and recommendations
    therapist2: User  # a second consented therapist, for more recommendation notes
    staff: User
    couple: object
    crowd: list[tuple[User, User]]  # more couples, so that every payload that fits is someone's display name
    crowd_therapists: list[User]  # unverified therapists linked to the couple, one licence payload each
    join_tokens: dict[int, str]  # crowd inviter id -> the raw token of a still pending link invitation
    runs: dict[str, Run]  # exercise slug -> the couple's run
    incidents: list[Run]  # aftermath runs; the first two are revealed and carry joint notes
    drafts: dict[str, Run]  # slug -> a run with unsubmitted answers of partner A
    planted: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    emails: list = field(default_factory=list)  # the messages sent while planting (invitations)

    @property
    def partners(self) -> list[User]:
        return [self.a, self.b]


def _person(name: str, email: str, **extra) -> User:
    return UserFactory(verified=True, email=email, display_name=name, time_zone="Europe/Berlin", **extra)


def _submit(run: Run, user: User, values: dict[int, tuple], visibility=Visibility.COUPLE_THERAPIST):
    return paired.response_submit(run=run, user=user, answers=values, visibility=visibility)


def _answers_for(exercise: Exercise, text_for) -> dict[int, tuple]:
    """A complete, valid set of answers for ``exercise``; ``text_for(step, guess)`` gives each text."""
    answers = {}
    for step in exercise.steps.all():
        guess = text_for(step, True) if step.ask_guess else None
        match step.answer_type:
            case AnswerType.LONG_TEXT | AnswerType.SHORT_TEXT:
                answers[step.pk] = (text_for(step, False), guess)
            case AnswerType.SCALE:
                answers[step.pk] = (4, 6 if step.ask_guess else None)
            case AnswerType.SINGLE_CHOICE:
                answers[step.pk] = (step.choices[0], step.choices[-1] if step.ask_guess else None)
            case AnswerType.MULTIPLE_CHOICE | AnswerType.CHECKLIST:
                answers[step.pk] = (step.choices[:2], step.choices[-1:] if step.ask_guess else None)
            case AnswerType.DATE:
                answers[step.pk] = ("2030-01-02", None)
    return answers


def build_world(*, crowd: bool = True) -> World:
    """Plant the corpus everywhere; ``crowd=False`` leaves out the crowd of couples whose names are payloads."""
    corpus = PAYLOADS
    call_command("load_curriculum", verbosity=0)
    planted: dict[str, list[str]] = defaultdict(list)

    a, b, staff, couple = _plant_cast(planted)
    fractures, notes = _plant_onboarding(couple, a, b, corpus, planted)
    therapist, therapist2 = _plant_therapists(couple, staff, planted)

    exercises = {e.slug: e for e in Exercise.objects.published().prefetch_related("steps")}
    # One cycle of texts shared by the step-by-step exercises, the drafts and the aftermath, in that order.
    text_for = _cycling_texts(corpus)
    runs = _plant_step_by_step(couple, a, b, exercises, text_for, corpus, planted)
    drafts = _plant_drafts(couple, a, exercises, text_for)
    incidents = _plant_aftermath(couple, a, b, exercises, text_for, corpus, planted)

    _plant_accountability(couple, a, b, corpus, planted)
    _plant_questions(couple, a, b, corpus, planted)
    _plant_agreements(couple, a, b, corpus, planted)
    _plant_rituals(couple, a, b, corpus, planted)
    _plant_appreciations(couple, a, b, corpus, planted)
    _plant_checkins(couple, a, b, corpus, planted)
    _plant_therapist_work(couple, a, therapist, therapist2, exercises, corpus, planted)
    crowd_therapists = _plant_crowd_therapists(couple, corpus, planted)

    crowd_couples: list[tuple[User, User]] = []
    join_tokens: dict[int, str] = {}
    if crowd:
        crowd_couples, join_tokens = _plant_crowd(therapist, fractures, notes, planted)

    return World(
        a=a,
        b=b,
        therapist=therapist,
        therapist2=therapist2,
        staff=staff,
        couple=couple,
        crowd=crowd_couples,
        crowd_therapists=crowd_therapists,
        join_tokens=join_tokens,
        runs=runs,
        incidents=incidents,
        drafts=drafts,
        planted=planted,
    )


# --- The cast: partners and therapists whose names are payloads -------------------------------------


def _plant_cast(planted: dict[str, list[str]]) -> tuple[User, User, User, object]:
    """Partners A and B (payload names), a staff member, and the couple A created and B joined."""
    a = _person('"><script>alert(1)</script>', "hostile-a@example.test")
    b = _person("<img src=x onerror=alert(1)>", "hostile-b@example.test")
    staff = _person("Staff", "staff@example.test", is_staff=True, is_superuser=True)
    couple = pairing.couple_create(user=a)
    # The invitation email goes out with A's payload name (checked by the email tests through the outbox).
    pairing.invitation_send_by_email(couple=couple, inviter=a, email=b.email)
    invitation = Invitation.objects.get(couple=couple, email=b.email)
    pairing.invitation_accept(invitation=invitation, user=b)
    planted["display_name"] += [a.display_name, b.display_name]
    return a, b, staff, couple


def _plant_onboarding(couple, a: User, b: User, corpus: list[str], planted) -> tuple[list[str], list[str]]:
    """Onboarding and the safety check of A and B; returns all the packed values, the crowd takes the rest."""
    # Onboarding: A was hurt, B caused it; "in your own words" holds packed payloads.
    fractures = pack(corpus, OnboardingLimit)
    onboarding.onboarding_submit(
        couple=couple, user=a, roles={"dishonesty": "hurt"}, other_fracture=fractures[0],
        baseline_safety=3, baseline_trust=2,
    )  # fmt: skip
    onboarding.onboarding_submit(
        couple=couple, user=b, roles={"dishonesty": "caused"}, other_fracture=fractures[1],
        baseline_safety=7, baseline_trust=6,
    )  # fmt: skip
    planted["other_fracture"] += unpack(fractures[0]) + unpack(fractures[1])
    notes = pack(corpus, SafetyNoteLimit)
    for person, note in zip((a, b), notes, strict=False):
        # Calm answers: worrying ones would (rightly) keep A's later check-ins private.
        onboarding.safety_check_save(user=person, afraid_of_partner="no", threats_or_violence="no", note=note)
        planted["safety_note"] += unpack(note)
    return fractures, notes


def _plant_therapists(couple, staff: User, planted) -> tuple[User, User]:
    """Two verified, two-factor therapists consented by both partners; the first unlocks every module."""
    therapist = _person("<svg onload=alert(1)>", "hostile-therapist@example.test")
    therapy.profile_create(
        user=therapist,
        display_name=therapist.display_name,
        practice_name="<b onmouseover=alert(1)>Harbour</b>",
        licence_number="<script>alert(1)</script>",
        region="'><script>alert(1)</script>",
    )
    therapist2 = _person("<details open ontoggle=alert(1)>", "hostile-therapist2@example.test")
    therapy.profile_create(
        user=therapist2,
        display_name=therapist2.display_name,
        practice_name='"><script>alert(2)</script>',
        licence_number="<input autofocus onfocus=alert(1)>",
        region="<iframe src=javascript:alert(1)></iframe>",
    )
    for person in (therapist, therapist2):
        therapy.profile_verify(profile=person.therapist_profile, verified_by=staff)
        enable_totp(person)
        link(couple, person)
    planted["display_name"] += [therapist.display_name, therapist2.display_name]
    planted["practice_name"] += [p.therapist_profile.practice_name for p in (therapist, therapist2)]
    planted["licence_number"] += [p.therapist_profile.licence_number for p in (therapist, therapist2)]
    planted["region"] += [p.therapist_profile.region for p in (therapist, therapist2)]
    for module in Module.objects.published():
        therapy.module_unlock(couple=couple, therapist=therapist, module=module)
    return therapist, therapist2


# --- Step-by-step exercises ------------------------------------------------------------------------


def _cycling_texts(corpus: list[str]):
    """A ``text_for(step, guess)`` for ``_answers_for`` that hands out the corpus in a cycle."""
    texts = itertools.cycle(corpus)

    def text_for(step, guess):
        return next(texts)

    return text_for


def _plant_step_by_step(couple, a: User, b: User, exercises, text_for, corpus: list[str], planted) -> dict[str, Run]:
    """Three exercises answered and revealed, then every payload in answer revisions and guesses."""
    runs: dict[str, Run] = {}
    for slug in ("naming-what-happened", "inner-world-fears", "what-the-hurt-meant"):
        exercise = exercises[slug]
        run = paired.run_get_or_create(couple=couple, exercise=exercise)
        for person in (a, b):
            _submit(run, person, _answers_for(exercise, text_for))
        run.refresh_from_db()
        assert run.revealed_at is not None, slug
        runs[slug] = run
    planted["step_answer"] += corpus  # the cycle above starts the spread; the revisions below hold them all
    # Answer revisions: every payload in one long answer's history, and in one short answer's.
    naming = runs["naming-what-happened"]
    steps = list(naming.exercise.steps.all())
    long_step = next(s for s in steps if s.answer_type == AnswerType.LONG_TEXT)
    short_step = next(s for s in steps if s.answer_type == AnswerType.SHORT_TEXT)
    for payload in corpus:
        paired.answer_revise(run=naming, user=a, step=long_step, value=payload)
        paired.answer_revise(run=naming, user=b, step=short_step, value=payload)
    fears = runs["inner-world-fears"]
    guess_step = next(s for s in fears.exercise.steps.all() if s.ask_guess and s.answer_type == AnswerType.LONG_TEXT)
    for value, guess in zip(corpus, reversed(corpus), strict=True):
        paired.answer_revise(run=fears, user=a, step=guess_step, value=value, guess=guess)
    planted["guess"] += corpus
    return runs


def _plant_drafts(couple, a: User, exercises, text_for) -> dict[str, Run]:
    # Drafts: the form shows them again, in textareas and in <input value="…">.
    drafts: dict[str, Run] = {}
    for slug in ("small-promises-kept", "our-emotional-bank-account"):
        exercise = exercises[slug]
        run = paired.run_get_or_create(couple=couple, exercise=exercise)
        paired.draft_save(run=run, user=a, answers=_answers_for(exercise, text_for))
        drafts[slug] = run
    return drafts


def _plant_aftermath(couple, a: User, b: User, exercises, text_for, corpus: list[str], planted) -> list[Run]:
    # Aftermath: one incident per payload; the first two revealed, with a joint note each.
    aftermath = exercises["aftermath-of-a-fight"]
    incidents = []
    for i, payload in enumerate(corpus):
        incidents.append(paired.incident_create(couple=couple, user=(a, b)[i % 2], exercise=aftermath, title=payload))
    planted["incident_title"] += [p for p in corpus if len(p) <= IncidentTitleLimit]
    joint_notes = pack(corpus, JointNoteLimit)
    for run, note in zip(incidents[:2], itertools.cycle(joint_notes), strict=False):
        for person in (a, b):
            _submit(run, person, _answers_for(aftermath, text_for))
        paired.joint_note_save(run=run, user=a, text=note)
    for note in joint_notes[:2]:
        planted["joint_note"] += unpack(note)
    return incidents


# --- Accountability: B writes a version per payload, A answers each with what is missing -------------


def _plant_accountability(couple, a: User, b: User, corpus: list[str], planted) -> None:
    for payload, missing in zip(corpus, reversed(corpus), strict=True):
        accountability.statement_write(couple=couple, author=b, text=payload, visibility=Visibility.COUPLE_THERAPIST)
        accountability.statement_respond(couple=couple, author=a, felt_heard=3, missing=missing, heard_enough=False)
    planted["statement"] += corpus
    planted["statement_missing"] += corpus


# --- Questions log: A asks, B answers; one question carries every payload in its answer history ------


def _plant_questions(couple, a: User, b: User, corpus: list[str], planted) -> None:
    asked = []
    for i, payload in enumerate(corpus):
        visibility = Visibility.COUPLE_THERAPIST if i % 2 else Visibility.COUPLE
        question = questions.question_ask(couple=couple, asker=a, text=indexed(i, payload), visibility=visibility)
        asked.append(question)
        questions.question_answer(question=question, author=b, text=payload)
    questions.question_toggle_saved(question=asked[0], user=a, saved=True)
    for payload in corpus:
        questions.question_answer(question=asked[0], author=b, text=f"{payload} (again)")
    planted["question"] += corpus
    planted["question_answer"] += corpus


# --- Agreements: a proposal per payload; B accepts, counters or declines some; logs with notes --------


def _plant_agreements(couple, a: User, b: User, corpus: list[str], planted) -> None:
    category = Agreement.Category.choices[0][0]
    proposals = [
        agreements.agreement_propose(couple=couple, user=a, category=category, text=p, review_on=None) for p in corpus
    ]
    planted["agreement"] += corpus
    third = len(proposals) // 3
    for proposal, counter_text in zip(proposals[third : 2 * third], reversed(corpus), strict=False):
        agreements.agreement_counter(agreement=proposal, user=b, category=category, text=counter_text, review_on=None)
        planted["agreement_counter"].append(counter_text)
    for proposal in proposals[:third]:
        agreements.agreement_decide(agreement=proposal, user=b, accept=True)
    for proposal in proposals[2 * third : 2 * third + 10]:
        agreements.agreement_decide(agreement=proposal, user=b, accept=False)
    kept = proposals[0]
    for i, note in enumerate(p for p in corpus if len(p) <= LogNoteLimit):
        logger = (a, b)[i % 2]
        check = agreements.agreement_log(
            agreement=kept, user=logger, kept=bool(i % 3), occurred_on=agreements.local_today(logger), note=note
        )
        planted["agreement_log"].append(note)
        if not check.kept:  # the other partner sees it differently, in the same hostile words
            agreements.agreement_check_dispute(check=check, user=(b, a)[i % 2], note=note)


# --- Rituals -----------------------------------------------------------------------------------------


def _plant_rituals(couple, a: User, b: User, corpus: list[str], planted) -> None:
    for i, (what, when) in enumerate(zip(corpus, reversed(corpus), strict=True)):
        ritual = rituals.ritual_plan(
            couple=couple, user=(a, b)[i % 2], what=what, when=when, frequency=Ritual.Frequency.WEEKLY
        )
        if i % 7 == 0:
            rituals.ritual_mark_done(ritual=ritual, user=a)
    planted["ritual_what"] += corpus
    planted["ritual_when"] += [p for p in corpus if len(p) <= RitualWhenLimit]


# --- Appreciations (and the in-app notice of each) ---------------------------------------------------


def _plant_appreciations(couple, a: User, b: User, corpus: list[str], planted) -> None:
    for i, payload in enumerate(corpus):
        sender = (a, b)[i % 2]
        visibility = Visibility.COUPLE_THERAPIST if i % 3 else Visibility.COUPLE
        appreciation = appreciations.appreciation_send(
            couple=couple, sender=sender, kind=Appreciation.Kind.EFFORT, text=payload, visibility=visibility
        )
        notify_appreciation_received(appreciation)
    planted["appreciation"] += corpus


# --- Check-ins: a shared need ("everything") for each of the last seven days ---------------------------


def _plant_checkins(couple, a: User, b: User, corpus: list[str], planted) -> None:
    needs = itertools.cycle(pack(corpus, NeedLimit))
    for person in (a, b):
        today = daily.local_today(person)
        for offset in range(1, 7):
            CheckIn.objects.create(
                user=person, couple=couple, local_date=today - dt.timedelta(days=offset), mood="hopeful",
                safety=6, trust=5, need=next(needs), share=CheckIn.Share.EVERYTHING,
            )  # fmt: skip
        daily.checkin_save(
            user=person, couple=couple, mood="calm", safety=7, trust=6, need=next(needs),
            share=CheckIn.Share.EVERYTHING, therapist_visible=True,
        )  # fmt: skip
    for need in (c.need for c in CheckIn.objects.filter(couple=couple)):
        planted["checkin_need"] += unpack(need)
    # The quiet time B set: A's preferences page says who set it.
    daily.quiet_window_set(couple=couple, user=b, starts=dt.time(22), ends=dt.time(7))


# --- Therapists: notes, recommendations, an access log -------------------------------------------------


def _plant_therapist_work(couple, a: User, therapist: User, therapist2: User, exercises, corpus, planted) -> None:
    """The first therapist's notes, then both therapists' recommendations, until the packed notes run out."""
    for payload in corpus:
        therapy.note_create(couple=couple, therapist=therapist, text=payload)
    planted["therapist_note"] += corpus
    recommendation_notes = iter(pack(corpus, RecommendationLimit))
    # The dashboard leaves out suggestions of exercises already complete: suggest the others.
    progress = progress_for(couple=couple, user=a)
    done = {pk for pk, item in progress.by_exercise.items() if item.status == ProgressStatus.COMPLETE}
    for person in (therapist, therapist2):
        _recommend(couple, person, exercises, done, recommendation_notes, planted)


def _recommend(couple, therapist: User, exercises, done: set[int], notes, planted) -> None:
    """``therapist`` recommends each exercise not ``done``, one note each from ``notes``, while they last."""
    for exercise in exercises.values():
        if exercise.pk in done:
            continue
        note = next(notes, None)
        if note is None:
            return
        therapy.recommend(couple=couple, therapist=therapist, exercise=exercise, note=note)
        planted["recommendation_note"] += unpack(note)


def _plant_crowd_therapists(couple, corpus: list[str], planted) -> list[User]:
    # Unverified therapists linked to the couple (no consent yet): a licence number each, and names.
    crowd_therapists = []
    practices = itertools.cycle(pack(corpus, PracticeLimit, sep=" "))
    regions = itertools.cycle(pack(corpus, RegionLimit, sep=" "))
    licences = [p for p in corpus if len(p) <= LicenceLimit]
    for i, licence in enumerate(licences):
        person = _person(NAMES[i % len(NAMES)], f"therapist-{i}@example.test")
        practice, region = next(practices), next(regions)
        therapy.profile_create(
            user=person, display_name=person.display_name, practice_name=practice, licence_number=licence, region=region
        )
        link(couple, person, consents={})
        AccessLogEntry.objects.create(
            couple=couple, therapist=person, therapist_name=person.display_name, what="Couple page", path="/"
        )
        crowd_therapists.append(person)
        planted["crowd_therapist_name"].append(person.display_name)
        planted["crowd_practice_name"] += unpack(practice, " ")
        planted["crowd_region"] += unpack(region, " ")
        planted["crowd_licence_number"].append(licence)
    return crowd_therapists


# --- The crowd: every payload that fits is somebody's display name ------------------------------------


def _plant_crowd(
    therapist: User, fractures: list[str], notes: list[str], planted
) -> tuple[list[tuple[User, User]], dict[int, str]]:
    """Couples of payload names, onboarded with the packed values A and B left over, all linked to ``therapist``."""
    crowd_couples: list[tuple[User, User]] = []
    join_tokens: dict[int, str] = {}
    names = list(NAMES)
    if len(names) % 2:
        names.append("Plain Name")
    fracture_values = iter(fractures[2:])
    note_values = iter(notes[2:])
    for n, (first_name, second_name) in enumerate(itertools.batched(names, 2)):
        first = _person(first_name, f"crowd-{n}-a@example.test")
        second = _person(second_name, f"crowd-{n}-b@example.test")
        space, join_tokens[first.pk] = _crowd_space(n, first, second)
        for person in (first, second):
            _crowd_onboard(space, person, fracture_values, note_values, planted)
        link(space, therapist)
        crowd_couples.append((first, second))
        planted["crowd_display_name"] += [first.display_name, second.display_name]
    return crowd_couples, join_tokens


def _crowd_space(n: int, first: User, second: User) -> tuple[object, str]:
    """The couple ``first`` created and ``second`` joined by email, and the raw token of a pending link invitation."""
    space = pairing.couple_create(user=first)
    pairing.invitation_send_by_email(couple=space, inviter=first, email=second.email)
    # A second, still pending link invitation whose raw token the test knows: the join page shows the name.
    token = f"hostile-join-token-{n:04d}"
    Invitation.objects.create(
        couple=space,
        inviter=first,
        kind=Invitation.Kind.LINK,
        email=f"pending-{n}@example.test",
        token_hash=pairing.hash_token(token),
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    sent = Invitation.objects.get(couple=space, email=second.email)
    # Accepting revokes the other pending invitations; put the test's own back to pending afterwards.
    pairing.invitation_accept(invitation=sent, user=second)
    Invitation.objects.filter(couple=space, token_hash=pairing.hash_token(token)).update(revoked_at=None)
    return space, token


def _crowd_onboard(space, person: User, fracture_values, note_values, planted) -> None:
    """Onboarding with the next leftover fracture value (or none), and a safety check while notes are left."""
    fracture = next(fracture_values, "")
    onboarding.onboarding_submit(
        couple=space, user=person, roles={"trust": "both"}, other_fracture=fracture,
        baseline_safety=5, baseline_trust=5,
    )  # fmt: skip
    planted["crowd_other_fracture"] += unpack(fracture)
    note = next(note_values, None)
    if note is not None:
        onboarding.safety_check_save(user=person, afraid_of_partner="no", threats_or_violence="no", note=note)
        planted["crowd_safety_note"] += unpack(note)


# Field limits, read from the models so the packing follows any change to them.
def _limit(model, name: str) -> int:
    return model._meta.get_field(name).max_length


OnboardingLimit = _limit(onboarding.OnboardingResponse, "other_fracture")
SafetyNoteLimit = _limit(onboarding.SafetyCheck, "note")
JointNoteLimit = _limit(Run, "joint_note")
IncidentTitleLimit = _limit(paired.Incident, "title")
LogNoteLimit = agreements.NOTE_LIMIT
RitualWhenLimit = rituals.WHEN_LIMIT
NeedLimit = _limit(CheckIn, "need")
RecommendationLimit = therapy.Recommendation._meta.get_field("note").max_length
PracticeLimit = _limit(TherapistProfile, "practice_name")
RegionLimit = _limit(TherapistProfile, "region")
LicenceLimit = _limit(TherapistProfile, "licence_number")
AgreementLimit = _limit(Agreement, "text")
