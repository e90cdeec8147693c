"""The staff admin shows who has a second factor, never its secret, and accepts none."""

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from tests.factories import UserFactory
from tests.therapists.helpers import enable_totp

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(verified=True, is_staff=True, is_superuser=True))
    return client


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
