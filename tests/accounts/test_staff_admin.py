"""The staff admin: only after a second factor; it shows who has one, never its secret, and accepts none."""

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers import staff_login
from tests.therapists.helpers import enable_totp, totp_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return UserFactory(verified=True, is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(client, staff):
    staff_login(client, staff)
    return client


def test_the_staff_pages_need_a_second_factor(client, staff):
    index = reverse("admin:index")
    # Signed out: to the app's own sign-in (which asks for the second factor), never the admin's form.
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    # Password only, and no second factor yet: sent to set one up.
    client.force_login(staff)
    assert client.get(index)["Location"].startswith(reverse("admin:login"))
    assert client.get(reverse("admin:login"))["Location"] == reverse("mfa_activate_totp")
    # With a second factor that this session did not use: asked for it.
    secret = enable_totp(staff)
    assert client.get(reverse("admin:login"))["Location"].startswith(reverse("mfa_reauthenticate"))
    assert client.post(reverse("mfa_reauthenticate"), {"code": totp_code(secret)}).status_code == 302
    assert client.get(index).status_code == 200


def test_signing_in_with_the_second_factor_opens_the_staff_pages(client, staff):
    secret = enable_totp(staff)
    response = client.post(reverse("account_login"), {"login": staff.email, "password": DEFAULT_PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("admin:index")).status_code == 302  # half signed in: not yet
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_partner_is_never_let_in(client, partner_a):
    staff_login(client, partner_a)  # with a second factor, but not staff
    assert client.get(reverse("admin:index")).status_code == 302
    assert client.get(reverse("admin:login"))["Location"] == reverse("home")


def test_a_therapists_totp_secret_is_never_shown_to_staff(staff_client, partner_a):
    secret = enable_totp(partner_a)
    authenticator = Authenticator.objects.get(user=partner_a, type=Authenticator.Type.TOTP)
    listing = staff_client.get(reverse("admin:mfa_authenticator_changelist"))
    page = staff_client.get(reverse("admin:mfa_authenticator_change", args=[authenticator.pk]))
    assert listing.status_code == page.status_code == 200
    assert str(partner_a) in listing.content.decode()
    for body in (listing.content.decode(), page.content.decode()):
        assert secret not in body and authenticator.data["secret"] not in body
        assert 'name="data"' not in body


def test_staff_can_neither_add_nor_change_a_second_factor(staff_client, partner_a):
    enable_totp(partner_a)
    authenticator = Authenticator.objects.get(user=partner_a)
    stored = dict(authenticator.data)
    assert staff_client.get(reverse("admin:mfa_authenticator_add")).status_code == 403
    response = staff_client.post(
        reverse("admin:mfa_authenticator_change", args=[authenticator.pk]),
        {"user": partner_a.pk, "type": "totp", "data": '{"secret": "chosen-by-staff"}'},
    )
    assert response.status_code == 403
    authenticator.refresh_from_db()
    assert authenticator.data == stored


def test_staff_may_remove_a_lost_second_factor(staff_client, partner_a):
    enable_totp(partner_a)
    authenticator = Authenticator.objects.get(user=partner_a)
    url = reverse("admin:mfa_authenticator_delete", args=[authenticator.pk])
    assert staff_client.post(url, {"post": "yes"}).status_code == 302
    assert not Authenticator.objects.filter(pk=authenticator.pk).exists()
