"""The staff admin: only after a second factor; it shows who has one, never its secret, and accepts none."""

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from tests.couple.conftest import couple  # noqa: F401
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


# --- Staff never take over an account or learn a safety answer --------------------------


def test_staff_cannot_set_a_persons_password(staff_client, partner_a):
    url = reverse("admin:auth_user_password_change", args=[partner_a.pk])
    assert staff_client.get(url).status_code == 403
    response = staff_client.post(url, {"password1": "chosen-by-staff-9", "password2": "chosen-by-staff-9"})
    assert response.status_code == 403
    partner_a.refresh_from_db()
    assert partner_a.check_password(DEFAULT_PASSWORD)
    page = staff_client.get(reverse("admin:accounts_user_change", args=[partner_a.pk])).content.decode()
    assert "password/" not in page and 'name="email"' not in page


def test_staff_cannot_move_a_persons_email_elsewhere(staff_client, partner_a):
    response = staff_client.post(
        reverse("admin:accounts_user_change", args=[partner_a.pk]),
        {
            "email": "staff-owned@example.test",
            "display_name": "Ada",
            "time_zone": "UTC",
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
        },
    )
    assert response.status_code == 302  # the rest of the form is still theirs to save
    partner_a.refresh_from_db()
    assert partner_a.email != "staff-owned@example.test"


@pytest.mark.parametrize(
    ("url_name", "query"),
    [
        ("admin:accounts_couple_changelist", "memberships__user__safety_check__protected_since__isnull=False"),
        ("admin:accounts_couple_changelist", "memberships__user__safety_check__isnull=False"),
        ("admin:accounts_user_changelist", "safety_check__isnull=False"),
        ("admin:accounts_user_changelist", "safety_check__afraid_of_partner=yes"),
        ("admin:accounts_user_changelist", "safety_check__protected_since__isnull=False"),
        ("admin:accounts_invitation_changelist", "inviter__safety_check__afraid_of_partner=yes"),
    ],
)
def test_no_hand_typed_url_filters_by_a_safety_field(staff_client, couple, url_name, query):  # noqa: F811
    assert staff_client.get(f"{reverse(url_name)}?{query}").status_code == 400


@pytest.mark.parametrize(
    ("url_name", "query"),
    [
        ("admin:accounts_couple_changelist", "ended_at__isnull=True"),
        ("admin:accounts_user_changelist", "is_staff__exact=1"),
        ("admin:accounts_therapistprofile_changelist", "verified=no"),
        ("admin:exercises_exercise_changelist", "kind__exact=paired_reflection"),
    ],
)
def test_the_offered_filters_still_work(staff_client, url_name, query):
    assert staff_client.get(f"{reverse(url_name)}?{query}").status_code == 200


def test_no_admin_lists_searches_orders_or_shows_a_safety_field():
    from django.contrib import admin

    from accounts.models import FractureAnswer, OnboardingResponse, SafetyCheck
    from exercises.models import CheckIn

    for private in (SafetyCheck, OnboardingResponse, FractureAnswer, CheckIn):
        assert private not in admin.site._registry
    for model, model_admin in admin.site._registry.items():
        named = [
            model_admin.list_filter,
            model_admin.search_fields,
            model_admin.ordering or (),
            model_admin.list_display,
            model_admin.sortable_by or (),
            model_admin.fields or (),
            model_admin.readonly_fields,
            [model_admin.date_hierarchy or ""],
        ]
        for item in (str(getattr(n, "parameter_name", n)) for group in named for n in group):
            assert "safety" not in item, (model, item)


def test_the_couple_page_does_not_show_protection(staff_client, couple, partner_a):  # noqa: F811
    from accounts.services.onboarding import safety_check_save

    safety_check_save(user=partner_a, afraid_of_partner="yes", threats_or_violence="no", note="NOTE-4471")
    for url in (reverse("admin:accounts_couple_change", args=[couple.pk]), reverse("admin:accounts_couple_changelist")):
        body = staff_client.get(url).content.decode().lower()
        assert "safety" not in body, url
    # The person's page lists permissions (with "safety check" in their names), never an answer.
    body = staff_client.get(reverse("admin:accounts_user_change", args=[partner_a.pk])).content.decode().lower()
    assert "note-4471" not in body and "afraid" not in body
