"""Reads for the couple dashboard: what is waiting for whom, and the partner's shared activity.

What the dashboard derives from the couple's records is cached per person under
the couple's data version (``accounts.couple_cache``): any write to the couple's
data makes it unreachable, so a partner's action shows on the very next request.
What depends on the clock otherwise (pending invitations) or on other
people's accounts (therapists' recommendations with their names, the partner's
name) is read fresh on every render. This week's check-ins are a card of their
own (``exercises.daily.selectors.week_of_checkins``), which the page cache
stores and renders apart (``accounts.page_cache``).
"""

from __future__ import annotations

from django.core.cache import cache
from django.template.defaultfilters import pluralize

from accounts import couple_cache
from accounts.models import Couple, CoupleEvent, OnboardingResponse, SafetyCheck, User
from accounts.therapists.selectors import recommendations_for
from exercises.models import Recommendation
from exercises.progress import progress_for
from exercises.roles import roles_by_user
from exercises.selectors.accountability import latest_shared, whose_turn
from exercises.selectors.agreements import agreements_waiting
from exercises.selectors.appreciations import unseen
from exercises.selectors.questions import unanswered
from trustrepair.querybatch import as_datetime, read_together


def flow_items_waiting_for(couple: Couple, user: User, roles=None) -> list[tuple[str, str]]:
    """Things in the ongoing flows that wait on this person, as (label, url name)."""
    roles = roles_by_user(couple) if roles is None else roles
    counts = read_together(_flow_parts(couple, user))
    return _flow_items(couple, user, roles, counts)


def _flow_parts(couple: Couple, user: User) -> dict:
    proposals, logs = agreements_waiting(couple, user)
    return {
        "statement": ("rows", latest_shared(couple)),
        "questions": ("count", unanswered(couple, user)),
        "proposals": ("count", proposals),
        "logs": ("count", logs),
        "appreciations": ("count", unseen(couple, user)),
    }


def _flow_items(couple: Couple, user: User, roles: dict, counts: dict) -> list[tuple[str, str]]:
    items = []
    author_id, answered, heard_enough = counts["statement"][0] if counts["statement"] else (None, False, False)
    author = User(pk=author_id) if author_id is not None else None
    if whose_turn(couple, roles, author=author, answered=answered, heard_enough=heard_enough) == user:
        items.append(("The accountability statement", "exercises:accountability"))
    if count := counts["questions"]:
        items.append((f"{count} question{pluralize(count)} waiting for your answer", "exercises:questions"))
    if count := counts["proposals"] + counts["logs"]:
        items.append(
            (f"{count} agreement{pluralize(count)} or log{pluralize(count)} to look at", "exercises:agreements")
        )
    if count := counts["appreciations"]:
        items.append((f"{count} new appreciation{pluralize(count)} from your partner", "exercises:appreciations"))
    return items


def _dashboard_facts(couple: Couple, user: User, partner: User | None, roles: dict) -> dict:
    """What the dashboard reads from the couple's records for ``user``, as plain data (cached per person).

    One round trip (``trustrepair.querybatch``) over the selectors' own querysets.
    """
    parts = _flow_parts(couple, user) | {
        "onboarded": ("rows", OnboardingResponse.objects.filter(couple=couple).values_list("user_id")),
        "safety_done": ("exists", SafetyCheck.objects.filter(user=user)),
        # Whether to read the open recommendations at all (they are read fresh, with the therapists' names).
        "has_recommendations": ("exists", Recommendation.objects.filter(couple=couple, dismissed_at__isnull=True)),
    }
    if partner is not None:
        parts["events"] = (
            "rows",
            CoupleEvent.objects.filter(couple=couple, actor=partner).values_list("kind", "created_at")[:8],
        )
    found = read_together(parts)
    return {
        "onboarded": {user_id for (user_id,) in found["onboarded"]},
        "safety_done": found["safety_done"],
        "flow_items": _flow_items(couple, user, roles, found),
        "partner_events": [(kind, as_datetime(created_at)) for kind, created_at in found.get("events", [])],
        "has_recommendations": found["has_recommendations"],
    }


def dashboard_for(*, couple: Couple, user: User) -> dict:
    partner = couple.partner_of(user)
    versions = couple_cache.versions(couple.pk)
    progress = progress_for(couple=couple, user=user, versions=versions)
    # Per person (the key carries the user id): "waiting for you" and the partner's events differ by side.
    key = couple_cache.couple_key("dashboard", couple.pk, versions[0], user.pk)
    facts = cache.get(key)
    if facts is None or facts["partner_id"] != (partner.pk if partner else None):
        facts = _dashboard_facts(couple, user, partner, progress.roles)
        facts["partner_id"] = partner.pk if partner else None
        cache.set(key, facts, timeout=couple_cache.DATA_TTL)
    onboarded = facts["onboarded"]
    safety_done = facts["safety_done"]
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

    waiting_for_me += facts["flow_items"]
    listed = {label for label, _ in waiting_for_me}
    for item in progress.in_progress_for_me():
        if item.exercise.title not in listed:
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
        partner_events = [
            CoupleEvent(couple=couple, actor=partner, kind=kind, created_at=created_at)
            for kind, created_at in facts["partner_events"]
        ]

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
        "recommendations": recommendations_for(couple, progress=progress) if facts["has_recommendations"] else [],
    }
