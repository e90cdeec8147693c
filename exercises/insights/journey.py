"""The four stages, with what the couple has done in each, to look back on how far they came."""

from __future__ import annotations

from dataclasses import dataclass, field

from accounts.models import Couple, User
from exercises.models import Agreement, Appreciation, Question, Ritual, Run, Statement
from exercises.progress import Status, progress_for
from exercises.stages import STAGES, Stage


@dataclass
class StageStory:
    stage: Stage
    state: str  # done | current | ahead
    completed: list = field(default_factory=list)  # (exercise title, when) pairs
    moments: list[str] = field(default_factory=list)  # short sentences about ongoing work


def journey_for(*, couple: Couple, user: User) -> list[StageStory]:
    progress = progress_for(couple=couple, user=user)
    revealed = dict(
        Run.objects.filter(couple=couple, revealed_at__isnull=False, incident__isnull=True).values_list(
            "exercise_id", "revealed_at"
        )
    )
    stories = {stage.key: StageStory(stage=stage, state=state) for stage, state in progress.stage_states()}
    for module in progress.modules:
        key = (module.module.stages or [STAGES[0].key])[0]
        for item in module.exercises:
            if item.status == Status.COMPLETE:
                stories[key].completed.append((item.exercise.title, revealed.get(item.exercise.pk)))

    def say(key: str, count: int, one: str, many: str) -> None:
        if count:
            stories[key].moments.append(one if count == 1 else many.format(n=count))

    say(
        "acknowledge",
        Statement.objects.filter(couple=couple).count(),
        "An accountability statement written",
        "{n} versions of the accountability statement written",
    )
    say(
        "acknowledge",
        Question.objects.filter(couple=couple, answers__isnull=False).distinct().count(),
        "A question asked and answered",
        "{n} questions asked and answered",
    )
    say(
        "understand",
        Run.objects.filter(couple=couple, incident__isnull=False, revealed_at__isnull=False).count(),
        "A hard moment worked through together",
        "{n} hard moments worked through together",
    )
    say(
        "commit",
        Agreement.objects.filter(couple=couple, status=Agreement.Status.ACCEPTED).count(),
        "An agreement made",
        "{n} agreements made",
    )
    say(
        "reconnect",
        Ritual.objects.filter(couple=couple).count(),
        "A ritual of connection planned",
        "{n} rituals of connection planned",
    )
    say(
        "reconnect",
        Appreciation.objects.filter(couple=couple).count(),
        "An appreciation shared",
        "{n} appreciations shared",
    )
    return [stories[stage.key] for stage in STAGES]
