"""Building therapists for tests: a verified profile, a TOTP authenticator, a link with both partners' consent."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.utils import timezone

from accounts.models import Consent, TherapistLink, TherapistProfile
from accounts.therapists import services
from tests.factories import UserFactory

ALL = {"progress": True, "trends": True, "writing": True}


def make_therapist(*, verified: bool = True, mfa: bool = True, **user_fields):
    user_fields.setdefault("display_name", "Dr Quinn")
    user = UserFactory(verified=True, **user_fields)
    TherapistProfile.objects.create(
        user=user,
        practice_name="Quiet Harbour Practice",
        licence_number="LIC-12345",
        region="Berlin",
        verified_at=timezone.now() if verified else None,
    )
    if mfa:
        enable_totp(user)
    return user


def enable_totp(user) -> str:
    """Turn on TOTP through allauth's own API; returns the secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str) -> str:
    """The authenticator's current code, never one about to expire.

    allauth accepts only the current 30-second window: a code read in its last
    seconds could reach the server after it turned over (seen on a loaded
    machine), so wait for the next window instead.
    """
    import time

    from allauth.mfa import app_settings

    period = app_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < 5:
        time.sleep(left + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def link(couple, therapist, *, consents: dict | None = None, **scopes) -> TherapistLink:
    """Link ``therapist`` to ``couple``; ``consents`` maps partner -> scopes (default: both partners, ``scopes`` or all)."""
    the_link = TherapistLink.objects.create(
        couple=couple, therapist=therapist, origin=TherapistLink.Origin.CODE, created_by=couple.partners()[0]
    )
    if consents is None:
        consents = dict.fromkeys(couple.partners(), scopes or ALL)
    for partner, granted in consents.items():
        services.consent_grant(link=the_link, partner=partner, **{**dict.fromkeys(ALL, False), **granted})
    return the_link


def active_consents(the_link) -> list[Consent]:
    return list(Consent.objects.filter(link=the_link, revoked_at__isnull=True))
