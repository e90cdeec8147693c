"""What one person's data export contains, as plain Python data, and how it is packed.

``collect(user)`` is the single definition of "everything that is theirs"
(GDPR art. 20). It reads only:

- rows the person wrote themselves, whatever their visibility (their own
  private writing is theirs to take);
- rows their partner addressed to them *and could share with them*:
  appreciations received (never one the partner kept private) and the
  agreements of their couple spaces with their logs (agreements have no
  private form);
- the context needed to read their answers: the question text they answered
  (a step's words as answered, a question or statement they replied to, but
  only when that was visible to them);
- their couple spaces' therapist access log.

The partner's private writing (safety check, onboarding answers and baselines,
drafts, answers not yet revealed, anything with private visibility, check-ins)
is never read here, so it cannot end up in the file.

``build_zip(user)`` packs the same data twice: ``data.json`` for machines and
``index.html``, a self-contained page (autoescaped, no scripts, no external
assets) for people.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import (
    AccessLogEntry,
    Membership,
    OnboardingResponse,
    SafetyCheck,
    TherapistNote,
    TherapistProfile,
    User,
)
from exercises.models import (
    Agreement,
    Appreciation,
    CheckIn,
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

FORMAT = "trustrepair-export"
VERSION = 1
VISIBILITY_LABELS = dict(Visibility.choices)


def _who(user_id: int | None, me: User, names: dict[int, str]) -> str:
    if user_id is None:
        return ""
    return "me" if user_id == me.pk else names.get(user_id, "")


def _visible_to_me(visibility: str) -> bool:
    return visibility != Visibility.PRIVATE


def _answers(response: Response) -> list[dict]:
    return [
        {
            "step": answer.step_order,
            "question": answer.prompt_snapshot,
            "revision": answer.revision,
            "answer": answer.value,
            "guess_of_partner": answer.guess,
            "written_at": answer.created_at,
        }
        for answer in response.answers.all()
    ]


def _response(response: Response) -> dict:
    run = response.run
    return {
        "exercise": run.exercise.title,
        "incident": run.incident.title if run.incident_id else "",
        "visibility": response.visibility,
        "who_could_read": VISIBILITY_LABELS.get(response.visibility, ""),
        "started_at": response.started_at,
        "draft_saved_at": response.draft_saved_at,
        "submitted_at": response.submitted_at,
        "revealed_at": run.revealed_at,
        "answers": _answers(response),
    }


def collect(user: User) -> dict[str, Any]:
    """Everything the export holds for ``user``, as JSON-ready data (datetimes left as objects)."""
    memberships = list(Membership.objects.filter(user=user).select_related("couple").order_by("joined_at", "pk"))
    couple_ids = [m.couple_id for m in memberships]
    others = list(Membership.objects.filter(couple_id__in=couple_ids).exclude(user=user).select_related("user"))
    # How the other people of their spaces are named in the file (a person erased later reads "Former partner").
    names = {m.user_id: m.user.display_name for m in others}
    partner_in = {m.couple_id: m.user.display_name for m in others}
    responses = (
        Response.objects.filter(user=user)
        .select_related("run__exercise", "run__incident")
        .prefetch_related("answers")
        .order_by("started_at", "pk")
    )
    safety = SafetyCheck.objects.filter(user=user).first()
    preference = PromptPreference.objects.filter(user=user).first()
    profile = TherapistProfile.objects.filter(user=user).first()

    data: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "generated_at": timezone.now(),
        "account": {
            "email": user.email,
            "display_name": user.display_name,
            "time_zone": user.time_zone,
            "joined": user.date_joined,
            "last_sign_in": user.last_login,
            "prompts_paused": user.prompts_paused,
            "email_addresses": [
                {"email": address.email, "verified": address.verified, "primary": address.primary}
                for address in EmailAddress.objects.filter(user=user).order_by("-primary", "email")
            ],
            # Which kinds of second factor are on; never the secrets themselves.
            "two_factor": sorted(set(Authenticator.objects.filter(user=user).values_list("type", flat=True))),
        },
        "couple_spaces": [
            {
                "space": m.couple_id,
                "space_started": m.couple.created_at,
                "space_closed": m.couple.ended_at,
                "i_joined": m.joined_at,
                "i_left": m.left_at,
                "partner": partner_in.get(m.couple_id, ""),
            }
            for m in memberships
        ],
        "private": {
            "safety_check": None
            if safety is None
            else {
                "afraid_of_partner": safety.get_afraid_of_partner_display(),
                "controls_phone": safety.controls_phone,
                "controls_money": safety.controls_money,
                "controls_whereabouts": safety.controls_whereabouts,
                "controls_contacts": safety.controls_contacts,
                "threats_or_violence": safety.get_threats_or_violence_display(),
                "note": safety.note,
                "updated_at": safety.updated_at,
            },
            "onboarding": [
                {
                    "space": response.couple_id,
                    "in_my_own_words": response.other_fracture,
                    "baseline_safety": response.baseline_safety,
                    "baseline_trust": response.baseline_trust,
                    "submitted_at": response.submitted_at,
                    "fractures": [
                        {"kind": f.get_kind_display(), "my_role": f.get_role_display()}
                        for f in response.fractures.all()
                    ],
                }
                for response in OnboardingResponse.objects.filter(user=user).prefetch_related("fractures")
            ],
            "drafts": [_response(r) for r in responses if r.submitted_at is None],
        },
        "exercise_answers": [_response(r) for r in responses if r.submitted_at is not None],
        "incidents": [
            {"space": i.couple_id, "title": i.title, "happened_on": i.happened_on, "created_at": i.created_at}
            for i in Incident.objects.filter(created_by=user).order_by("created_at", "pk")
        ],
        # The one note a couple writes together after an aftermath; the last person to save it is its author.
        "joint_notes": [
            {
                "space": run.couple_id,
                "exercise": run.exercise.title,
                "incident": run.incident.title if run.incident else "",
                "text": run.joint_note,
            }
            for run in Run.objects.filter(joint_note_by=user)
            .exclude(joint_note="")
            .select_related("exercise", "incident")
            .order_by("started_at", "pk")
        ],
        "statements": [
            {
                "space": s.couple_id,
                "revision": s.revision,
                "text": s.text,
                "visibility": s.visibility,
                "who_could_read": VISIBILITY_LABELS.get(s.visibility, ""),
                "written_at": s.created_at,
            }
            for s in Statement.objects.filter(author=user).order_by("couple_id", "revision")
        ],
        "statement_responses": [
            {
                "space": r.statement.couple_id,
                "statement_revision": r.statement.revision,
                "statement": r.statement.text if _visible_to_me(r.statement.visibility) else "",
                "felt_heard": r.felt_heard,
                "still_missing": r.missing,
                "heard_enough": r.heard_enough,
                "written_at": r.created_at,
            }
            for r in StatementResponse.objects.filter(author=user).select_related("statement").order_by("created_at")
        ],
        "questions_asked": [
            {
                "space": q.couple_id,
                "text": q.text,
                "repeat_of_an_earlier_question": q.repeat_of_id is not None,
                "saved_for_therapist": q.saved_for_therapist,
                "visibility": q.visibility,
                "who_could_read": VISIBILITY_LABELS.get(q.visibility, ""),
                "asked_at": q.created_at,
            }
            for q in Question.objects.filter(asker=user).order_by("created_at", "pk")
        ],
        "answers_to_questions": [
            {
                "space": a.question.couple_id,
                "question": a.question.text if _visible_to_me(a.question.visibility) else "",
                "revision": a.revision,
                "text": a.text,
                "written_at": a.created_at,
            }
            for a in QuestionAnswer.objects.filter(author=user).select_related("question").order_by("created_at", "pk")
        ],
        "agreements": [
            {
                "space": agreement.couple_id,
                "proposed_by": _who(agreement.proposed_by_id, user, names),
                "category": agreement.get_category_display(),
                "text": agreement.text,
                "status": agreement.get_status_display(),
                "review_on": agreement.review_on,
                "proposed_at": agreement.created_at,
                "decided_at": agreement.decided_at,
                "logs": [
                    {
                        "kept": check.kept,
                        "occurred_on": check.occurred_on,
                        "logged_by": _who(check.logged_by_id, user, names),
                        "note": check.note,
                        "confirmed_by": _who(check.confirmed_by_id, user, names),
                        "confirmed_at": check.confirmed_at,
                    }
                    for check in agreement.checks.all()
                ],
            }
            for agreement in Agreement.objects.filter(couple_id__in=couple_ids)
            .prefetch_related("checks")
            .order_by("created_at", "pk")
        ],
        "rituals": [
            {
                "space": r.couple_id,
                "what": r.what,
                "when": r.when,
                "frequency": r.get_frequency_display(),
                "active": r.active,
                "created_at": r.created_at,
            }
            for r in Ritual.objects.filter(created_by=user).order_by("created_at", "pk")
        ],
        "rituals_done": [
            {"space": d.ritual.couple_id, "ritual": d.ritual.what, "done_on": d.done_on}
            for d in RitualDone.objects.filter(marked_by=user).select_related("ritual").order_by("done_on", "pk")
        ],
        "appreciations_sent": [
            {
                "space": a.couple_id,
                "to": names.get(a.recipient_id, ""),
                "kind": a.get_kind_display(),
                "text": a.text,
                "visibility": a.visibility,
                "who_could_read": VISIBILITY_LABELS.get(a.visibility, ""),
                "sent_at": a.created_at,
            }
            for a in Appreciation.objects.filter(sender=user).order_by("created_at", "pk")
        ],
        # The partner's words to this person are theirs to keep, unless the partner kept them private.
        "appreciations_received": [
            {
                "space": a.couple_id,
                "from": names.get(a.sender_id, ""),
                "kind": a.get_kind_display(),
                "text": a.text,
                "received_at": a.created_at,
            }
            for a in Appreciation.objects.filter(recipient=user)
            .exclude(visibility=Visibility.PRIVATE)
            .order_by("created_at", "pk")
        ],
        "checkins": [
            {
                "local_date": c.local_date,
                "mood": c.get_mood_display(),
                "safety": c.safety,
                "trust": c.trust,
                "need": c.need,
                "shared": c.get_share_display(),
                "ratings_for_therapist": c.therapist_visible,
            }
            for c in CheckIn.objects.filter(user=user).order_by("local_date")
        ],
        "prompt_preferences": None
        if preference is None
        else {
            "checkin": preference.checkin_enabled,
            "checkin_time": preference.checkin_time,
            "appreciation": preference.appreciation_enabled,
            "appreciation_time": preference.appreciation_time,
            "weekly_summary": preference.weekly_summary_enabled,
            "weekly_summary_day": preference.get_weekly_summary_day_display(),
            "weekly_summary_time": preference.weekly_summary_time,
            "by_email": preference.email_enabled,
            "in_the_app": preference.inapp_enabled,
            "paused_until": preference.paused_until,
        },
        "notifications": [
            {"kind": n.kind, "title": n.title, "body": n.body, "created_at": n.created_at, "read_at": n.read_at}
            for n in Notification.objects.filter(user=user).order_by("created_at", "pk")
        ],
        "therapist_access_log": [
            {"space": e.couple_id, "therapist": e.therapist_name, "what": e.what, "when": e.created_at}
            for e in AccessLogEntry.objects.filter(couple_id__in=couple_ids).order_by("created_at", "pk")
        ],
        "as_therapist": None
        if profile is None
        else {
            "practice_name": profile.practice_name,
            "licence_number": profile.licence_number,
            "region": profile.region,
            "verified_at": profile.verified_at,
            "notes": [
                {"space": n.couple_id, "text": n.text, "created_at": n.created_at, "updated_at": n.updated_at}
                for n in TherapistNote.objects.filter(therapist=user).order_by("created_at", "pk")
            ],
        },
    }
    return data


def as_text(value: Any) -> str:
    """An answer value (text, number, choices, checklist, date) as words for the readable page."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list | tuple):
        return ", ".join(as_text(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {as_text(item)}" for key, item in value.items())
    return str(value)


def _readable(data: dict[str, Any]) -> dict[str, Any]:
    """The same data, with answer values turned into words for the template (a copy, data is untouched)."""
    readable = {**data, "private": {**data["private"]}}
    for section, holder in (("exercise_answers", readable), ("drafts", readable["private"])):
        holder[section] = [
            {
                **response,
                "answers": [
                    {
                        **answer,
                        "answer_text": as_text(answer["answer"]),
                        "guess_text": as_text(answer["guess_of_partner"]),
                    }
                    for answer in response["answers"]
                ],
            }
            for response in holder[section]
        ]
    return readable


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


def to_html(data: dict[str, Any], *, time_zone: str) -> str:
    """A self-contained page: every value autoescaped, no scripts, no styles or anything else loaded from elsewhere."""
    with timezone.override(time_zone):
        return render_to_string("account_data/export/index.html", {"data": _readable(data), "time_zone": time_zone})


def build_zip(user: User) -> bytes:
    data = collect(user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", to_json(data))
        archive.writestr("index.html", to_html(data, time_zone=user.time_zone))
    return buffer.getvalue()
