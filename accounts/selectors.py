"""Reads for the couple dashboard: what is waiting for whom, and the partner's shared activity.

Read fresh on every request, in a fixed number of queries whatever the couple's
history: a partner's action shows on the very next page.
"""

from __future__ import annotations

from django.template.defaultfilters import pluralize

from accounts.models import Couple, CoupleEvent, OnboardingResponse, SafetyCheck, SupportResource, User
from accounts.therapists.couple_side import recommendations_for
from accounts.timezones import country_for_timezone
from exercises.daily.selectors import checkins_for_dashboard
from exercises.progress import progress_for
from exercises.roles import roles_by_user
from exercises.selectors.accountability import latest_shared, whose_turn
from exercises.selectors.agreements import agreements_waiting
from exercises.selectors.appreciations import unseen
from exercises.selectors.questions import unanswered

PARTNER_EVENTS = 8


def flow_items_waiting_for(couple: Couple, user: User, roles=None) -> list[tuple[str, str]]:
    """Things in the ongoing flows that wait on this person, as (label, url name). Five queries.

    The one definition of "waiting for you" in the flows: the dashboard and the weekly summary use it.
    """
    roles = roles_by_user(couple) if roles is None else roles
    items = []
    author_id, answered, heard_enough = next(iter(latest_shared(couple)), (None, False, False))
    author = User(pk=author_id) if author_id is not None else None
    if whose_turn(couple, roles, author=author, answered=answered, heard_enough=heard_enough) == user:
        items.append(("The accountability statement", "exercises:accountability"))
    if count := unanswered(couple, user).count():
        items.append((f"{count} question{pluralize(count)} waiting for your answer", "exercises:questions"))
    proposals, logs = agreements_waiting(couple, user)
    if count := proposals.count() + logs.count():
        items.append(
            (f"{count} agreement{pluralize(count)} or log{pluralize(count)} to look at", "exercises:agreements")
        )
    if count := unseen(couple, user).count():
        items.append((f"{count} new appreciation{pluralize(count)} from your partner", "exercises:appreciations"))
    return items


def _next_step(progress, partner, i_onboarded: bool, partner_onboarded: bool):
    upcoming = progress.next_for()
    if not i_onboarded:
        return ("Tell us what happened, privately", "couple:onboarding")
    if partner is None and not upcoming:
        return ("Invite your partner", None)
    if upcoming:
        return (f"Next: {upcoming.exercise.title}", upcoming.exercise)
    if partner_onboarded:
        return ("See your shared picture", "couple:together")
    return None


def dashboard_for(*, couple: Couple, user: User) -> dict:
    partner = couple.partner_of(user)
    progress = progress_for(couple=couple, user=user)
    onboarded = set(OnboardingResponse.objects.filter(couple=couple).values_list("user_id", flat=True))
    i_onboarded = user.pk in onboarded
    partner_onboarded = partner is not None and partner.pk in onboarded

    waiting_for_me = []
    if not SafetyCheck.objects.filter(user=user).exists():
        waiting_for_me.append(("A short private safety check", "couple:safety_check"))
    if not i_onboarded:
        waiting_for_me.append(("Your onboarding answers", "couple:onboarding"))
    waiting_for_me += flow_items_waiting_for(couple, user, progress.roles)
    listed = {label for label, _ in waiting_for_me}
    waiting_for_me += [
        (item.exercise.title, item.exercise)
        for item in progress.in_progress_for_me()
        if item.exercise.title not in listed
    ]
    waiting_for_partner = [] if partner is None or partner_onboarded else ["Their onboarding answers"]
    waiting_for_partner += [item.exercise.title for item in progress.waiting_on_partner()]

    partner_events = []
    if partner is not None:
        partner_events = list(CoupleEvent.objects.filter(couple=couple, actor=partner)[:PARTNER_EVENTS])

    next_step = _next_step(progress, partner, i_onboarded, partner_onboarded)
    # Praise only when truly nothing is open: no exercise to start, nothing either partner still owes.
    nothing_open = not waiting_for_me and not waiting_for_partner and progress.next_for() is None
    return {
        "couple": couple,
        "partner": partner,
        "progress": progress,
        "journey": progress.stage_states(),
        "waiting_for_me": waiting_for_me,
        "waiting_for_partner": waiting_for_partner,
        "partner_events": partner_events,
        "next_step": next_step,
        "nothing_open": nothing_open,
        "invitations": list(couple.invitations.pending()) if partner is None else [],
        "both_onboarded": i_onboarded and partner_onboarded,
        "recommendations": recommendations_for(couple, progress),
        "checkins": checkins_for_dashboard(couple, user),
    }


def support_for(user: User) -> dict:
    """Support lines for the person's country (taken from their time zone), and those meant for everywhere.

    With no country to go on (UTC), every country's lines are listed. Lines for other countries stay
    on the public support page; the international directory text in the template is always shown.
    """
    country = country_for_timezone(user.time_zone)
    resources = list(SupportResource.objects.filter(published=True))
    return {
        "country": country,
        "local": [r for r in resources if r.region and (country is None or r.region == country)],
        "everywhere": [r for r in resources if not r.region],
    }
