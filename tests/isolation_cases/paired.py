"""Isolation cases for the step-by-step exercises (paired reflection, inner world, aftermath)."""

from exercises.models.choices import Kind
from exercises.services import paired
from tests.exercises.factories import exercise_with_steps


def _revealed_run(world, *, kind=Kind.PAIRED_REFLECTION, incident=False):
    exercise = exercise_with_steps(kind=kind)
    if incident:
        run = paired.incident_create(
            couple=world.couple, user=world.partner_a, exercise=exercise, title=f"Sunday {world.marker}"
        )
    else:
        run = paired.run_get_or_create(couple=world.couple, exercise=exercise)
    steps = {s.order: s for s in exercise.steps.all()}
    for person in (world.partner_a, world.partner_b):
        paired.response_submit(
            run=run,
            user=person,
            answers={steps[1].pk: (f"{person.pk} says {world.marker}", None), steps[3].pk: (4, None)},
            visibility="couple",
        )
    if incident:
        paired.joint_note_save(run=run, user=world.partner_a, text=f"next time {world.marker}")
    return run, steps


def _slug(world):
    run, _ = _revealed_run(world)
    return {"slug": run.exercise.slug}


def _slug_step(world):
    run, steps = _revealed_run(world)
    return {"slug": run.exercise.slug, "step_id": steps[1].pk}


def _incident(world):
    run, _ = _revealed_run(world, kind=Kind.AFTERMATH, incident=True)
    return {"pk": run.incident_id}


def _incident_step(world):
    run, steps = _revealed_run(world, kind=Kind.AFTERMATH, incident=True)
    return {"pk": run.incident_id, "step_id": steps[1].pk}


CASES = {
    "exercises:index": lambda world: {},
    "exercises:detail": _slug,
    "exercises:autosave": _slug,
    "exercises:revise": _slug_step,
    "exercises:incident": _incident,
    "exercises:incident_autosave": _incident,
    "exercises:incident_revise": _incident_step,
    "exercises:incident_note": _incident,
}
