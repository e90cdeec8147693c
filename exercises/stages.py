"""The four stages of repair and the module that carries each (from the Gottman trust-repair method)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Stage:
    key: str
    name: str
    module: str
    summary: str


STAGES = (
    Stage(
        "acknowledge",
        "Acknowledgment and accountability",
        "Atone",
        "Naming what happened and owning it, without defending.",
    ),
    Stage(
        "understand", "Understanding the meaning", "Attune", "Learning what the hurt meant, and what each of you needs."
    ),
    Stage("commit", "Commitment to change", "Attach", "Agreeing on boundaries and keeping small promises."),
    Stage("reconnect", "Rebuilding connection", "Attach", "Rituals, appreciation and closeness, day by day."),
)
