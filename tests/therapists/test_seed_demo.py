"""`seed_demo` adds a verified demo therapist with two-factor, consented by both partners of Alex & Sam."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import Consent, TherapistLink, User
from accounts.scoping import couple_for
from tests.therapists.helpers import totp_code

pytestmark = pytest.mark.django_db

EMAIL = "therapist@demo.trustrepair.example"


def test_the_demo_therapist_is_verified_linked_and_can_sign_in_with_the_printed_secret(capsys):
    from accounts.management.commands.seed_demo import DEMO_PASSWORD

    call_command("seed_demo")
    out = capsys.readouterr().out
    therapist = User.objects.get(email=EMAIL)
    profile = therapist.therapist_profile
    assert profile.is_verified and profile.verified_by.email == "staff@demo.trustrepair.example"
    totp = Authenticator.objects.get(user=therapist, type=Authenticator.Type.TOTP)
    secret = decrypt(totp.data["secret"])
    assert EMAIL in out and secret in out

    couple = couple_for(User.objects.get(email="alex@demo.trustrepair.example"))
    the_link = TherapistLink.objects.get(couple=couple, therapist=therapist, ended_at__isnull=True)
    consents = Consent.objects.filter(link=the_link, revoked_at__isnull=True)
    assert {c.partner.email for c in consents} == {"alex@demo.trustrepair.example", "sam@demo.trustrepair.example"}
    assert all(c.progress and c.trends and c.writing for c in consents)

    client = Client()
    response = client.post(reverse("account_login"), {"login": EMAIL, "password": DEMO_PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert client.get(reverse("therapist:couple", args=[couple.pk])).status_code == 200


def test_running_it_again_changes_nothing(capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out
    state = (
        list(TherapistLink.objects.values_list("pk", "ended_at")),
        list(Consent.objects.values_list("pk", "revoked_at")),
        list(Authenticator.objects.values_list("pk", "data")),
    )
    call_command("seed_demo")
    second = capsys.readouterr().out
    assert state == (
        list(TherapistLink.objects.values_list("pk", "ended_at")),
        list(Consent.objects.values_list("pk", "revoked_at")),
        list(Authenticator.objects.values_list("pk", "data")),
    )
    assert first == second  # the same secret is printed again


def test_the_demo_staff_admin_signs_in_with_the_printed_second_factor(capsys):
    from accounts.management.commands.seed_demo import DEMO_PASSWORD

    call_command("seed_demo")
    out = capsys.readouterr().out
    staff = User.objects.get(email="staff@demo.trustrepair.example")
    secret = decrypt(Authenticator.objects.get(user=staff, type=Authenticator.Type.TOTP).data["secret"])
    assert secret in out

    client = Client()
    response = client.post(reverse("account_login"), {"login": staff.email, "password": DEMO_PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert client.get(reverse("admin:index")).status_code == 200
