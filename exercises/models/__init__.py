from .content import Exercise, Module, Step
from .flows import (
    Agreement,
    AgreementCheck,
    Appreciation,
    Incident,
    Question,
    QuestionAnswer,
    Ritual,
    RitualDone,
    Statement,
    StatementResponse,
)
from .paired import Answer, Response, Run
from .progress import ModuleUnlock

__all__ = [
    "Agreement",
    "AgreementCheck",
    "Answer",
    "Appreciation",
    "Exercise",
    "Incident",
    "Module",
    "ModuleUnlock",
    "Question",
    "QuestionAnswer",
    "Response",
    "Ritual",
    "RitualDone",
    "Run",
    "Statement",
    "StatementResponse",
    "Step",
]
