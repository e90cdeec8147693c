"""Property-based fuzzing of every form the app has: never a server error, and valid words survive an error.

Each row of ``TARGETS`` is one form, posted to its real URL by the person who
can reach it. Its text fields get hostile strings (NUL bytes, 10 kB strings,
right-to-left text, emoji ZWJ sequences, odd whitespace, the XSS corpus,
lengths around ``max_length``, and plain ``st.text()``); its other fields keep
valid values, except that now and then one of them gets a hostile string too.

Properties, for 200 examples per form:

1. The response is never a 5xx.
2. When the form comes back instead of a redirect (a 4xx, or allauth's 200),
   every text value that is acceptable for its field by itself (no NUL byte,
   not longer than the ``max_length`` read from the form class) is in the
   page again, as the control's value: ``value="<escaped>"`` for an input,
   ``>\\n<escaped></textarea>`` for a textarea (Django writes a newline first
   so a leading newline of the value survives). Password inputs are never
   written back, by design, so they are not checked.

Every example runs in a savepoint that is rolled back, with the client's
cookies restored and the rate-limit counters forgotten, so each one meets the
same state: a valid post (a saved check-in, a closed space, an erased
account) does not change what the next example finds.

| form | URL | posted by | text fields | other fields (valid defaults) |
| --- | --- | --- | --- | --- |
| LoginForm (allauth) | /accounts/login/ | anonymous | login | password, remember |
| SignupForm + SignupProfileForm | /accounts/signup/ | anonymous | email, display_name | password1/2, time_zone |
| ResetPasswordForm (allauth) | /accounts/password/reset/ | anonymous | email | — |
| AddEmailForm (allauth) | /accounts/email/ | partner | email | action_add |
| ChangePasswordForm (allauth) | /accounts/password/change/ | partner | (passwords only) | oldpassword, password1/2 |
| ReauthenticateForm (allauth) | /accounts/reauthenticate/ | partner | (password only) | password |
| ActivateTOTPForm (allauth) | /accounts/2fa/totp/activate/ | partner | code | — |
| ProfileForm | /settings/ | partner | display_name | time_zone, prompts_paused |
| PreferencesForm | /settings/prompts/ | partner | — | times, switches, paused_until |
| EraseForm | /settings/data/delete/ | partner (re-authenticated) | confirmation | understand |
| InviteEmailForm | /couple/invite/email/ | partner | email | — |
| JoinCodeForm | /couple/join/ | unpaired user | code | — |
| OnboardingForm | /couple/onboarding/ | partner not yet onboarded | other_fracture | role_*, baselines |
| SafetyCheckForm | /couple/safety-check/ | partner | note | answers, control ticks |
| LeaveForm | /couple/leave/ | partner | — | confirm |
| QuietWindowForm | /couple/quiet-time/ | partner | — | quiet-starts, quiet-ends |
| CheckInForm | /couple/checkin/ | partner | need | mood, safety, trust, share, therapist_visible |
| InviteTherapistForm | /couple/therapist/invite/ | partner | email | — |
| PracticeCodeForm | /couple/therapist/code/ | partner | code | — |
| ConsentForm | /couple/therapist/links/<pk>/consent/ | partner | — | link<pk>-progress/trends/writing |
| StepsForm | /couple/exercises/<slug>/ | partner | step_<id> (long and short text) | choices, scale, date, version, visibility |
| StepsForm (draft) | /couple/exercises/<slug>/autosave/ | partner | step_<id> | as above (a status fragment comes back) |
| IncidentForm | /couple/exercises/aftermath-of-a-fight/ | partner | title | happened_on |
| JointNoteForm | /couple/exercises/incidents/<pk>/note/ | partner | text | — |
| ReviseForm | /couple/exercises/<slug>/steps/<id>/revise/ | partner | step_<id> | — |
| StatementForm | /couple/exercises/accountability/ | partner who caused | text | visibility, based_on |
| StatementResponseForm | /couple/exercises/accountability/respond/ | hurt partner | missing | felt_heard, heard_enough, revision |
| AskForm | /couple/exercises/questions/ | hurt partner | text | visibility, repeat_of |
| AnswerForm | /couple/exercises/questions/<pk>/answer/ | other partner | text | — |
| ProposalForm | /couple/exercises/agreements/ | partner | text | category, review_on |
| ProposalForm (change) | /couple/exercises/agreements/<pk>/change/ | other partner | text | category, review_on |
| ProposalForm (change, sent twice) | same, on a proposal already changed | other partner | text | category, review_on |
| LogForm | /couple/exercises/agreements/<pk>/log/ | partner | note | kept, occurred_on |
| DisputeForm | /couple/exercises/agreements/checks/<pk>/dispute/ | other partner | note | — |
| PlanForm | /couple/exercises/rituals/ | partner | what, when | frequency |
| DoneForm | /couple/exercises/rituals/<pk>/done/ | partner | — | done_on |
| AppreciationForm | /couple/exercises/appreciations/ | partner | text | kind, visibility |
| TherapistJoinForm | /therapist/join/ | signed-in person, no profile | display_name, practice_name, licence_number, region | — |
| NoteForm | /therapist/couples/<id>/notes/ | consented therapist | text | — |
| NoteForm (edit) | /therapist/couples/<id>/notes/<id>/ | consented therapist | text | — |
| RecommendForm | /therapist/couples/<id>/recommend/ | consented therapist | note | exercise |
| UnlockForm | /therapist/couples/<id>/unlock/ | consented therapist | — | module |
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from allauth.account import forms as allauth_forms
from allauth.mfa.totp.forms import ActivateTOTPForm
from django import forms
from django.conf import settings as django_settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from accounts.couple_forms import InviteEmailForm, JoinCodeForm, LeaveForm, OnboardingForm, SafetyCheckForm
from accounts.data.forms import EraseForm
from accounts.forms import ProfileForm
from accounts.models import Couple, TherapistLink, User
from accounts.services import onboarding, pairing
from accounts.therapists import forms as therapist_forms
from accounts.therapists import services as therapy
from exercises.daily.forms import CheckInForm, PreferencesForm, QuietWindowForm
from exercises.forms import StepsForm
from exercises.forms_flows.accountability import StatementForm, StatementResponseForm
from exercises.forms_flows.agreements import DisputeForm, LogForm, ProposalForm
from exercises.forms_flows.appreciations import AppreciationForm
from exercises.forms_flows.questions import AnswerForm, AskForm
from exercises.forms_flows.rituals import DoneForm, PlanForm
from exercises.forms_paired import IncidentForm, JointNoteForm, revise_form
from exercises.models import Agreement, Exercise, Module, Question, Ritual
from exercises.models.choices import AnswerType, Visibility
from exercises.services import accountability, agreements, paired, questions, rituals
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.hostile.payloads import PAYLOADS
from tests.therapists.helpers import link, make_therapist

# Hypothesis keeps its example database (failures are replayed first next time) and caches under var/, which git
# ignores, instead of a .hypothesis/ directory in the working tree.
set_hypothesis_home_dir(str(django_settings.VAR_DIR / "hypothesis"))

# 41 forms x 200 examples (8,200 requests): 3.8 minutes on an idle machine, 5.5 to 6 under ordinary load. That is
# past the ~4 minutes a module may take in the quick run (-m "not browser and not slow"), so it is marked slow.
pytestmark = [pytest.mark.django_db, pytest.mark.slow]

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- Hostile strings ------------------------------------------------------------------------------

ODD_WHITESPACE = "\u00a0\u2028\u2029\t\r\n \u3000\u200b\ufeff\x0b\x0c"
RTL = [
    "\u202e",
    "\u202b",
    "\u200f",
    "\u202egnp.exe\u202c",
    "مرحبا، كيف حالك؟",
    "שלום, מה שלומך?",
    "\u202eمرحبا\u202c",
    "ا\u0651\u064e",
]
EMOJI = ["👩‍❤️‍👨", "👨‍👩‍👧‍👦", "🏳️‍🌈", "👍🏽", "🧑🏿‍🤝‍🧑🏻", "❤️‍🔥", "🇩🇪", "🫶🏼", "👁️‍🗨️"]


def _repeat(seed: str, size: int) -> str:
    return (seed * (size // len(seed) + 1))[:size]


def hostile_text(max_length: int | None) -> st.SearchStrategy[str]:
    """Anything a person (or a script) could type into a text field."""
    choices = [
        st.text(),
        st.text(alphabet=st.sampled_from(ODD_WHITESPACE + "a<>&\"'"), max_size=40),
        st.lists(st.sampled_from([*RTL, *EMOJI, " ", "\n", "\r\n", "word"]), min_size=1, max_size=25).map("".join),
        st.text(max_size=20).map(lambda s: f"{s}\x00{s}"),
        st.just("\x00"),
        # 10 kB and a little more: far beyond every limit of the app.
        st.tuples(st.text(min_size=1, max_size=5), st.integers(10_240, 10_300)).map(lambda t: _repeat(*t)),
        st.sampled_from(PAYLOADS),
    ]
    if max_length:
        # Right at the limit, one under and one over: the edge where "kept" and "refused" meet.
        choices.append(
            st.tuples(
                st.sampled_from(["a", "é", "👍🏽", " x", "\u202eא", "<\"'>&"]),
                st.sampled_from([max_length - 1, max_length, max_length + 1]),
            ).map(lambda t: _repeat(*t))
        )
    return st.one_of(choices)


# --- The cast -----------------------------------------------------------------------------------


@dataclass
class Cast:
    a: User  # hurt; asks questions; onboarded
    b: User  # caused; writes the statement
    couple: Couple
    newcomer: User  # paired but not onboarded
    unpaired: User
    candidate: User  # signed in, no therapist profile yet
    therapist: User
    ids: dict = field(default_factory=dict)


@pytest.fixture(scope="module")
def cast(django_db_setup, django_db_blocker):
    """Everyone and everything the forms need, built once for the module in a transaction rolled back at its end."""
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=hashers), transaction.atomic():
        call_command("load_curriculum", verbosity=0)
        a = UserFactory(verified=True, email="fuzz-a@example.test", display_name="Avery")
        b = UserFactory(verified=True, email="fuzz-b@example.test", display_name="Blake")
        couple = pairing.couple_create(user=a)
        pairing.invitation_accept(invitation=pairing.invitation_create_code(couple=couple, inviter=a), user=b)
        for person, role in ((a, "hurt"), (b, "caused")):
            onboarding.onboarding_submit(
                couple=couple, user=person, roles={"dishonesty": role}, other_fracture="", baseline_safety=5,
                baseline_trust=5,
            )  # fmt: skip
        newcomer = UserFactory(verified=True, display_name="Nico")
        pairing.invitation_accept(
            invitation=pairing.invitation_create_code(couple=pairing.couple_create(user=newcomer), inviter=newcomer),
            user=UserFactory(verified=True),
        )
        therapist = make_therapist(email="fuzz-therapist@example.test")
        link(couple, therapist)
        for module in Module.objects.published():
            therapy.module_unlock(couple=couple, therapist=therapist, module=module)
        cast = Cast(
            a=a,
            b=b,
            couple=couple,
            newcomer=newcomer,
            unpaired=UserFactory(verified=True, display_name="Uma"),
            candidate=UserFactory(verified=True, display_name="Cam"),
            therapist=therapist,
        )
        exercises = {e.slug: e for e in Exercise.objects.published()}
        ids = cast.ids
        # A revealed run (revise), a revealed incident (joint note), an open one to answer (steps).
        naming = paired.run_get_or_create(couple=couple, exercise=exercises["naming-what-happened"])
        aftermath = exercises["aftermath-of-a-fight"]
        incident = paired.incident_create(couple=couple, user=a, exercise=aftermath, title="Sunday")
        for run in (naming, incident):
            for person in (a, b):
                answers = {}
                for step in run.exercise.steps.all():
                    answers[step.pk] = (_valid_step_value(step), None)
                paired.response_submit(run=run, user=person, answers=answers, visibility=Visibility.COUPLE)
        ids["naming"] = naming.exercise.slug
        ids["short_step"] = naming.exercise.steps.get(answer_type=AnswerType.SHORT_TEXT).pk
        ids["incident"] = incident.incident_id
        ids["open_exercise"] = "transparency-we-agree-on"
        accountability.statement_write(couple=couple, author=b, text="I lied to you.", visibility=Visibility.COUPLE)
        ids["question"] = questions.question_ask(couple=couple, asker=a, text="Why?").pk
        propose = agreements.agreement_propose
        category = Agreement.Category.choices[0][0]
        ids["category"] = category
        ids["open_proposal"] = propose(couple=couple, user=a, category=category, text="Tell me.", review_on=None).pk
        countered = propose(couple=couple, user=a, category=category, text="Call me.", review_on=None)
        agreements.agreement_counter(agreement=countered, user=b, category=category, text="Text me.", review_on=None)
        ids["countered"] = countered.pk
        accepted = propose(couple=couple, user=a, category=category, text="Home by ten.", review_on=None)
        ids["accepted"] = agreements.agreement_decide(agreement=accepted, user=b, accept=True).pk
        ids["missed_log"] = agreements.agreement_log(
            agreement=accepted, user=a, kept=False, occurred_on=agreements.local_today(a), note="Forgot."
        ).pk
        ritual = rituals.ritual_plan(couple=couple, user=a, what="Coffee", when="", frequency=Ritual.Frequency.DAILY)
        ids["ritual"] = ritual.pk
        ids["link"] = TherapistLink.objects.get(couple=couple, therapist=therapist).pk
        ids["note"] = therapy.note_create(couple=couple, therapist=therapist, text="First session.").pk
        ids["exercise_pk"] = exercises["rituals-of-connection"].pk
        ids["module_pk"] = Module.objects.published().first().pk
        yield cast
        transaction.set_rollback(True)


def _valid_step_value(step):
    match step.answer_type:
        case AnswerType.SCALE:
            return 5
        case AnswerType.SINGLE_CHOICE:
            return step.choices[0]
        case AnswerType.MULTIPLE_CHOICE | AnswerType.CHECKLIST:
            return step.choices[:1]
        case AnswerType.DATE:
            return "2030-01-01"
    return "Words."


def _step_defaults(exercise: Exercise) -> dict:
    """Valid values for every non-text step (choices, scale, date) and the form's own fields."""
    data = {"version": exercise.version, "visibility": Visibility.COUPLE}
    for step in exercise.steps.all():
        name = f"step_{step.pk}"
        match step.answer_type:
            case AnswerType.SCALE:
                data[name] = "5"
            case AnswerType.SINGLE_CHOICE:
                data[name] = step.choices[0]
            case AnswerType.MULTIPLE_CHOICE | AnswerType.CHECKLIST:
                data[name] = step.choices[:1]
            case AnswerType.DATE:
                data[name] = "2030-01-01"
    return data


