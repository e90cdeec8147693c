"""Sensitive account changes ask for the password again (allauth re-authentication), and go through after it."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from accounts.models import DataExport, User
from tests.data.conftest import reauthenticate

pytestmark = pytest.mark.django_db


def sent_to_reauthenticate(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("account_reauthenticate"))


def test_adding_an_email_address_needs_the_password_again(client, partner_a):
    client.force_login(partner_a)
    data = {"action_add": "", "email": "new-address@example.test"}
    response = client.post(reverse("account_email"), data)
    assert sent_to_reauthenticate(response)
    assert not EmailAddress.objects.filter(email="new-address@example.test").exists()

    reauthenticate(client, response["Location"])
    assert EmailAddress.objects.filter(user=partner_a, email="new-address@example.test").exists()


def test_turning_on_two_factor_needs_the_password_again(client, partner_a):
    client.force_login(partner_a)
    response = client.get(reverse("mfa_activate_totp"))
    assert sent_to_reauthenticate(response)
    reauthenticate(client, response["Location"])
    assert client.get(reverse("mfa_activate_totp")).status_code == 200


def test_turning_off_two_factor_needs_the_password_again(client, partner_a):
    TOTP.activate(partner_a, generate_totp_secret())
    client.force_login(partner_a)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert sent_to_reauthenticate(response)
    assert Authenticator.objects.filter(user=partner_a, type=Authenticator.Type.TOTP).exists()


def test_export_needs_the_password_again(client, partner_a):
    client.force_login(partner_a)
    assert sent_to_reauthenticate(client.post(reverse("data:export")))
    assert not DataExport.objects.exists()


def test_erasure_needs_the_password_again(client, partner_a):
    client.force_login(partner_a)
    assert sent_to_reauthenticate(client.get(reverse("data:erase")))
    response = client.post(reverse("data:erase"), {"understand": "on", "confirmation": "delete"})
    assert sent_to_reauthenticate(response)
    assert User.objects.filter(pk=partner_a.pk).exists()


def test_a_wrong_password_does_not_count(client, partner_a):
    client.force_login(partner_a)
    response = client.post(reverse("account_reauthenticate"), {"password": "not-my-password"})
    assert response.status_code == 200
    assert sent_to_reauthenticate(client.get(reverse("data:erase")))
