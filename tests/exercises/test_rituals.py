"""Rituals of connection: plan, mark done (once a day, within the past week), pause and resume. No streaks."""

import html
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from exercises.models import Ritual, RitualDone
from exercises.models.choices import Kind
from exercises.services import rituals as service
from tests.exercises.factories import ExerciseFactory
from tests.factories import UserFactory
from tests.helpers import control_value, field_errors, parse_html

pytestmark = pytest.mark.django_db

MARKER = "RITUAL-MARKER-8120"
LIST = reverse("exercises:rituals")


def text(response) -> str:
    return html.unescape(response.content.decode())


def plan(couple, user, what=f"Morning coffee {MARKER}", when="before work", frequency="daily"):
    return service.ritual_plan(couple=couple, user=user, what=what, when=when, frequency=frequency)


def done_url(ritual):
    return reverse("exercises:ritual_done", args=[ritual.pk])


def choice_errors(doc, name) -> str:
    radios = doc.find_all("input", name=name)
    container = radios[0].closest(lambda n: "field" in n.classes)
    blocks = container.find_all(class_="field__errors")
    return blocks[0].text if blocks else ""


# --- Planning -----------------------------------------------------------------------------------


def test_plan_a_ritual_and_both_partners_see_it(client, couple, partner_a, partner_b):
    client.force_login(partner_a)
    response = client.post(LIST, {"what": f"  A walk together {MARKER} ", "when": "Sunday", "frequency": "weekly"})
    assert response.status_code == 302
    ritual = Ritual.objects.get(couple=couple)
    assert (ritual.what, ritual.when, ritual.frequency, ritual.active, ritual.created_by) == (
        f"A walk together {MARKER}",
        "Sunday",
        "weekly",
        True,
        partner_a,
    )
    client.force_login(partner_b)
    doc = parse_html(client.get(LIST).content)
    card = doc.find("article", id=f"ritual-{ritual.pk}")
    assert MARKER in card.text and "Once a week" in card.text and "Not marked yet" in card.text


def test_suggestions_are_tappable_and_fill_in_the_form(client, couple, partner_a):
    client.force_login(partner_a)
    page = client.get(LIST)
    doc = parse_html(page.content)
    ideas = [a for a in doc.find_all("a") if (a.attrs.get("href") or "").startswith("?idea=")]
    assert len(ideas) >= 5
    assert any("six-second kiss" in a.text for a in ideas)
    filled = parse_html(client.get(LIST + "?idea=coffee").content)
    assert control_value(filled, "what") == "Morning coffee together, phones in another room"
    assert "checked" in filled.find("input", name="frequency", value="daily").attrs
    assert "checked" not in filled.find("input", name="frequency", value="weekly").attrs
    # An unknown idea just leaves the form empty.
    assert control_value(parse_html(client.get(LIST + "?idea=nope").content), "what") in (None, "")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"what": "  ", "frequency": "daily"}, "what", "say what the ritual is"),
        ({"what": "w" * 201, "frequency": "daily"}, "what", "under 200 characters"),
        ({"what": "Coffee", "when": "x" * 121, "frequency": "daily"}, "when", "under 120 characters"),
        ({"what": "Coffee", "frequency": "hourly"}, "frequency", "one of the options"),
    ],
)
def test_bad_plans_are_refused_next_to_the_field_with_the_words_kept(client, couple, partner_a, data, field, message):
    client.force_login(partner_a)
    response = client.post(LIST, data)
    assert response.status_code == 400
    doc = parse_html(response.content)
    errors = choice_errors(doc, field) if field == "frequency" else field_errors(doc, field)
    assert message in errors
    if data["what"].strip():
        assert control_value(doc, "what") == data["what"]
    assert not Ritual.objects.exists()


def test_a_double_submitted_plan_creates_one_ritual(client, couple, partner_a):
    client.force_login(partner_a)
    data = {"what": "Phone-free dinner", "when": "", "frequency": "weekly"}
    assert client.post(LIST, data).status_code == 302
    assert client.post(LIST, data).status_code == 302
    assert Ritual.objects.filter(couple=couple).count() == 1


