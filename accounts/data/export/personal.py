"""The person's account, settings and private rows, for their export.

Everything here is read by ``user`` alone (never by couple space), so nothing of
the partner's can appear: the account and its sign-in methods (which kinds of
second factor, never their secrets), the couple spaces joined, the safety check,
onboarding answers, check-ins, prompt settings, notifications, and their work as
a therapist if they are one. Drafts are passed in by ``contents``, which reads
the person's exercise responses once for drafts and submitted answers alike.
"""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator

from accounts.models import OnboardingResponse, SafetyCheck, TherapistNote, TherapistProfile, User
from exercises.models import CheckIn, Notification, PromptPreference

from .scope import Scope


def account(user: User) -> dict[str, Any]:
    return {
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
    }


def couple_spaces(scope: Scope) -> list[dict[str, Any]]:
    return [
        {
            "space": m.couple_id,
            "space_started": m.couple.created_at,
            "space_closed": m.couple.ended_at,
            "i_joined": m.joined_at,
            "i_left": m.left_at,
            "partner": scope.partner_in.get(m.couple_id, ""),
        }
        for m in scope.memberships
    ]


def _safety_check(user: User) -> dict[str, Any] | None:
    safety = SafetyCheck.objects.filter(user=user).first()
    if safety is None:
        return None
    return {
        "afraid_of_partner": safety.get_afraid_of_partner_display(),
        "controls_phone": safety.controls_phone,
        "controls_money": safety.controls_money,
        "controls_whereabouts": safety.controls_whereabouts,
        "controls_contacts": safety.controls_contacts,
        "threats_or_violence": safety.get_threats_or_violence_display(),
        "note": safety.note,
        "updated_at": safety.updated_at,
    }


def _onboarding(user: User) -> list[dict[str, Any]]:
    return [
        {
            "space": response.couple_id,
            "in_my_own_words": response.other_fracture,
            "baseline_safety": response.baseline_safety,
            "baseline_trust": response.baseline_trust,
            "submitted_at": response.submitted_at,
            "fractures": [
                {"kind": f.get_kind_display(), "my_role": f.get_role_display()} for f in response.fractures.all()
            ],
        }
        for response in OnboardingResponse.objects.filter(user=user).prefetch_related("fractures")
    ]


def private(user: User, *, drafts: list[dict[str, Any]]) -> dict[str, Any]:
    """What only the person ever saw: the safety check, onboarding answers, unsubmitted drafts."""
    return {"safety_check": _safety_check(user), "onboarding": _onboarding(user), "drafts": drafts}


def checkins(user: User) -> list[dict[str, Any]]:
    return [
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
    ]


def prompt_preferences(user: User) -> dict[str, Any] | None:
    preference = PromptPreference.objects.filter(user=user).first()
    if preference is None:
        return None
    return {
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
    }


def notifications(user: User) -> list[dict[str, Any]]:
    return [
        {"kind": n.kind, "title": n.title, "body": n.body, "created_at": n.created_at, "read_at": n.read_at}
        for n in Notification.objects.filter(user=user).order_by("created_at", "pk")
    ]


def as_therapist(user: User) -> dict[str, Any] | None:
    profile = TherapistProfile.objects.filter(user=user).first()
    if profile is None:
        return None
    return {
        "practice_name": profile.practice_name,
        "licence_number": profile.licence_number,
        "region": profile.region,
        "verified_at": profile.verified_at,
        "notes": [
            {"space": n.couple_id, "text": n.text, "created_at": n.created_at, "updated_at": n.updated_at}
            for n in TherapistNote.objects.filter(therapist=user).order_by("created_at", "pk")
        ],
    }
