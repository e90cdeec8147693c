"""The caseload: every consented couple with progress, last activity, a trend sparkline and flags."""

import html
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.therapists.access import Scopes
from accounts.therapists.caseload import caseload_rows
from exercises.models import CheckIn, Question, QuestionAnswer, Run
from exercises.models.choices import Visibility
from exercises.progress import progress_by_couple, progress_for
from tests.couple.conftest import onboard, pair
from tests.factories import UserFactory
from tests.helpers import queries_of
from tests.therapists.conftest import plant
from tests.therapists.helpers import link

pytestmark = pytest.mark.django_db


def rows_of(client):
    response = client.get(reverse("therapist:caseload"))
    assert response.status_code == 200
    return response, {row.couple.pk: row for row in response.context["rows"]}


def checkins(couple, days_and_ratings):
    """[(days_ago, safety_a, safety_b)] -> both partners' check-ins (trust = safety)."""
    a, b = couple.partners()
    today = timezone.localdate()
    rows = []
    for days_ago, safety_a, safety_b in days_and_ratings:
        day = today - timedelta(days=days_ago)
        if safety_a is not None:
            rows.append(CheckIn(user=a, couple=couple, local_date=day, mood="calm", safety=safety_a, trust=safety_a))
        if safety_b is not None:
            rows.append(CheckIn(user=b, couple=couple, local_date=day, mood="calm", safety=safety_b, trust=safety_b))
    CheckIn.objects.bulk_create(rows)


def test_flags_safety_falling_no_activity_and_saved_question(tclient, couple, therapist, curriculum):
    link(couple, therapist)
    # B's felt safety: 8 five days ago, 4 today -> fell by 4 this week.
    checkins(couple, [(5, 6, 8), (2, 6, 7), (0, 5, 4)])
    _, rows = rows_of(tclient)
    row = rows[couple.pk]
    flags = {f.key: f.text for f in row.flags}
    assert flags["safety"] == "Felt safety fell by 4 points this week"
    assert "quiet" not in flags  # check-ins this week count as activity (trends shared)
    assert "question" not in flags
    Question.objects.create(couple=couple, asker=couple.partners()[0], text="q", saved_for_therapist=True)
    _, rows = rows_of(tclient)
    assert {f.key for f in rows[couple.pk].flags} == {"safety", "question"}


def test_a_fall_of_two_points_or_an_older_fall_is_not_flagged(tclient, couple, therapist):
    link(couple, therapist)
    checkins(couple, [(20, 10, 10), (6, 7, 7), (0, 5, 6)])  # 10 -> 5 but the 10 is weeks ago
    _, rows = rows_of(tclient)
    assert "safety" not in {f.key for f in rows[couple.pk].flags}


def test_no_shared_activity_for_7_days_is_flagged(tclient, couple, therapist):
    import time_machine

    link(couple, therapist)
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        tclient.force_login(therapist)
        _, rows = rows_of(tclient)
    assert "quiet" in {f.key for f in rows[couple.pk].flags}


def test_the_sparkline_is_inline_svg_of_visible_ratings_only(tclient, couple, therapist):
    link(couple, therapist)
    checkins(couple, [(5, 8, 8), (3, 7, 7), (1, 6, 6)])
    a, _ = couple.partners()
    CheckIn.objects.create(
        user=a, couple=couple, local_date=timezone.localdate(), mood="sad", safety=0, trust=0, therapist_visible=False
    )
    response, rows = rows_of(tclient)
    svg = str(rows[couple.pk].sparkline.svg)
    assert svg.startswith("<svg") and "<polyline" in svg
    assert 'role="img"' in svg and "Felt safety: from 8 to 6" in svg  # today's hidden 0 is not a point
    assert svg in response.content.decode()
    assert "<script" not in svg


def test_with_fewer_than_three_days_the_row_says_when_a_chart_appears(tclient, couple, therapist):
    link(couple, therapist)
    checkins(couple, [(3, 7, None), (1, None, 6)])  # two days, one partner each
    response, rows = rows_of(tclient)
    assert rows[couple.pk].sparkline.svg == ""
    page = html.unescape(response.content.decode())
    assert '<svg class="sparkline"' not in page
    assert "2 days so far. A chart of how things move appears here after 1 more day of check-ins." in page


