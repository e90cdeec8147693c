"""What one partner may read of a step-by-step run: the reveal rule applied in one place."""

from __future__ import annotations

from dataclasses import dataclass, field

from accounts.models import User
from exercises.content_versions import run_steps
from exercises.models import Answer, Response, Run, Step
from exercises.models.choices import Visibility


@dataclass
class StepView:
    step: Step | None
    prompt: str
    mine: list[Answer] = field(default_factory=list)  # oldest first; the last is current
    theirs: list[Answer] = field(default_factory=list)

    @property
    def my_current(self) -> Answer | None:
        return self.mine[-1] if self.mine else None

    @property
    def their_current(self) -> Answer | None:
        return self.theirs[-1] if self.theirs else None

    @property
    def guess_matches(self) -> bool | None:
        """Inner world: did my guess of my partner's answer match what they said?"""
        mine, theirs = self.my_current, self.their_current
        if not mine or not theirs or mine.guess is None or theirs.value is None:
            return None
        return _normal(mine.guess) == _normal(theirs.value)


def _normal(value):
    if isinstance(value, list):
        return sorted(str(v).strip().lower() for v in value)
    return str(value).strip().lower()


@dataclass
class RunView:
    run: Run
    mine: Response | None
    theirs: Response | None  # None unless the viewer may read it
    steps: list[StepView]

    @property
    def revealed(self) -> bool:
        return self.run.revealed_at is not None


def partner_may_read(run: Run, response: Response) -> bool:
    return run.revealed_at is not None and response.is_submitted and response.visibility != Visibility.PRIVATE


def run_view(*, run: Run, viewer: User) -> RunView:
    """The run as ``viewer`` may see it. Constant queries: responses with their answers in two."""
    responses = list(Response.objects.filter(run=run).prefetch_related("answers"))
    mine = next((r for r in responses if r.user_id == viewer.pk), None)
    other = next((r for r in responses if r.user_id != viewer.pk), None)
    theirs = other if other is not None and partner_may_read(run, other) else None

    steps = run_steps(run)
    by_step: dict[int | None, StepView] = {s.pk: StepView(step=s, prompt=s.prompt) for s in steps}
    for response, side in ((mine, "mine"), (theirs, "theirs")):
        if response is None:
            continue
        for answer in sorted(response.answers.all(), key=lambda a: (a.step_order, a.revision)):
            view = by_step.get(answer.step_id)
            if view is None:  # the step was removed from the content later: keep the answer with its own words
                view = by_step.setdefault(
                    ("gone", answer.prompt_snapshot), StepView(step=None, prompt=answer.prompt_snapshot)
                )
            getattr(view, side).append(answer)
    # Show the question as it was answered when the content has changed since.
    for view in by_step.values():
        current = view.my_current or view.their_current
        if current and view.step and current.prompt_snapshot != view.step.prompt:
            view.prompt = current.prompt_snapshot
    return RunView(run=run, mine=mine, theirs=theirs, steps=list(by_step.values()))
