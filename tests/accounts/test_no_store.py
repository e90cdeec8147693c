"""No page is kept by a browser or proxy cache: a shared device's back button shows nothing private."""

import pytest
from django.urls import reverse

from tests.couple.conftest import couple  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url_name", ["couple:dashboard", "exercises:index", "insights:progress", "accounts:settings"])
def test_private_pages_are_never_stored(client, couple, partner_a, url_name):  # noqa: F811
    client.force_login(partner_a)
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_refusals_and_signed_out_pages_are_never_stored_either(client, partner_a):
    assert "no-store" in client.get(reverse("account_login"))["Cache-Control"]
    client.force_login(partner_a)
    response = client.get(reverse("exercises:index"))  # no couple yet: not found
    assert response.status_code in (302, 404)
    assert "no-store" in response["Cache-Control"]
