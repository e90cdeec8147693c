"""`manage.py seed_demo` fills gaps and never duplicates."""

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command

from accounts.models import User

pytestmark = pytest.mark.django_db

STAFF_EMAIL = "staff@demo.trustrepair.example"


def test_seed_demo_is_idempotent(capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out
    users = {u.email: (u.pk, u.password) for u in User.objects.all()}
    addresses = EmailAddress.objects.count()

    call_command("seed_demo")
    capsys.readouterr()
    assert {u.email: (u.pk, u.password) for u in User.objects.all()} == users, "nothing recreated or reset"
    assert EmailAddress.objects.count() == addresses

    assert len(users) == 6  # a staff admin, two couples' worth of partners and a therapist
    assert STAFF_EMAIL in first
    for email in users:
        assert email in first, "the logins are printed"


def test_seed_demo_staff_and_verified_users():
    call_command("seed_demo")
    staff = User.objects.get(email=STAFF_EMAIL)
    assert staff.is_staff
    assert staff.is_superuser
    for user in User.objects.all():
        assert user.is_active
        assert user.has_usable_password()
        assert user.display_name
        address = EmailAddress.objects.get(user=user)
        assert (address.email, address.verified, address.primary) == (user.email, True, True)
    partners = User.objects.filter(is_staff=False, therapist_profile__isnull=True)
    assert partners.count() == 4
    therapist = User.objects.get(therapist_profile__isnull=False)
    assert therapist.therapist_profile.is_verified


def test_seed_demo_user_can_log_in(client):
    from accounts.management.commands.seed_demo import DEMO_PASSWORD

    call_command("seed_demo")
    response = client.post("/accounts/login/", {"login": "alex@demo.trustrepair.example", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_seed_demo_fills_gaps_after_a_deletion():
    call_command("seed_demo")
    User.objects.filter(email="sam@demo.trustrepair.example").delete()
    call_command("seed_demo")
    assert User.objects.filter(email="sam@demo.trustrepair.example").exists()
    assert User.objects.count() == 6
