"""Create demo accounts for a local run. Safe to run again: it only fills gaps."""

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import OnboardingResponse, User
from accounts.scoping import couple_for
from accounts.services import onboarding, pairing

DEMO_PASSWORD = "demo-trust-2026"  # noqa: S105 - printed for local demo use only

STAFF = {"email": "staff@demo.trustrepair.example", "display_name": "Staff", "time_zone": "Europe/London"}
PARTNERS = [
    {"email": "alex@demo.trustrepair.example", "display_name": "Alex", "time_zone": "Europe/Berlin"},
    {"email": "sam@demo.trustrepair.example", "display_name": "Sam", "time_zone": "Europe/Berlin"},
    {"email": "jordan@demo.trustrepair.example", "display_name": "Jordan", "time_zone": "America/New_York"},
    {"email": "riley@demo.trustrepair.example", "display_name": "Riley", "time_zone": "America/Los_Angeles"},
]


def ensure_user(*, email: str, display_name: str, time_zone: str, staff: bool = False) -> User:
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        factory = User.objects.create_superuser if staff else User.objects.create_user
        user = factory(email=email, password=DEMO_PASSWORD, display_name=display_name, time_zone=time_zone)
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def ensure_couple(first: User, second: User):
    couple = couple_for(first)
    if couple is None:
        couple = pairing.couple_create(user=first)
    if couple.partner_of(first) is None and couple_for(second) is None:
        invitation = pairing.invitation_create_code(couple=couple, inviter=first)
        couple = pairing.invitation_accept(invitation=invitation, user=second)
    return couple


def ensure_onboarded(couple, user: User, roles: dict[str, str], safety: int, trust: int) -> None:
    if not OnboardingResponse.objects.filter(couple=couple, user=user).exists():
        onboarding.onboarding_submit(
            couple=couple, user=user, roles=roles, other_fracture="", baseline_safety=safety, baseline_trust=trust
        )


class Command(BaseCommand):
    help = "Create (idempotently) a staff admin and demo partner accounts, and print their logins."

    @transaction.atomic
    def handle(self, *args, **options):
        ensure_user(**STAFF, staff=True)
        alex, sam, jordan, riley = (ensure_user(**person) for person in PARTNERS)
        lived_in = ensure_couple(alex, sam)
        ensure_onboarded(lived_in, alex, {"dishonesty": "caused", "broken_promises": "caused"}, 7, 6)
        ensure_onboarded(lived_in, sam, {"dishonesty": "hurt", "neglect": "hurt"}, 5, 3)
        ensure_couple(jordan, riley)
        self.stdout.write(self.style.SUCCESS(f"Demo accounts (password for all: {DEMO_PASSWORD})"))
        self.stdout.write(f"  staff admin  {STAFF['email']}  → /staff/")
        for person in PARTNERS:
            self.stdout.write(f"  partner      {person['email']}")
        self.stdout.write("  Alex & Sam share an onboarded couple space; Jordan & Riley are paired and just starting.")
