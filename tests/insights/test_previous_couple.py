"""What a partner shared in an earlier couple space stays there.

Bea shares check-ins with Ari in space X, leaves, and pairs with Cleo. Cleo's
pages and Cleo's therapist see nothing Bea shared in X, only what she shares
with Cleo.
"""

import datetime as dt
import html

import pytest
from django.urls import reverse

from accounts.services import leaving
from exercises.daily.scheduling import local_today
from exercises.insights.bank import week_for
from exercises.insights.trends import trends_for
from exercises.models import CheckIn
from tests.couple.conftest import pair
from tests.factories import UserFactory
from tests.therapists.helpers import link, make_therapist

pytestmark = pytest.mark.django_db

OLD = "SHARED-IN-THE-OLD-SPACE-5e1d"


@pytest.fixture
def bea(db):
    return UserFactory(verified=True, email="bea@example.test", display_name="Bea")


@pytest.fixture
def cleo(db):
    return UserFactory(verified=True, email="cleo@example.test", display_name="Cleo")


@pytest.fixture
def moved_on(partner_a, bea, cleo):
    """Bea shared everything, every day of the last week, in X; then left X and paired with Cleo."""
    old = pair(partner_a, bea)
    today = local_today(bea)
    for offset in range(7):
        CheckIn.objects.create(
            user=bea,
            couple=old,
            local_date=today - dt.timedelta(days=offset),
            mood="tender",
            safety=1,
            trust=1,
            need=f"need {OLD}",
            share=CheckIn.Share.EVERYTHING,
        )
    leaving.couple_leave(couple=old, user=bea)
    return pair(bea, cleo)


def text_of(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_the_new_partners_trend_has_none_of_the_old_spaces_check_ins(client, moved_on, cleo):
    trends = trends_for(couple=moved_on, user=cleo, range_key="month")
    assert not trends["partner"].has_data
    client.force_login(cleo)
    page = text_of(client.get(reverse("insights:progress")))
    assert "Nothing shared in this period." in page  # Bea's section is there, and empty


def test_the_new_partners_dashboard_and_bank_account_have_none_of_them(client, moved_on, cleo):
    assert week_for(couple=moved_on, user=cleo).checkins == 0
    client.force_login(cleo)
    assert OLD not in text_of(client.get(reverse("couple:dashboard")))


def test_the_new_partners_therapist_sees_none_of_them(client, moved_on):
    therapist = make_therapist(email="second-therapist@example.test")
    link(moved_on, therapist)
    client.force_login(therapist)
    for url in (reverse("therapist:couple", args=[moved_on.pk]), reverse("therapist:caseload")):
        page = text_of(client.get(url))
        assert OLD not in page
        assert 'Felt safety">1<' not in page


def test_what_bea_shares_with_cleo_still_reaches_cleo(moved_on, bea, cleo):
    CheckIn.objects.filter(user=bea, local_date=local_today(bea)).delete()
    CheckIn.objects.create(
        user=bea, couple=moved_on, local_date=local_today(bea), mood="calm", safety=7, trust=6, share="ratings"
    )
    assert 7 in trends_for(couple=moved_on, user=cleo)["partner"].safety
