"""Password reset must not reveal whether an address has an account (ACCOUNT_PREVENT_ENUMERATION)."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

# Per-request noise that differs between any two renders of the same page.
NOISE = [
    re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"'),
    re.compile(rb'nonce="[^"]*"'),
    re.compile(rb'"X-CSRFToken": "[^"]*"'),
]


def normalised(content: bytes) -> bytes:
    for pattern in NOISE:
        content = pattern.sub(b"<noise>", content)
    return content


def request_reset(client, email):
    response = client.post(reverse("account_reset_password"), {"email": email})
    page = client.get(response["Location"]) if response.status_code == 302 else response
    return response, page


def test_reset_for_known_and_unknown_email_looks_the_same(client, partner_a, mailoutbox):
    known, known_page = request_reset(client, partner_a.email)
    unknown, unknown_page = request_reset(client, "nobody-here@example.test")

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("account_reset_password_done")
    assert known_page.status_code == unknown_page.status_code == 200
    assert normalised(known_page.content) == normalised(unknown_page.content)

    # The difference is only in the mailboxes: the owner gets a reset link.
    to_owner = [m for m in mailoutbox if m.to == [partner_a.email]]
    assert len(to_owner) == 1
    assert "/accounts/password/reset/key/" in to_owner[0].body
    assert all("/accounts/password/reset/key/" not in m.body for m in mailoutbox if m.to != [partner_a.email])


def test_reset_link_sets_a_new_password(client, partner_a, mailoutbox):
    client.post(reverse("account_reset_password"), {"email": partner_a.email})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mailoutbox[0].body).group(1)
    response = client.get(link)  # allauth stashes the key in the session and redirects
    assert response.status_code == 302
    form_url = response["Location"]
    response = client.post(form_url, {"password1": "new-lantern-orchard-77", "password2": "new-lantern-orchard-77"})
    assert response.status_code == 302
    partner_a.refresh_from_db()
    assert partner_a.check_password("new-lantern-orchard-77")
