"""Create demo accounts for a local run. Safe to run again: it only fills gaps."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.mfa.utils import decrypt
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Consent, OnboardingResponse, TherapistLink, User
from accounts.scoping import couple_for
from accounts.services import onboarding, pairing
from accounts.therapists import services as therapist_services
from trustrepair.rowsecurity.roles import as_owner

DEMO_PASSWORD = "demo-trust-2026"  # noqa: S105 - printed for local demo use only

STAFF = {"email": "staff@demo.trustrepair.example", "display_name": "Staff", "time_zone": "Europe/London"}
PARTNERS = [
    {"email": "alex@demo.trustrepair.example", "display_name": "Alex", "time_zone": "Europe/Berlin"},
    {"email": "sam@demo.trustrepair.example", "display_name": "Sam", "time_zone": "Europe/Berlin"},
    {"email": "jordan@demo.trustrepair.example", "display_name": "Jordan", "time_zone": "America/New_York"},
    {"email": "riley@demo.trustrepair.example", "display_name": "Riley", "time_zone": "America/Los_Angeles"},
]


THERAPIST = {
    "email": "therapist@demo.trustrepair.example",
    "display_name": "Dr Robin Hale",
    "time_zone": "Europe/Berlin",
}
PRACTICE = {
    "practice_name": "Harbour Couples Practice",
    "licence_number": "PSY-DEMO-20417",
    "region": "Berlin, Germany",
}


def ensure_user(*, email: str, display_name: str, time_zone: str, staff: bool = False) -> User:
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        factory = User.objects.create_superuser if staff else User.objects.create_user
        user = factory(email=email, password=DEMO_PASSWORD, display_name=display_name, time_zone=time_zone)
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
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


def ensure_totp(user: User) -> str:
    """Two-factor (TOTP) for ``user``, made once; returns its secret (base32) for an authenticator app."""
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if totp is not None:
        return decrypt(totp.data["secret"])
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def ensure_therapist(*, verified_by: User, couple) -> str:
    """A verified therapist with TOTP, linked to ``couple`` with both partners' consent to every scope.

    Returns the TOTP secret (base32) so a person can add it to an authenticator app.
    """
    therapist = ensure_user(**THERAPIST)
    profile = therapist_services.profile_create(user=therapist, display_name=THERAPIST["display_name"], **PRACTICE)
    if not profile.is_verified:
        therapist_services.profile_verify(profile=profile, verified_by=verified_by)
    secret = ensure_totp(therapist)
    link = TherapistLink.objects.filter(couple=couple, therapist=therapist, ended_at__isnull=True).first()
    if link is None:
        link = TherapistLink.objects.create(
            couple=couple, therapist=therapist, origin=TherapistLink.Origin.CODE, created_by=couple.partners()[0]
        )
    for partner in couple.partners():
        if not Consent.objects.filter(link=link, partner=partner, revoked_at__isnull=True).exists():
            therapist_services.consent_grant(link=link, partner=partner, progress=True, trends=True, writing=True)
    return secret


class Command(BaseCommand):
    help = "Create (idempotently) a staff admin and demo partner accounts, and print their logins."

    def handle(self, *args, **options):
        # Seeding writes for many people at once: as the owner, like a migration (row security: docs/privacy.md).
        with as_owner(), transaction.atomic():
            self._seed()

    def _seed(self):
        staff = ensure_user(**STAFF, staff=True)
        alex, sam, jordan, riley = (ensure_user(**person) for person in PARTNERS)
        lived_in = ensure_couple(alex, sam)
        ensure_onboarded(lived_in, alex, {"dishonesty": "caused", "broken_promises": "caused"}, 7, 6)
        ensure_onboarded(lived_in, sam, {"dishonesty": "hurt", "neglect": "hurt"}, 5, 3)
        ensure_couple(jordan, riley)
        secret = ensure_therapist(verified_by=staff, couple=couple_for(alex))
        staff_secret = ensure_totp(staff)  # the staff pages open only after a second factor
        self.stdout.write(self.style.SUCCESS(f"Demo accounts (password for all: {DEMO_PASSWORD})"))
        self.stdout.write(f"  staff admin  {STAFF['email']}  → /staff/")
        self.stdout.write(f"               two-factor secret {staff_secret}")
        self.stdout.write(
            f"               otpauth://totp/TrustRepair:{STAFF['email']}?secret={staff_secret}&issuer=TrustRepair"
        )
        for person in PARTNERS:
            self.stdout.write(f"  partner      {person['email']}")
        self.stdout.write("  Alex & Sam share an onboarded couple space; Jordan & Riley are paired and just starting.")
        self.stdout.write(f"  therapist    {THERAPIST['email']}  → /therapist/ (verified; Alex & Sam share everything)")
        self.stdout.write(f"               two-factor secret {secret} — add it to an authenticator app, or open")
        label = f"TrustRepair:{THERAPIST['email']}"
        self.stdout.write(f"               otpauth://totp/{label}?secret={secret}&issuer=TrustRepair")
