from .content import Exercise, Module, Step
from .daily import (
    AppreciationStarter,
    CheckIn,
    CoupleQuietWindow,
    Delivery,
    Notification,
    PromptCopy,
    PromptKind,
    PromptPreference,
)
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
from .progress import ModuleUnlock, Recommendation

__all__ = [
    "Agreement",
    "AgreementCheck",
    "Answer",
    "Appreciation",
    "AppreciationStarter",
    "CheckIn",
    "CoupleQuietWindow",
    "Delivery",
    "Exercise",
    "Incident",
    "Module",
    "ModuleUnlock",
    "Notification",
    "PromptCopy",
    "PromptKind",
    "PromptPreference",
    "Question",
    "QuestionAnswer",
    "Recommendation",
    "Response",
    "Ritual",
    "RitualDone",
    "Run",
    "Statement",
    "StatementResponse",
    "Step",
]
