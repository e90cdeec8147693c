"""Every XSS payload of the corpus, in every free-text field, on every page, email, export and admin page showing it.

The world (``tests.hostile.world``) plants the corpus (238 payloads) through the app's
services. Each test here reads one surface as the people who see it and
checks the raw HTML (``tests.hostile.checks.html_problems``): no payload
containing ``<``, ``>``, ``"`` or ``'`` appears verbatim, and nothing that
only injected markup could add (an event handler, a ``javascript:`` URL, a
foreign script, an iframe…) is there. Each test also proves it looked at the
right thing: every payload planted in a field must be shown (escaped) by one
of the pages that field belongs on. ``test_xss_browser.py`` repeats the
visit in Chromium and inspects the DOM.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import zipfile
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts import emails as account_emails
from accounts.data import emails as data_emails
from accounts.data.export import build_zip
from accounts.models import DataExport, Invitation, SafetyCheck, TherapistProfile, User
from accounts.therapists import services as therapy
from exercises.daily import emails as daily_emails
from exercises.daily.notifications import appreciation_email_send
from exercises.forms import LONG_TEXT_LIMIT, SHORT_TEXT_LIMIT
from exercises.models import Appreciation, CheckIn
from exercises.models.choices import AnswerType
from exercises.services import paired
from tests.helpers import Node, parse_html, sign_in_as
from tests.hostile.checks import Audit, html_problems
from tests.hostile.pages import PARTNER_FIELDS, partner_pages
from tests.hostile.world import DANGEROUS, NAMES, pack, unpack

pytestmark = pytest.mark.django_db


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        sign_in_as(client, user)
    return client


def get(client: Client, url: str, *, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, f"GET {url}: {response.status_code}"
    return response.content.decode()


def pages_of(client: Client, url: str, per_page: int, count: int, param: str = "page") -> list[tuple[str, str]]:
    """(url, html) of every page of a paginated list of ``count`` rows."""
    pages = max(1, -(-count // per_page))
    sep = "&" if "?" in url else "?"
    return [(f"{url}{sep}{param}={n}", get(client, f"{url}{sep}{param}={n}")) for n in range(1, pages + 1)]


# --- Partner pages ------------------------------------------------------------------------------


def test_partner_pages_keep_every_payload_text(hostile):
    """Both partners, every page of the couple space: the payloads are shown, as text, and nothing else happens."""
    audit = Audit({name: hostile.planted[name] for name in PARTNER_FIELDS})
    for viewer in hostile.partners:
        client = client_for(viewer)
        for url, shows in partner_pages(hostile, viewer):
            response = client.get(url, follow=True)
            assert response.status_code == 200, f"GET {url} as {viewer.email}: {response.status_code}"
            audit.page(f"{viewer.email} {url}", response.content, shows=shows)
    audit.assert_clean()


def test_form_controls_show_payloads_as_values(hostile):
    """Words shown again inside form controls (an input's value, a textarea) for every payload: drafts, needs, revisions.

    One control holds one value at a time, so the payloads go through it in turns, packed as many to a value as fit.
    """
    a, b = hostile.a, hostile.b
    audit = Audit({"input": DANGEROUS, "textarea": DANGEROUS, "need": DANGEROUS, "revision": DANGEROUS})
    client = client_for(a)
    draft = hostile.drafts["small-promises-kept"]
    steps = {s.answer_type: s for s in draft.exercise.steps.all()}
    url = reverse("exercises:detail", args=[draft.exercise.slug])
    short_values = pack(DANGEROUS, SHORT_TEXT_LIMIT, " ")
    long_values = pack(DANGEROUS, LONG_TEXT_LIMIT)
    for short, long in itertools.zip_longest(short_values, long_values, fillvalue=None):
        answers = {}
        if short is not None:
            answers[steps[AnswerType.SHORT_TEXT].pk] = (short, None)
        if long is not None:
            answers[steps[AnswerType.LONG_TEXT].pk] = (long, None)
        paired.draft_save(run=draft, user=a, answers=answers)
        shows = (["input"] if short is not None else []) + (["textarea"] if long is not None else [])
        audit.page(f"draft {url}", get(client, url), shows=shows)

    # The check-in page: today's need in the form, the week's needs (mine and my partner's) in the table.
    rows = list(CheckIn.objects.filter(couple=hostile.couple).order_by("user_id", "-local_date"))
    for values in itertools.batched(pack(DANGEROUS, CheckIn._meta.get_field("need").max_length), len(rows)):
        for row, value in zip(rows, values, strict=False):
            CheckIn.objects.filter(pk=row.pk).update(need=value)
        audit.page("check-in", get(client, reverse("daily:checkin")), shows=["need"])

    # A revised answer: the revise form starts from the current version (a short text, in <input value>).
    naming = hostile.runs["naming-what-happened"]
    short_step = naming.exercise.steps.get(answer_type=AnswerType.SHORT_TEXT)
    revise_url = reverse("exercises:revise", args=[naming.exercise.slug, short_step.pk])
    b_client = client_for(b)
    for value in pack(DANGEROUS, SHORT_TEXT_LIMIT, " "):
        paired.answer_revise(run=naming, user=b, step=short_step, value=value)
        audit.page(f"revise {revise_url}", get(b_client, revise_url), shows=["revision"])
    audit.assert_clean()


# --- Display names and the other fields of the crowd ---------------------------------------------


def test_every_payload_name_is_shown_as_text(hostile):
    """Each name that fits (60 characters) belongs to someone: their settings, dashboard, invitation link, caseload row."""
    expected = {
        "settings": hostile.planted["crowd_display_name"],
        "dashboard": [first.display_name for first, _ in hostile.crowd[::4]],
        "join link": [first.display_name for first, _ in hostile.crowd],
        "caseload": hostile.planted["crowd_display_name"],
        "other_fracture": hostile.planted["crowd_other_fracture"],
        "safety_note": hostile.planted["crowd_safety_note"],
    }
    audit = Audit(expected)
    fractures = set(hostile.planted["crowd_other_fracture"])
    with_notes = set(SafetyCheck.objects.exclude(note="").values_list("user_id", flat=True))
    for n, (first, second) in enumerate(hostile.crowd):
        anonymous = Client()
        token = hostile.join_tokens[first.pk]
        audit.page(
            f"join link of {first.email}", get(anonymous, reverse("join_link", args=[token])), shows=["join link"]
        )
        for person in (first, second):
            client = client_for(person)
            audit.page(f"settings {person.email}", get(client, reverse("accounts:settings")), shows=["settings"])
            if person == first and n % 4 == 0:  # a sample: the names are all shown as text by the caseload too
                audit.page(f"dashboard {person.email}", get(client, reverse("couple:dashboard")), shows=["dashboard"])
            if fractures & set(unpack(person.onboarding_responses.get().other_fracture)):
                audit.page(
                    f"together {person.email}", get(client, reverse("couple:together")), shows=["other_fracture"]
                )
            if person.pk in with_notes:
                audit.page(f"safety {person.email}", get(client, reverse("couple:safety_check")), shows=["safety_note"])
    audit.page("caseload", get(client_for(hostile.therapist), reverse("therapist:caseload")), shows=["caseload"])
    audit.assert_clean()


# --- Therapists -------------------------------------------------------------------------------------


def test_therapist_pages_keep_every_payload_text(hostile):
    """The consented therapists (all scopes), the unverified ones, and the invitation a partner sends a therapist."""
    audit = Audit(
        {
            "therapist_note": hostile.planted["therapist_note"],
            "statement": hostile.planted["statement"],
            "display_name": [hostile.a.display_name, hostile.b.display_name],
            "crowd_display_name": hostile.planted["crowd_display_name"],
            "crowd_licence_number": hostile.planted["crowd_licence_number"],
            "crowd_region": hostile.planted["crowd_region"],
            "crowd_practice_name": hostile.planted["crowd_practice_name"],
            "inviter": [second.display_name for _, second in hostile.crowd],
        }
    )
    for therapist in (hostile.therapist, hostile.therapist2):
        client = client_for(therapist)
        audit.page("caseload", get(client, reverse("therapist:caseload")), shows=["crowd_display_name", "display_name"])
        couple_url = reverse("therapist:couple", args=[hostile.couple.pk])
        audit.page(couple_url, get(client, couple_url), shows=["therapist_note", "statement", "display_name"])
        audit.page("two-factor", get(client, reverse("therapist:mfa_required")))
    for person in hostile.crowd_therapists:
        client = client_for(person)
        page = get(client, reverse("therapist:caseload"))  # unverified: the "waiting" page with licence and practice
        audit.page(
            f"waiting {person.email}", page, shows=["crowd_licence_number", "crowd_region", "crowd_practice_name"]
        )
    # A partner invites a therapist: the invitation page shows the partner's name.
    for (first, second), invited in zip(hostile.crowd, hostile.crowd_therapists, strict=False):
        couple = first.memberships.get().couple
        token = therapy.invitation_send(couple=couple, inviter=second, email=invited.email)
        page = get(client_for(invited), reverse("therapist:invitation", args=[token]))
        audit.page(f"invitation from {second.email}", page, shows=["inviter"])
    audit.assert_clean()


# --- Emails ------------------------------------------------------------------------------------------


def _parts(message) -> tuple[str, str, str]:
    html = next(content for content, mimetype in message.alternatives if mimetype == "text/html")
    return message.subject, message.body, html


def hostile_emails(w) -> list[tuple[str, object, str]]:
    """(what, message, the payload name it carries) for every email that shows a partner's or therapist's name."""
    out: list[tuple[str, object, str]] = []
    for message in w.emails:  # couple invitations, sent while planting
        invitation = Invitation.objects.select_related("inviter").filter(email=message.to[0]).first()
        out.append(("couple invitation", message, invitation.inviter.display_name))
    sent_before = len(mail.outbox)
    for first, second in [(w.a, w.b), *w.crowd]:
        couple = first.memberships.get().couple
        therapy.invitation_send(couple=couple, inviter=second, email=f"therapist-for-{second.pk}@example.test")
        out.append(("therapist invitation", mail.outbox[-1], second.display_name))
        out.append(
            (
                "appreciation received",
                daily_emails.appreciation_received(recipient=second, sender_name=first.get_short_name()),
                first.display_name,
            )
        )
        for person in (first, second):
            export = DataExport(user=person, expires_at=timezone.now() + timedelta(days=7))
            data_emails.export_ready(export)
            out.append(("export ready", mail.outbox[-1], person.display_name))
            account_emails.space_closed(person)
            out.append(("space closed", mail.outbox[-1], person.display_name))
    # The real path of the "appreciation received" email, as the task runs it.
    for appreciation in Appreciation.objects.filter(couple=w.couple)[:4]:
        if appreciation_email_send(appreciation.pk):
            out.append(("appreciation received (task)", mail.outbox[-1], appreciation.sender.display_name))
    assert len(mail.outbox) > sent_before
    return out


def test_email_html_parts_escape_names(hostile):
    """The HTML part of every email that names a person shows the payload name as text."""
    audit = Audit()
    unshown = []
    for what, message, name in hostile_emails(hostile):
        _subject, _text, html = _parts(message)
        audit.page(f"{what} to {message.to}", html, allow_scripts=False)
        if escape(name) not in html:
            unshown.append((what, name))
    audit.assert_clean()
    assert not unshown, f"the name is missing from these emails, so they proved nothing: {unshown[:5]}"


def test_email_plain_text_parts_show_names_as_written(hostile):
    """text/plain is not HTML: a name (a payload, or just "O'Neill") must read exactly as typed, not as &#x27; or &lt;."""
    mangled = []
    for what, message, name in hostile_emails(hostile):
        subject, text, _html = _parts(message)
        for part, content in (("subject", subject), ("text", text)):
            if part == "subject" and what in ("export ready", "space closed"):
                continue  # these subjects name nobody
            # A subject is one line: runs of whitespace (a form feed, say) become one space, by design.
            expected = " ".join(name.split()) if part == "subject" else name
            if expected in content and (escape(expected) == expected or escape(expected) not in content):
                continue
            mangled.append(f"{what} ({part}): {expected!r} reads as {escape(expected)!r}")
    assert not mangled, (
        f"{len(mangled)} plain-text parts HTML-escape names: "
        + "; ".join(sorted({m.split(":", 1)[0] for m in mangled}))
        + f". First: {mangled[0]}"
    )


# --- The data export ----------------------------------------------------------------------------------

EXPORT_FIELDS = [
    "other_fracture",
    "safety_note",
    "step_answer",
    "guess",
    "incident_title",
    "joint_note",
    "statement",
    "statement_missing",
    "question",
    "question_answer",
    "agreement",
    "agreement_counter",
    "agreement_log",
    "ritual_what",
    "ritual_when",
    "appreciation",
    "checkin_need",
    "therapist_note",
    "display_name",
]


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def test_export_zip_is_valid_json_and_escaped_html(hostile):
    """index.html shows every payload as text (no script at all); data.json is valid JSON holding the exact words."""
    audit = Audit({name: hostile.planted[name] for name in EXPORT_FIELDS})
    in_json: dict[str, set[str]] = {name: set(hostile.planted[name]) for name in EXPORT_FIELDS}
    people = [hostile.a, hostile.b, hostile.therapist, hostile.therapist2, *hostile.crowd_therapists[:2]]
    for person in people:
        with zipfile.ZipFile(io.BytesIO(build_zip(person))) as archive:
            assert sorted(archive.namelist()) == ["data.json", "index.html"]
            page = archive.read("index.html").decode()
            data = json.loads(archive.read("data.json").decode())
        # A file opened from disk runs under no CSP at all: not even the app's own scripts belong in it.
        audit.page(f"export of {person.email}", page, shows=EXPORT_FIELDS, allow_scripts=False)
        text = "\x00".join(_strings(data))
        for remaining in in_json.values():
            remaining -= {p for p in remaining if p in text}
        assert data["account"]["display_name"] == person.display_name
    audit.assert_clean()
    unmatched = {name: sorted(rest)[:3] for name, rest in in_json.items() if rest}
    assert not unmatched, f"data.json lost or changed these payloads: {unmatched}"


# --- The staff admin ----------------------------------------------------------------------------------


def test_admin_pages_keep_every_payload_text(hostile):
    """Staff read people's names and therapists' profiles in the admin: changelists, change forms, the access log."""
    sampled = [hostile.a, hostile.b, hostile.therapist, hostile.therapist2, *itertools.chain(*hostile.crowd[::6])]
    audit = Audit(
        {
            "display_name": hostile.planted["display_name"],
            "crowd_display_name": hostile.planted["crowd_display_name"],
            "crowd_therapist_name": hostile.planted["crowd_therapist_name"],
            "practice_name": hostile.planted["practice_name"] + hostile.planted["crowd_practice_name"],
            "licence_number": hostile.planted["licence_number"] + hostile.planted["crowd_licence_number"],
            "region": hostile.planted["region"] + hostile.planted["crowd_region"],
            "change form": [p.display_name for p in sampled],
        }
    )
    client = client_for(hostile.staff)
    names = ["display_name", "crowd_display_name", "crowd_therapist_name"]
    for url, page in pages_of(client, reverse("admin:accounts_user_changelist"), 100, User.objects.count(), "p"):
        audit.page(url, page, shows=names)
    profiles = TherapistProfile.objects.count()
    for url, page in pages_of(client, reverse("admin:accounts_therapistprofile_changelist"), 100, profiles, "p"):
        audit.page(url, page, shows=["practice_name", "licence_number", "region", *names])
    for url in (
        reverse("admin:accounts_couple_change", args=[hostile.couple.pk]),
        reverse("admin:accounts_invitation_changelist"),
        reverse("admin:accounts_therapistprofile_change", args=[hostile.therapist.therapist_profile.pk]),
        reverse("admin:accounts_therapistprofile_change", args=[hostile.crowd_therapists[0].therapist_profile.pk]),
    ):
        audit.page(url, get(client, url), shows=["display_name", "practice_name", "licence_number", "region"])
    # Change forms, where the name sits in <input value="…"> (a sample: every name is in one on the settings page).
    for person in sampled:
        url = reverse("admin:accounts_user_change", args=[person.pk])
        audit.page(url, get(client, url), shows=["change form"])
    audit.assert_clean()


# --- The checks themselves ------------------------------------------------------------------------------


def test_the_checks_catch_an_unescaped_payload():
    """Guard against checks that pass because they look at nothing."""
    for payload in DANGEROUS:
        assert html_problems(f"<p>{payload}</p>"), payload
    assert html_problems('<p title="x" onclick="alert(1)">hi</p>')
    assert html_problems('<a href=" jav&#x09;ascript:alert(1)">x</a>')
    assert html_problems("<script>alert(1)</script>")
    assert not html_problems(f"<p>{escape(DANGEROUS[0])}</p><script src='/static/js/app.js'></script>")
    assert all(len(name) <= 60 for name in NAMES) and len(NAMES) >= 20


# --- Dates as people read them ------------------------------------------------------------------
# In this module because it reads the same filled world: people read "3 Dec 2026" or
# "yesterday"; ISO dates belong only in machine attributes (<time datetime>, date inputs).

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
INVISIBLE = frozenset({"script", "style", "template", "head"})


def visible_text(node: Node) -> str:
    parts: list[str] = []
    for child in node.children:
        if isinstance(child, str):
            parts.append(child)
        elif child.tag not in INVISIBLE:
            parts.append(visible_text(child))
    return " ".join(parts)


def raw_dates(client: Client, url: str) -> list[str]:
    response = client.get(url, follow=True)
    assert response.status_code == 200, f"GET {url}: {response.status_code}"
    return ISO_DATE.findall(visible_text(parse_html(response.content)))


def test_no_partner_or_therapist_page_shows_a_raw_iso_date(hostile):
    found: dict[str, list[str]] = {}
    for viewer in hostile.partners:
        client = Client()
        sign_in_as(client, viewer)
        for url, _ in partner_pages(hostile, viewer, every_variant=False):
            if dates := raw_dates(client, url):
                found[f"{viewer.email} {url}"] = dates
    for therapist in (hostile.therapist, hostile.therapist2):
        client = Client()
        sign_in_as(client, therapist)
        for url in (reverse("therapist:caseload"), reverse("therapist:couple", args=[hostile.couple.pk])):
            if dates := raw_dates(client, url):
                found[f"{therapist.email} {url}"] = dates
    assert not found, found