# --- Marking done -------------------------------------------------------------------------------


def test_mark_done_today_once_a_second_click_is_a_friendly_no_op(client, couple, partner_a, partner_b):
    ritual = plan(couple, partner_a)
    client.force_login(partner_b)
    first = client.post(done_url(ritual), follow=True)
    assert "Lovely" in text(first)
    second = client.post(done_url(ritual), follow=True)
    assert second.status_code == 200
    assert "already marked as done" in text(second)
    done = RitualDone.objects.get()
    assert (done.ritual, done.marked_by, done.done_on) == (ritual, partner_b, service.local_today(partner_b))
    # The other partner marking the same day adds nothing either.
    client.force_login(partner_a)
    client.post(done_url(ritual), {"done_on": service.local_today(partner_a).isoformat()})
    assert RitualDone.objects.count() == 1


def test_mark_done_on_an_earlier_day_within_the_week(client, couple, partner_a):
    ritual = plan(couple, partner_a)
    today = service.local_today(partner_a)
    client.force_login(partner_a)
    assert client.post(done_url(ritual), {"done_on": (today - timedelta(days=6)).isoformat()}).status_code == 302
    assert client.post(done_url(ritual), {"done_on": (today - timedelta(days=1)).isoformat()}).status_code == 302
    assert sorted(d.done_on for d in RitualDone.objects.all()) == [today - timedelta(days=6), today - timedelta(days=1)]
    doc = parse_html(client.get(LIST).content)
    options = doc.find("select", name="done_on").find_all("option")
    assert [o.text for o in options[:2]] == ["Today", "Yesterday"] and len(options) == 7


@pytest.mark.parametrize("days", [-1, 7, 30])
def test_days_outside_the_past_week_are_refused(client, couple, partner_a, days):
    ritual = plan(couple, partner_a)
    day = service.local_today(partner_a) - timedelta(days=days)
    client.force_login(partner_a)
    response = client.post(done_url(ritual), {"done_on": day.isoformat()})
    assert response.status_code == 400
    card = parse_html(response.content).find("article", id=f"ritual-{ritual.pk}")
    assert "Pick today or one of the last six days" in field_errors(card, "done_on")
    assert not RitualDone.objects.exists()
    response = client.post(done_url(ritual), {"done_on": "last friday"})
    assert response.status_code == 400
    with pytest.raises(service.RitualError):
        service.ritual_mark_done(ritual=ritual, user=partner_a, done_on=day)


def test_today_is_the_partners_own_local_day(couple, partner_a):
    """At 23:30 UTC it is already tomorrow in Tokyo: a partner there marks their own today."""
    partner_a.time_zone = "Asia/Tokyo"
    partner_a.save()
    ritual = plan(couple, partner_a)
    with time_machine.travel(datetime(2030, 5, 1, 23, 30, tzinfo=UTC), tick=False):
        marked = service.ritual_mark_done(ritual=ritual, user=partner_a)
    assert marked.done.done_on.isoformat() == "2030-05-02"


def test_last_done_and_the_last_30_days_are_shown_gently_without_streaks(client, couple, partner_a):
    ritual = plan(couple, partner_a)
    today = service.local_today(partner_a)
    for days_ago in (2, 5, 29, 30, 45):
        RitualDone.objects.create(ritual=ritual, marked_by=partner_a, done_on=today - timedelta(days=days_ago))
    client.force_login(partner_a)
    card = parse_html(client.get(LIST).content).find("article", id=f"ritual-{ritual.pk}")
    assert "3 times in the last 30 days" in card.text
    last = today - timedelta(days=2)
    assert f"Last shared on {last.strftime('%A')} {last.day} {last.strftime('%b')}" in card.text
    body = text(client.get(LIST)).lower()
    for word in ("streak", "missed", "broke", "failed"):
        assert word not in body


# --- Pause and resume ---------------------------------------------------------------------------