def _steps_form(slug: str) -> forms.Form:
    exercise = Exercise.objects.get(slug=slug)
    return StepsForm(steps=list(exercise.steps.all()), version=exercise.version)


# --- The forms ------------------------------------------------------------------------------------


@dataclass
class Target:
    """One form: where it is posted, by whom, the form as the view builds it, and valid values for the rest."""

    url: Callable[[Cast], str]
    who: str  # "anonymous", or an attribute of Cast ("a", "b", "newcomer", "unpaired", "candidate", "therapist")
    form: Callable[[Cast], forms.BaseForm]
    defaults: Callable[[Cast], dict] = lambda c: {}
    real_login: bool = False  # signed in through the forms, and re-authenticated (pages that ask for a recent one)
    rerenders: bool = True  # False where an error answers with something other than the form (autosave's status)


TODAY = dt.date.today().isoformat()


def _today(c: Cast) -> dt.date:
    return agreements.local_today(c.a)


TARGETS: dict[str, Target] = {
    # allauth, anonymous
    "login": Target(
        lambda c: reverse("account_login"),
        "anonymous",
        lambda c: allauth_forms.LoginForm(request=None),
        lambda c: {"password": "not-the-password"},
    ),
    "signup": Target(
        lambda c: reverse("account_signup"),
        "anonymous",
        lambda c: allauth_forms.SignupForm(),
        lambda c: {"password1": "a-long-unusual-pass-29", "password2": "a-long-unusual-pass-29", "time_zone": "UTC"},
    ),
    "password reset": Target(
        lambda c: reverse("account_reset_password"), "anonymous", lambda c: allauth_forms.ResetPasswordForm()
    ),
    # allauth, signed in
    "add email": Target(
        lambda c: reverse("account_email"),
        "a",
        lambda c: allauth_forms.AddEmailForm(user=c.a),
        lambda c: {"action_add": ""},
        real_login=True,
    ),
    "change password": Target(
        lambda c: reverse("account_change_password"),
        "a",
        lambda c: allauth_forms.ChangePasswordForm(user=c.a),
        lambda c: {"oldpassword": DEFAULT_PASSWORD, "password1": "n3w-pass-phrase!", "password2": "n3w-pass-phrase!"},
        real_login=True,
    ),
    "reauthenticate": Target(
        lambda c: reverse("account_reauthenticate"),
        "a",
        lambda c: allauth_forms.ReauthenticateForm(user=c.a),
        lambda c: {"password": "wrong"},
    ),
    "activate two-factor": Target(
        lambda c: reverse("mfa_activate_totp"),
        "a",
        lambda c: type("TOTP", (forms.Form,), dict(ActivateTOTPForm.base_fields))(),
        real_login=True,
    ),
    # Settings and data
    "profile": Target(
        lambda c: reverse("accounts:settings"),
        "a",
        lambda c: ProfileForm(instance=c.a),
        lambda c: {"time_zone": "Europe/Berlin"},
    ),
    "prompt preferences": Target(
        lambda c: reverse("daily:preferences"),
        "a",
        lambda c: PreferencesForm(user=c.a, preference=_preference(c.a)),
        lambda c: {
            "checkin_enabled": "on",
            "checkin_time": "08:00",
            "appreciation_time": "20:00",
            "inapp_enabled": "on",
        },
    ),
    "erase account": Target(
        lambda c: reverse("data:erase"), "a", lambda c: EraseForm(), lambda c: {"understand": "on"}, real_login=True
    ),
    # The couple space
    "invite by email": Target(lambda c: reverse("couple:invite_email"), "a", lambda c: InviteEmailForm()),
    "join by code": Target(lambda c: reverse("couple:join_code"), "unpaired", lambda c: JoinCodeForm()),
    "onboarding": Target(
        lambda c: reverse("couple:onboarding"),
        "newcomer",
        lambda c: OnboardingForm(),
        lambda c: {"role_dishonesty": "hurt", "baseline_safety": "4", "baseline_trust": "3"},
    ),
    "safety check": Target(
        lambda c: reverse("couple:safety_check"),
        "a",
        lambda c: SafetyCheckForm(),
        lambda c: {"afraid_of_partner": "no", "threats_or_violence": "no"},
    ),
    "leave": Target(lambda c: reverse("couple:leave"), "a", lambda c: LeaveForm(), lambda c: {"confirm": "on"}),
    "quiet time": Target(
        lambda c: reverse("daily:quiet_window"),
        "a",
        lambda c: QuietWindowForm(prefix="quiet"),
        lambda c: {"quiet-starts": "22:00", "quiet-ends": "07:00"},
    ),
    "check-in": Target(
        lambda c: reverse("daily:checkin"),
        "a",
        lambda c: CheckInForm(protected=False, has_therapist=True),
        lambda c: {"mood": "calm", "safety": "6", "trust": "5", "share": "ratings", "therapist_visible": "on"},
    ),
    "invite a therapist": Target(
        lambda c: reverse("couple_therapist:invite"), "a", lambda c: therapist_forms.InviteTherapistForm()
    ),
    "practice code": Target(
        lambda c: reverse("couple_therapist:code"), "a", lambda c: therapist_forms.PracticeCodeForm()
    ),
    "consent": Target(
        lambda c: reverse("couple_therapist:consent", args=[c.ids["link"]]),
        "a",
        lambda c: therapist_forms.ConsentForm(prefix=f"link{c.ids['link']}"),
        lambda c: {f"link{c.ids['link']}-progress": "on"},
    ),
    # Exercises
    "step answers": Target(
        lambda c: reverse("exercises:detail", args=[c.ids["open_exercise"]]),
        "a",
        lambda c: _steps_form(c.ids["open_exercise"]),
        lambda c: _step_defaults(Exercise.objects.get(slug=c.ids["open_exercise"])),
    ),
    "autosave": Target(
        lambda c: reverse("exercises:autosave", args=[c.ids["open_exercise"]]),
        "a",
        lambda c: _steps_form(c.ids["open_exercise"]),
        lambda c: _step_defaults(Exercise.objects.get(slug=c.ids["open_exercise"])),
        rerenders=False,
    ),
    "incident": Target(
        lambda c: reverse("exercises:detail", args=["aftermath-of-a-fight"]),
        "a",
        lambda c: IncidentForm(today=_today(c)),
        lambda c: {"happened_on": TODAY},
    ),
    "joint note": Target(
        lambda c: reverse("exercises:incident_note", args=[c.ids["incident"]]), "b", lambda c: JointNoteForm()
    ),
    "revise an answer": Target(
        lambda c: reverse("exercises:revise", args=[c.ids["naming"], c.ids["short_step"]]),
        "b",
        lambda c: revise_form(Exercise.objects.get(slug=c.ids["naming"]).steps.get(pk=c.ids["short_step"])),
    ),
    "accountability statement": Target(
        lambda c: reverse("exercises:accountability"),
        "b",
        lambda c: StatementForm(),
        lambda c: {"visibility": Visibility.COUPLE, "based_on": "1"},
    ),
    "statement response": Target(
        lambda c: reverse("exercises:accountability_respond"),
        "a",
        lambda c: StatementResponseForm(),
        lambda c: {"felt_heard": "4", "revision": "1"},
    ),
    "ask a question": Target(
        lambda c: reverse("exercises:questions"),
        "a",
        lambda c: AskForm(earlier=Question.objects.filter(couple=c.couple)),
        lambda c: {"visibility": Visibility.COUPLE},
    ),
    "answer a question": Target(
        lambda c: reverse("exercises:question_answer", args=[c.ids["question"]]),
        "b",
        lambda c: AnswerForm(question=Question.objects.get(pk=c.ids["question"])),
    ),
    "propose an agreement": Target(
        lambda c: reverse("exercises:agreements"),
        "a",
        lambda c: ProposalForm(today=_today(c)),
        lambda c: {"category": c.ids["category"], "review_on": ""},
    ),
    "change a proposal": Target(
        lambda c: reverse("exercises:agreement_counter", args=[c.ids["open_proposal"]]),
        "b",
        lambda c: ProposalForm(today=_today(c)),
        lambda c: {"category": c.ids["category"], "review_on": ""},
    ),
    "change a proposal again": Target(
        lambda c: reverse("exercises:agreement_counter", args=[c.ids["countered"]]),
        "b",
        lambda c: ProposalForm(today=_today(c)),
        lambda c: {"category": c.ids["category"], "review_on": ""},
        rerenders=False,  # the proposal was answered already: the page says so, without a form
    ),
    "log an agreement": Target(
        lambda c: reverse("exercises:agreement_log", args=[c.ids["accepted"]]),
        "a",
        lambda c: LogForm(today=_today(c)),
        lambda c: {"kept": "kept", "occurred_on": TODAY},
    ),
    "dispute a missed log": Target(
        lambda c: reverse("exercises:agreement_dispute", args=[c.ids["missed_log"]]),
        "b",
        lambda c: DisputeForm(),
    ),
    "plan a ritual": Target(
        lambda c: reverse("exercises:rituals"), "a", lambda c: PlanForm(), lambda c: {"frequency": "weekly"}
    ),
    "ritual done": Target(
        lambda c: reverse("exercises:ritual_done", args=[c.ids["ritual"]]),
        "a",
        lambda c: DoneForm(today=_today(c)),
        lambda c: {"done_on": _today(c).isoformat()},
    ),
    "appreciation": Target(
        lambda c: reverse("exercises:appreciations"),
        "a",
        lambda c: AppreciationForm(),
        lambda c: {"kind": "effort", "visibility": Visibility.COUPLE},
    ),
    # Therapists
    "therapist sign-up": Target(
        lambda c: reverse("therapist:join"), "candidate", lambda c: therapist_forms.TherapistJoinForm()
    ),
    "therapist note": Target(
        lambda c: reverse("therapist:note_create", args=[c.couple.pk]),
        "therapist",
        lambda c: therapist_forms.NoteForm(),
    ),
    "edit a therapist note": Target(
        lambda c: reverse("therapist:note_edit", args=[c.couple.pk, c.ids["note"]]),
        "therapist",
        lambda c: therapist_forms.NoteForm(),
    ),
    "recommend": Target(
        lambda c: reverse("therapist:recommend", args=[c.couple.pk]),
        "therapist",
        lambda c: therapist_forms.RecommendForm(),
        lambda c: {"exercise": str(c.ids["exercise_pk"])},
    ),
    "unlock a module": Target(
        lambda c: reverse("therapist:unlock", args=[c.couple.pk]),
        "therapist",
        lambda c: therapist_forms.UnlockForm(),
        lambda c: {"module": str(c.ids["module_pk"])},
    ),
}


