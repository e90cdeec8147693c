"""Becoming a therapist: sign-up, the wait for staff verification, and two-factor before any couple data."""

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import TherapistProfile
from tests.factories import UserFactory
from tests.helpers import field_errors, parse_html, sign_in_as, staff_login
from tests.therapists.helpers import enable_totp, link, make_therapist

pytestmark = pytest.mark.django_db

CONFIRM_RE = re.compile(r"https?://[^\s\"<>]+/accounts/confirm-email/[^\s\"<>]+/")
PROFILE = {
    "display_name": "Dr Maya Lind",
    "practice_name": "Lind Couples Practice",
    "licence_number": "PSY-778",
    "region": "Hamburg",
}


def as_user(user) -> Client:
    client = Client()
    sign_in_as(client, user)
    return client


def test_sign_up_confirm_email_then_join_as_a_therapist(client, mailoutbox):
    response = client.post(
        reverse("account_signup"),
        {
            "display_name": "Maya",
            "email": "maya@example.test",
            "password1": "a-calm-and-careful-practice",
            "password2": "a-calm-and-careful-practice",
            "time_zone": "Europe/Berlin",
        },
    )
    assert response.status_code == 302
    confirm = CONFIRM_RE.search(mailoutbox[-1].body).group(0)
    assert client.post("/" + confirm.split("://", 1)[1].split("/", 1)[1]).status_code == 302

    assert client.get(reverse("therapist:caseload"))["Location"] == reverse("therapist:join")
    page = client.get(reverse("therapist:join"))
    assert page.status_code == 200
    response = client.post(reverse("therapist:join"), PROFILE)
    assert response.status_code == 302 and response["Location"] == reverse("therapist:caseload")
    profile = TherapistProfile.objects.get(user__email="maya@example.test")
    assert (profile.practice_name, profile.licence_number, profile.region) == (
        "Lind Couples Practice",
        "PSY-778",
        "Hamburg",
    )
    assert profile.user.display_name == "Dr Maya Lind"
    assert not profile.is_verified

    waiting = client.get(reverse("therapist:caseload"))
    assert waiting.status_code == 200
    body = html.unescape(waiting.content.decode())
    assert "Waiting for verification" in body
    assert profile.practice_code not in body  # not handed out before staff verify
    # Joining again changes nothing.
    assert client.get(reverse("therapist:join"))["Location"] == reverse("therapist:caseload")


@pytest.mark.parametrize("field", ["practice_name", "licence_number", "region", "display_name"])
def test_each_field_is_required_and_the_rest_is_kept(client, partner_a, field):
    client.force_login(partner_a)
    data = {**PROFILE, field: "  "}
    response = client.post(reverse("therapist:join"), data)
    assert response.status_code == 400
    doc = parse_html(response.content)
    assert field_errors(doc, field)
    kept = next(name for name in PROFILE if name != field)
    assert PROFILE[kept] in html.unescape(response.content.decode())
    assert not TherapistProfile.objects.exists()


def test_over_long_input_is_refused(client, partner_a):
    client.force_login(partner_a)
    response = client.post(reverse("therapist:join"), {**PROFILE, "practice_name": "x" * 121})
    assert response.status_code == 400
    assert field_errors(parse_html(response.content), "practice_name")


def test_join_needs_an_account(client):
    response = client.get(reverse("therapist:join"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_unverified_therapist_sees_nothing_even_with_both_consents(couple):
    pending = make_therapist(verified=False)
    link(couple, pending)
    client = as_user(pending)
    assert client.get(reverse("therapist:couple", args=[couple.pk])).status_code == 404
    caseload = client.get(reverse("therapist:caseload"))
    assert caseload.status_code == 200
    body = caseload.content.decode()
    assert "Waiting for verification" in body
    for partner in couple.partners():
        assert partner.display_name not in body


def test_staff_verify_in_the_admin_and_the_verifier_and_time_are_recorded(couple):
    pending = make_therapist(verified=False)
    link(couple, pending)
    staff = UserFactory(verified=True, is_staff=True, is_superuser=True)
    admin = as_user(staff)
    changelist = reverse("admin:accounts_therapistprofile_changelist")
    assert pending.email in admin.get(changelist + "?verified=no").content.decode()
    response = admin.post(
        changelist, {"action": "verify", "_selected_action": [pending.therapist_profile.pk]}, follow=True
    )
    assert response.status_code == 200
    profile = TherapistProfile.objects.get(user=pending)
    assert profile.verified_by == staff and profile.verified_at is not None
    assert pending.email not in admin.get(changelist + "?verified=no").content.decode()
    # Verifying again keeps the first verifier.
    other_staff = UserFactory(verified=True, is_staff=True, is_superuser=True)
    as_user(other_staff).post(changelist, {"action": "verify", "_selected_action": [profile.pk]})
    profile.refresh_from_db()
    assert profile.verified_by == staff
    # Now (with two-factor on) the therapist sees the couple.
    assert as_user(pending).get(reverse("therapist:couple", args=[couple.pk])).status_code == 200
    # Withdrawing verification shuts them out on the next request.
    admin.post(changelist, {"action": "withdraw_verification", "_selected_action": [profile.pk]})
    assert as_user(pending).get(reverse("therapist:couple", args=[couple.pk])).status_code == 404


def test_staff_cannot_add_profiles_by_hand(client):
    staff = UserFactory(verified=True, is_staff=True, is_superuser=True)
    staff_login(client, staff)
    assert client.get(reverse("admin:accounts_therapistprofile_add")).status_code == 403


def test_without_two_factor_couple_pages_lead_to_the_explanation(couple):
    no_mfa = make_therapist(mfa=False)
    link(couple, no_mfa)
    client = as_user(no_mfa)
    for url in (reverse("therapist:couple", args=[couple.pk]), reverse("therapist:caseload")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("therapist:mfa_required"), url
    page = client.get(reverse("therapist:mfa_required"))
    assert page.status_code == 200
    assert reverse("mfa_index") in page.content.decode()
    for partner in couple.partners():
        assert partner.display_name not in page.content.decode()
    # The redirect happens before the couple is looked at: a couple they are not linked to behaves the same.
    assert client.get(reverse("therapist:couple", args=[couple.pk + 1000]))["Location"] == reverse(
        "therapist:mfa_required"
    )

    enable_totp(no_mfa)
    assert client.get(reverse("therapist:couple", args=[couple.pk])).status_code == 200