def test_pause_and_resume_and_a_paused_ritual_is_not_marked(client, couple, partner_a, partner_b):
    ritual = plan(couple, partner_a)
    client.force_login(partner_b)
    url = reverse("exercises:ritual_toggle", args=[ritual.pk])
    assert client.post(url, {"action": "pause"}).status_code == 302
    assert client.post(url, {"action": "pause"}).status_code == 302  # a double click stays paused
    ritual.refresh_from_db()
    assert ritual.active is False
    doc = parse_html(client.get(LIST).content)
    paused = doc.find("section", aria_labelledby="paused-heading")
    assert MARKER in paused.text and not paused.find_all("select", name="done_on")
    response = client.post(done_url(ritual))
    assert response.status_code == 400 and "Resume it first" in text(response)
    assert not RitualDone.objects.exists()

    assert client.post(url, {"action": "resume"}).status_code == 302
    ritual.refresh_from_db()
    assert ritual.active is True
    assert client.post(done_url(ritual)).status_code == 302


def test_toggle_needs_a_clear_action(client, couple, partner_a):
    ritual = plan(couple, partner_a)
    client.force_login(partner_a)
    for data in ({}, {"action": "flip"}):
        response = client.post(reverse("exercises:ritual_toggle", args=[ritual.pk]), data)
        assert response.status_code == 400 and "pause or resume" in text(response)
    ritual.refresh_from_db()
    assert ritual.active is True


# --- Isolation and query counts -----------------------------------------------------------------


def test_another_couple_gets_404_and_changes_nothing(client, couple, partner_a, other_couple, outsider):
    ritual = plan(couple, partner_a)
    client.force_login(outsider)
    assert client.post(done_url(ritual)).status_code == 404
    assert client.post(reverse("exercises:ritual_toggle", args=[ritual.pk]), {"action": "pause"}).status_code == 404
    page = client.get(LIST)
    assert page.status_code == 200 and MARKER not in text(page)
    ritual.refresh_from_db()
    assert ritual.active is True and not RitualDone.objects.exists()


def test_an_unpaired_person_gets_404(client, couple, partner_a):
    ritual = plan(couple, partner_a)
    client.force_login(UserFactory(verified=True))
    assert client.get(LIST).status_code == 404
    assert client.post(done_url(ritual)).status_code == 404


def test_partners_writing_is_escaped(client, couple, partner_a):
    plan(couple, partner_a, what="<img src=x onerror=alert(1)>")
    client.force_login(partner_a)
    body = client.get(LIST).content.decode()
    assert "<img src=x" not in body and "&lt;img src=x onerror=alert(1)&gt;" in body


def _fill(couple, partner_a, n, start=0):
    today = service.local_today(partner_a)
    for i in range(start, start + n):
        ritual = plan(couple, partner_a, what=f"ritual {i}")
        for days_ago in range(3):
            RitualDone.objects.create(ritual=ritual, marked_by=partner_a, done_on=today - timedelta(days=days_ago))
        if i % 2:
            service.ritual_set_active(ritual=ritual, user=partner_a, active=False)


def test_the_list_page_uses_a_constant_number_of_queries(client, couple, partner_a, django_assert_max_num_queries):
    ExerciseFactory(kind=Kind.RITUALS, title="Rituals", introduction="Small *moments*")
    client.force_login(partner_a)
    _fill(couple, partner_a, 1)
    with django_assert_max_num_queries(8):
        small = client.get(LIST)
    _fill(couple, partner_a, 15, start=1)
    with django_assert_max_num_queries(8):
        large = client.get(LIST)
    assert small.status_code == large.status_code == 200
    assert text(large).count("3 times in the last 30 days") == 16
    assert "<em>moments</em>" in large.content.decode()


def test_page_without_curriculum_has_its_own_intro_and_empty_state(client, couple, partner_a):
    client.force_login(partner_a)
    doc = parse_html(client.get(LIST).content)
    assert doc.find("h1").text == "Rituals of connection"
    assert "No rituals yet" in doc.find(class_="empty-state").text
    assert doc.find("a", href=reverse("couple:dashboard")).text == "Back to your space"
