from .couple import Couple, CoupleEvent, Invitation, Membership
from .therapist import AccessLogEntry, Consent, TherapistLink, TherapistNote, TherapistProfile
from .onboarding import FractureAnswer, OnboardingResponse, SafetyCheck, SupportResource
from .user import User, UserManager

__all__ = [
    "AccessLogEntry",
    "Consent",
    "TherapistLink",
    "TherapistNote",
    "TherapistProfile",
    "Couple",
    "CoupleEvent",
    "FractureAnswer",
    "Invitation",
    "Membership",
    "OnboardingResponse",
    "SafetyCheck",
    "SupportResource",
    "User",
    "UserManager",
]
