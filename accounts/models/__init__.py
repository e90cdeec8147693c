from .couple import Couple, CoupleEvent, Invitation, Membership
from .data_export import DataExport
from .onboarding import FractureAnswer, OnboardingResponse, SafetyCheck, SupportResource
from .therapist import (
    AccessLogEntry,
    Consent,
    TherapistInvitation,
    TherapistLink,
    TherapistNote,
    TherapistProfile,
)
from .user import User, UserManager

__all__ = [
    "AccessLogEntry",
    "Consent",
    "Couple",
    "CoupleEvent",
    "DataExport",
    "FractureAnswer",
    "Invitation",
    "Membership",
    "OnboardingResponse",
    "SafetyCheck",
    "SupportResource",
    "TherapistInvitation",
    "TherapistLink",
    "TherapistNote",
    "TherapistProfile",
    "User",
    "UserManager",
]