def _preference(user):
    from exercises.daily.selectors import preferences_for

    return preferences_for(user)


def text_fields(form: forms.BaseForm) -> dict[str, forms.Field]:
    """html name -> field, for the fields a person types into (passwords and hidden inputs aside)."""
    return {
        form.add_prefix(name): f
        for name, f in form.fields.items()
        if isinstance(f, forms.CharField) and not isinstance(f.widget, forms.PasswordInput | forms.HiddenInput)
    }


def other_fields(form: forms.BaseForm, defaults: dict) -> list[str]:
    names = {form.add_prefix(name) for name in form.fields} | set(defaults)
    return sorted(names - set(text_fields(form)))


def acceptable(value: str, f: forms.Field) -> bool:
    """Valid for the field on its own terms: no NUL byte, within ``max_length``; empty values show nothing."""
    return bool(value) and "\x00" not in value and (f.max_length is None or len(value) <= f.max_length)


def kept(page: str, f: forms.Field, value: str) -> bool:
    if isinstance(f.widget, forms.Textarea):
        return f">\n{escape(value)}</textarea>" in page
    return f'value="{escape(value)}"' in page


def forget_rate_limits() -> None:
    """Each example starts with allauth's and our rate-limit counters at zero (they live in the cache).

    Only the cache's own keys are deleted: the Redis database also holds Celery's broker and results.
    (``django.core.cache.cache`` is a proxy, so the backend's class is checked on ``caches["default"]``.)
    """
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        client = backend._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{backend.key_prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    else:
        backend.clear()


def client_for(cast: Cast, target: Target) -> Client:
    """A fresh client, signed in as the target's person (through the log-in form where a page wants that)."""
    client = Client()
    if target.who == "anonymous":
        return client
    person = getattr(cast, target.who)
    if target.real_login:
        # Signed in through the form, then confirmed again: what "recently authenticated" pages ask for.
        response = client.post(reverse("account_login"), {"login": person.email, "password": DEFAULT_PASSWORD})
        assert response.status_code == 302, "the real log-in failed"
        response = client.post(reverse("account_reauthenticate"), {"password": DEFAULT_PASSWORD})
        assert response.status_code == 302, "the re-authentication failed"
    else:
        client.force_login(person)
    return client


@pytest.mark.parametrize("name", list(TARGETS))
def test_form_never_fails_and_keeps_valid_words(cast, name):
    target = TARGETS[name]
    client = client_for(cast, target)  # one per form, reused by its 200 examples
    seen = Counter()

    @FUZZ
    @given(data=st.data())
    def post_hostile_input(data):
        _example(cast, target, client, data, seen)

    post_hostile_input()
    # Where an error can come from another field, the "kept" property must have been put to the test at least once.
    form = target.form(cast)
    if target.rerenders and text_fields(form) and other_fields(form, target.defaults(cast)):
        assert seen["words checked"] > 0, f"{name}: no example re-rendered the form with words to check ({seen})"


def _example(cast: Cast, target: Target, client: Client, data, seen: Counter) -> None:
    form = target.form(cast)
    texts = text_fields(form)
    payload = dict(target.defaults(cast))
    for html_name, f in texts.items():
        payload[html_name] = data.draw(hostile_text(f.max_length), label=html_name)
    others = other_fields(form, payload)
    if others and data.draw(st.booleans(), label="corrupt another field"):
        victim = data.draw(st.sampled_from(others), label="corrupted field")
        payload[victim] = data.draw(hostile_text(None), label=victim)
    url = target.url(cast)
    cookies = {key: morsel.value for key, morsel in client.cookies.items()}
    try:
        with transaction.atomic():
            forget_rate_limits()
            response = client.post(url, payload)
            assert response.status_code < 500, f"POST {url}: {response.status_code}"
            seen[response.status_code] += 1
            if target.rerenders and not 300 <= response.status_code < 400:
                page = response.content.decode()
                checked = {n: payload[n] for n, f in texts.items() if acceptable(payload[n], f)}
                lost = {n: value for n, value in checked.items() if not kept(page, texts[n], value)}
                assert not lost, f"POST {url} answered {response.status_code} without these words: {lost!r}"
                seen["words checked"] += len(checked)
            transaction.set_rollback(True)
    finally:
        client.cookies.clear()
        for key, value in cookies.items():
            client.cookies[key] = value


def test_every_form_class_is_fuzzed(cast):
    """A new form class fails this until it has a row in TARGETS (and in the table above)."""
    import importlib
    import inspect

    modules = [
        "accounts.forms",
        "accounts.couple_forms",
        "accounts.therapists.forms",
        "accounts.data.forms",
        "exercises.forms",
        "exercises.forms_paired",
        "exercises.forms_flows.accountability",
        "exercises.forms_flows.agreements",
        "exercises.forms_flows.appreciations",
        "exercises.forms_flows.questions",
        "exercises.forms_flows.rituals",
        "exercises.daily.forms",
    ]
    declared = set()
    for module_name in modules:
        module = importlib.import_module(module_name)
        for value in vars(module).values():
            if inspect.isclass(value) and issubclass(value, forms.BaseForm) and value.__module__ == module_name:
                declared.add(value)
    covered = {type(target.form(cast)) for target in TARGETS.values()}
    # Posted as part of allauth's SignupForm (the "signup" target), never on its own.
    missing = {cls.__name__ for cls in declared if not any(issubclass(c, cls) for c in covered)}
    assert not missing, f"form classes without a fuzz target: {sorted(missing)}"
