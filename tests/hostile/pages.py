"""The pages a partner can open, with the first couple's ids, and which planted fields each one shows."""

from __future__ import annotations

from django.urls import reverse

from accounts.models import AccessLogEntry, User
from exercises.models import Agreement, Exercise
from exercises.models.choices import PAIRED_KINDS, AnswerType

PARTNER_FIELDS = [
    "display_name",
    "other_fracture",
    "safety_note",
    "step_answer",
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
    "recommendation_note",
    "practice_name",
    "crowd_practice_name",
    "crowd_therapist_name",
]


def partner_pages(w, viewer: User, *, every_variant: bool = True) -> list[tuple[str, list[str]]]:
    """(url, fields it shows) of every page a partner can open (GET), with the couple's own ids.

    ``every_variant=False`` keeps one of each kind of page: the first filter of the questions log, the first
    page of the access log, the first of the agreement change forms.
    """
    pages = [
        (reverse("couple:dashboard"), ["display_name", "recommendation_note"]),
        (reverse("couple:together"), ["display_name", "other_fracture"]),
        (reverse("couple:safety_check"), ["safety_note"]),
        (reverse("couple:safety_support"), []),
        (reverse("couple:leave"), ["display_name"]),
        (reverse("couple:join_code"), []),
        (reverse("exercises:index"), []),
        (reverse("exercises:accountability"), ["statement", "statement_missing", "display_name"]),
        (reverse("exercises:agreements"), ["agreement", "agreement_counter", "agreement_log", "display_name"]),
        (reverse("exercises:rituals"), ["ritual_what", "ritual_when"]),
        (reverse("exercises:appreciations"), ["appreciation", "display_name"]),
        (reverse("insights:progress"), ["display_name"]),
        (reverse("insights:journey"), []),
        (reverse("daily:checkin"), ["checkin_need", "display_name"]),
        (reverse("daily:preferences"), ["display_name"]),
        (reverse("daily:notifications"), ["display_name"]),
        (reverse("couple_therapist:index"), ["practice_name", "crowd_practice_name", "crowd_therapist_name"]),
        (reverse("accounts:settings"), ["display_name"]),
        (reverse("data:index"), []),
        (reverse("landing"), []),
    ]
    for show in ("all", "waiting", "answered", "saved")[: None if every_variant else 1]:
        pages.append((f"{reverse('exercises:questions')}?show={show}", ["question", "question_answer"]))
    for exercise in Exercise.objects.published().filter(kind__in=PAIRED_KINDS):  # the others redirect to a flow page
        pages.append((reverse("exercises:detail", args=[exercise.slug]), ["step_answer", "incident_title"]))
    for run in w.incidents[:3]:
        pages.append((reverse("exercises:incident", args=[run.incident_id]), ["joint_note", "step_answer"]))
    naming = w.runs["naming-what-happened"]
    for step in naming.exercise.steps.exclude(answer_type=AnswerType.INSTRUCTION):
        pages.append((reverse("exercises:revise", args=[naming.exercise.slug, step.pk]), ["step_answer"]))
    aftermath = w.incidents[0]
    for step in aftermath.exercise.steps.exclude(answer_type=AnswerType.INSTRUCTION)[:2]:
        pages.append((reverse("exercises:incident_revise", args=[aftermath.incident_id, step.pk]), ["step_answer"]))
    if viewer == w.b:  # B answers A's open proposals: the change form starts from their words
        proposals = Agreement.objects.filter(couple=w.couple, status="proposed", proposed_by=w.a)
        for agreement in proposals if every_variant else proposals[:1]:
            pages.append((reverse("exercises:agreement_counter", args=[agreement.pk]), ["agreement"]))
    log_count = AccessLogEntry.objects.filter(couple=w.couple).count()
    for n in range(1, -(-log_count // 50) + 1 if every_variant else 2):
        pages.append((f"{reverse('couple_therapist:access_log')}?page={n}", ["crowd_therapist_name"]))
    return pages