def test_without_trends_or_progress_the_row_shows_neither(tclient, couple, therapist, partner_a, partner_b):
    link(couple, therapist, writing=True)
    checkins(couple, [(5, 9, 9), (0, 1, 1)])
    response, rows = rows_of(tclient)
    row = rows[couple.pk]
    assert row.sparkline is None and row.modules == [] and row.last_activity is None
    assert {f.key for f in row.flags} == set()  # falls and quiet weeks are trends and progress
    assert '<svg class="sparkline"' not in response.content.decode()


def test_bulk_module_progress_agrees_with_the_per_couple_progress(
    couple, other_couple, partner_a, partner_b, curriculum
):
    plant(couple, partner_a, partner_b, curriculum)
    QuestionAnswer.objects.filter(question__couple=couple).delete()

    def summary(progress):
        return [(m.module.pk, m.completed, m.total, m.unlocked, m.done) for m in progress.modules]

    bulk = progress_by_couple([couple, other_couple])
    for person in (partner_a, partner_b):  # "complete", "unlocked" and "done" do not depend on who looks
        assert summary(bulk[couple.pk]) == summary(progress_for(couple=couple, user=person))
    outsider = other_couple.partners()[0]
    assert summary(bulk[other_couple.pk]) == summary(progress_for(couple=other_couple, user=outsider))
    assert summary(bulk[couple.pk])[0][1] == 2  # two revealed reflections
    assert summary(bulk[other_couple.pk])[0][1] == 0  # nothing of one couple counts for another


def test_pending_links_show_no_names(tclient, couple, therapist, partner_a):
    link(couple, therapist, consents={partner_a: {"progress": True}})
    response, rows = rows_of(tclient)
    assert rows == {}
    body = html.unescape(response.content.decode())
    assert "Waiting for consent" in body
    for partner in couple.partners():
        assert partner.display_name not in body


def _caseload(therapist, curriculum, size: int) -> None:
    """``size`` couples linked with every scope, each with ~4 months of daily check-ins and some shared work."""
    today = timezone.localdate()
    rows = []
    for n in range(size):
        first = UserFactory(verified=True, display_name=f"First {n}")
        second = UserFactory(verified=True, display_name=f"Second {n}")
        couple = pair(first, second)
        onboard(couple, first, roles={"dishonesty": "hurt"})
        onboard(couple, second, roles={"dishonesty": "caused"})
        link(couple, therapist)
        Run.objects.create(couple=couple, exercise=curriculum["reflection"], revealed_at=timezone.now())
        question = Question.objects.create(
            couple=couple, asker=first, text="q", saved_for_therapist=True, visibility=Visibility.COUPLE_THERAPIST
        )
        QuestionAnswer.objects.create(question=question, author=second, revision=1, text="a")
        for days_ago in range(120):
            day = today - timedelta(days=days_ago)
            rows.append(CheckIn(user=first, couple=couple, local_date=day, mood="calm", safety=days_ago % 11, trust=5))
            rows.append(CheckIn(user=second, couple=couple, local_date=day, mood="calm", safety=5, trust=days_ago % 11))
    CheckIn.objects.bulk_create(rows, batch_size=2000)


def test_the_caseload_reads_as_many_queries_for_50_couples_as_for_10(tclient, therapist, curriculum):
    url = reverse("therapist:caseload")
    _caseload(therapist, curriculum, 10)
    tclient.get(url)  # the session's first request reads a little more (the user, the session)
    ten, response = queries_of(tclient, url)
    assert len(response.context["rows"]) == 10
    _caseload(therapist, curriculum, 40)
    fifty, response = queries_of(tclient, url)
    assert len(response.context["rows"]) == 50
    assert all(row.sparkline.svg and row.modules for row in response.context["rows"])
    assert fifty == ten, f"{ten} queries for 10 couples, {fifty} for 50"


def test_caseload_rows_needs_no_queries_per_couple(therapist, curriculum, django_assert_max_num_queries):
    from accounts.models import Couple

    _caseload(therapist, curriculum, 3)
    couples = list(Couple.objects.prefetch_related("memberships__user"))
    active = [(c, Scopes(progress=True, trends=True, writing=True)) for c in couples]
    with django_assert_max_num_queries(14):
        caseload_rows(active)
