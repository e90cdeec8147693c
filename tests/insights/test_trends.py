import datetime as dt
import html

import pytest
import time_machine
from django.urls import reverse

from exercises.daily import services
from exercises.insights.bank import week_for
from exercises.insights.trends import trends_for
from exercises.models import AgreementCheck, Appreciation, CheckIn
from exercises.services.appreciations import appreciation_send
from tests.couple.conftest import onboard
from tests.helpers import protect

pytestmark = pytest.mark.django_db

# 23:30 UTC on 10 March: already 11 March in Auckland, still 10 March in Los Angeles.
NOW = dt.datetime(2026, 3, 10, 23, 30, tzinfo=dt.UTC)


def checkin(user, couple, day, safety, trust, share="ratings"):
    return CheckIn.objects.create(
        user=user, couple=couple, local_date=day, mood="calm", safety=safety, trust=trust, share=share
    )


@time_machine.travel(NOW, tick=False)
def test_chart_data_uses_each_viewers_local_days(couple, partner_a, partner_b):
    partner_a.time_zone = "Pacific/Auckland"
    partner_a.save()
    partner_b.time_zone = "America/Los_Angeles"
    partner_b.save()
    checkin(partner_a, couple, dt.date(2026, 3, 11), 7, 6)  # A's "today"
    checkin(partner_a, couple, dt.date(2026, 3, 4), 2, 1)  # 8 days before A's today: outside the week
    checkin(partner_b, couple, dt.date(2026, 3, 10), 5, 4)  # B's "today"
    checkin(partner_b, couple, dt.date(2026, 3, 9), 9, 9, share="nothing")  # kept private

    mine = trends_for(couple=couple, user=partner_a)
    assert mine["days"][-1] == dt.date(2026, 3, 11) and len(mine["days"]) == 7
    assert mine["me"].safety[-1] == 7 and mine["me"].trust[-1] == 6
    assert 2 not in mine["me"].safety
    assert mine["partner"].safety[-2] == 5  # B's 10 March sits on A's 10 March
    assert 9 not in mine["partner"].safety  # not shared

    theirs = trends_for(couple=couple, user=partner_b, range_key="month")
    assert theirs["days"][-1] == dt.date(2026, 3, 10) and len(theirs["days"]) == 30
    assert theirs["me"].safety[-2:] == [9, 5]  # my own unshared check-in is mine to see
    assert theirs["partner"].safety.count(None) == 29  # A's 11 March is after B's today; 4 March is inside
    assert 2 in theirs["partner"].safety


@time_machine.travel(NOW, tick=False)
def test_baseline_is_shown_only_to_its_author(couple, partner_a, partner_b, client):
    onboard(couple, partner_a, safety=3, trust=2)
    onboard(couple, partner_b, safety=8, trust=8)
    checkin(partner_a, couple, dt.date(2026, 3, 10), 4, 4)
    assert trends_for(couple=couple, user=partner_a)["me"].baseline == (3, 2)
    assert trends_for(couple=couple, user=partner_a)["partner"].baseline is None
    client.force_login(partner_b)
    page = html.unescape(client.get(reverse("insights:progress")).content.decode())
    assert "felt safety 8, trust 8" in page
    assert "felt safety 3, trust 2" not in page


def test_a_protected_partner_s_trend_keeps_what_was_shared_and_gains_nothing(couple, partner_a, partner_b):
    from exercises.insights.trends import local_today

    today = local_today(partner_b)
    checkin(partner_b, couple, today - dt.timedelta(days=1), 7, 7, share="ratings")
    protect(partner_b)
    services.checkin_save(user=partner_b, couple=couple, mood="calm", safety=1, trust=1, need="", share="ratings")
    points = trends_for(couple=couple, user=partner_a)["partner"]
    assert [p for p in points.safety if p is not None] == [7]


def test_progress_page_has_a_text_alternative(client, couple, partner_a):
    from exercises.insights.trends import local_today

    for days_ago in range(3):  # a chart from three days on
        checkin(partner_a, couple, local_today(partner_a) - dt.timedelta(days=days_ago), 6, 5)
    client.force_login(partner_a)
    response = client.get(reverse("insights:progress") + "?range=month")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'role="img"' in body and "<title>" in body
    assert "<table" in body and ">6<" in body
    assert client.get(reverse("insights:progress") + "?range=<script>").status_code == 200


