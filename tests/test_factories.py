"""The shared cast is what later tests assume it is."""

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers import login

pytestmark = pytest.mark.django_db


def test_cast_is_three_distinct_verified_users(partner_a, partner_b, outsider):
    users = [partner_a, partner_b, outsider]
    assert len({u.pk for u in users}) == 3
    for user in users:
        assert user.check_password(DEFAULT_PASSWORD)
        assert EmailAddress.objects.get(user=user).verified
        assert EmailAddress.objects.get(user=user).primary
        assert EmailAddress.objects.get(user=user).email == user.email


def test_unverified_factory_user_has_no_verified_address():
    user = UserFactory()
    assert not EmailAddress.objects.filter(user=user, verified=True).exists()


def test_cast_member_can_log_in_through_the_form(client, partner_a):
    response = login(client, partner_a)
    assert response.status_code == 302
    assert response["Location"] == resolve_url(settings.LOGIN_REDIRECT_URL)
    assert client.get(reverse("accounts:settings")).wsgi_request.user == partner_a
