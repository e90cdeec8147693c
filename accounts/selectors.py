"""Reads for the couple dashboard: what is waiting for whom, and the partner's shared activity."""

from __future__ import annotations

from accounts.models import Couple, CoupleEvent, OnboardingResponse, SafetyCheck, User
from exercises.progress import progress_for


def dashboard_for(*, couple: Couple, user: User) -> dict:
    partner = couple.partner_of(user)
    onboarded = set(OnboardingResponse.objects.filter(couple=couple).values_list("user_id", flat=True))
    safety_done = SafetyCheck.objects.filter(user=user).exists()
    i_onboarded = user.pk in onboarded
    partner_onboarded = partner is not None and partner.pk in onboarded

    waiting_for_me = []
    if not safety_done:
        waiting_for_me.append(("A short private safety check", "couple:safety_check"))
    if not i_onboarded:
        waiting_for_me.append(("Your onboarding answers", "couple:onboarding"))
    waiting_for_partner = []
    if partner is not None and not partner_onboarded:
        waiting_for_partner.append("Their onboarding answers")

    progress = progress_for(couple=couple, user=user)
    for item in progress.in_progress_for_me():
        waiting_for_me.append((item.exercise.title, item.exercise))
    for item in progress.waiting_on_partner():
        waiting_for_partner.append(item.exercise.title)

    upcoming = progress.next_for()
    if not i_onboarded:
        next_step = ("Tell us what happened, privately", "couple:onboarding")
    elif partner is None and not upcoming:
        next_step = ("Invite your partner", None)
    elif upcoming:
        next_step = (f"Next: {upcoming.exercise.title}", upcoming.exercise)
    elif partner_onboarded:
        next_step = ("See your shared picture", "couple:together")
    else:
        next_step = None

    # Watching-style details (when the other partner was active) go away in safety mode.
    partner_events = []
    if partner is not None and couple.watch_features_enabled:
        partner_events = list(CoupleEvent.objects.filter(couple=couple, actor=partner)[:8])

    return {
        "couple": couple,
        "partner": partner,
        "progress": progress,
        "journey": progress.stage_states(),
        "waiting_for_me": waiting_for_me,
        "waiting_for_partner": waiting_for_partner,
        "partner_events": partner_events,
        "next_step": next_step,
        "invitations": list(couple.invitations.pending()) if partner is None else [],
        "both_onboarded": i_onboarded and partner_onboarded,
    }