def test_bank_account_counts_known_activity(couple, partner_a, partner_b):
    from exercises.models import Agreement, Ritual, RitualDone

    today = dt.date(2026, 3, 10)
    with time_machine.travel(dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC), tick=False):
        appreciation_send(couple=couple, sender=partner_a, kind="effort", text="Thank you", visibility="couple")
        appreciation_send(
            couple=couple, sender=partner_b, kind="admiration", text="You were brave", visibility="couple"
        )
        agreement = Agreement.objects.create(
            couple=couple, proposed_by=partner_a, category="money", text="Share statements", status="accepted"
        )
        for kept, confirmed in ((True, True), (True, False), (False, True)):
            AgreementCheck.objects.create(
                agreement=agreement,
                logged_by=partner_a,
                kept=kept,
                occurred_on=today,
                confirmed_by=partner_b if confirmed else None,
                confirmed_at=NOW if confirmed else None,
            )
        ritual = Ritual.objects.create(couple=couple, created_by=partner_a, what="Morning coffee")
        RitualDone.objects.create(ritual=ritual, marked_by=partner_a, done_on=today)
        RitualDone.objects.create(ritual=ritual, marked_by=partner_a, done_on=today - dt.timedelta(days=9))
        checkin(partner_a, couple, today, 5, 5)
        checkin(partner_b, couple, today - dt.timedelta(days=1), 5, 5)
        week = week_for(couple=couple, user=partner_a, today=today)
    assert (week.appreciations_sent, week.appreciations_received) == (1, 1)
    assert (week.agreements_kept, week.agreements_missed) == (1, 1)
    assert week.rituals_done == 1
    assert week.checkins == 2
    assert week.deposits == 6 and week.withdrawals == 1
    assert "harder moment" in week.words


def test_bank_account_counts_only_what_the_partner_let_me_see(couple, partner_a, partner_b):
    today = dt.date(2026, 3, 10)
    with time_machine.travel(dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC), tick=False):
        # The app offers no private appreciation today; the model allows one (older rows).
        Appreciation.objects.create(
            couple=couple, sender=partner_b, recipient=partner_a, kind="effort", text="Kept", visibility="private"
        )
        checkin(partner_b, couple, today, 5, 5, share="nothing")
        checkin(partner_b, couple, today - dt.timedelta(days=1), 5, 5, share="ratings")
        checkin(partner_a, couple, today, 5, 5, share="nothing")
        week = week_for(couple=couple, user=partner_a, today=today)
        assert (week.appreciations_received, week.checkins) == (0, 2)  # my own, and B's shared one
        assert week_for(couple=couple, user=partner_b, today=today).appreciations_sent == 1
        protect(partner_b)  # nothing already shared disappears
        assert week_for(couple=couple, user=partner_a, today=today).checkins == 2


def test_journey_page_tells_what_was_done(client, couple, partner_a):
    from exercises.services.questions import question_ask

    question_ask(couple=couple, asker=partner_a, text="Why?", visibility="couple")
    client.force_login(partner_a)
    response = client.get(reverse("insights:journey"))
    assert response.status_code == 200
    assert "Acknowledgment and accountability" in html.unescape(response.content.decode())


def test_fewer_than_three_days_say_what_will_appear_instead_of_a_near_empty_chart(client, couple, partner_a):
    from exercises.insights.trends import local_today

    today = local_today(partner_a)
    checkin(partner_a, couple, today, 6, 5)
    checkin(partner_a, couple, today - dt.timedelta(days=1), 4, 3)
    client.force_login(partner_a)
    page = html.unescape(client.get(reverse("insights:progress")).content.decode())
    assert 'role="img"' not in page
    assert "You have checked in on 2 days in this period" in page
    assert "appears here after 1 more day of check-ins" in page
    assert ">6<" in page and ">3<" in page  # the two days, as a table

    checkin(partner_a, couple, today - dt.timedelta(days=2), 5, 5)
    page = client.get(reverse("insights:progress")).content.decode()
    assert 'role="img"' in page and "more day" not in page
