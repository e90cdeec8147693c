from .couple import Couple, CoupleEvent, Invitation, Membership
from .onboarding import FractureAnswer, OnboardingResponse, SafetyCheck, SupportResource
from .user import User, UserManager

__all__ = [
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
