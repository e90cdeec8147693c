"""Turning on two-factor authentication (TOTP with recovery codes) and logging in with it."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD
from tests.helpers import login
from tests.therapists.helpers import totp_code

pytestmark = pytest.mark.django_db


def current_code(secret: str) -> str:
    return totp_code(secret)  # never one about to expire


def test_partner_turns_on_totp_from_settings_and_needs_it_to_log_in(client, partner_a):
    login(client, partner_a)
    settings_page = client.get(reverse("accounts:settings")).content.decode()
    assert reverse("mfa_index") in settings_page

    activate = reverse("mfa_activate_totp")
    first = client.get(activate)
    if first.status_code == 302:  # allauth asks for the password again before security changes
        assert first["Location"].startswith(reverse("account_reauthenticate"))
        client.post(first["Location"], {"password": DEFAULT_PASSWORD})
    assert client.get(activate).status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    wrong = client.post(activate, {"code": "000000" if current_code(secret) != "000000" else "111111"})
    assert wrong.status_code == 200 and not Authenticator.objects.filter(user=partner_a).exists()
    response = client.post(activate, {"code": current_code(secret)})
    assert response.status_code == 302
    types = set(Authenticator.objects.filter(user=partner_a).values_list("type", flat=True))
    assert types == {Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES}

    client.logout()
    first_step = login(client, partner_a)
    assert first_step.status_code == 302 and first_step["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session  # the password alone does not let them in
    client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert client.session["_auth_user_id"] == str(partner_a.pk)
