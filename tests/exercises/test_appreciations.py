"""Appreciations: write one to your partner; the recipient sees new ones highlighted once, then they are seen."""

import html
from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.services import pairing
from exercises.forms_flows.appreciations import STARTERS, starters_for
from exercises.models import Appreciation
from exercises.models.choices import Kind, Visibility
from exercises.selectors.appreciations import unseen
from exercises.services.agreements import local_today
from exercises.services.appreciations import AppreciationError, appreciation_send
from tests.exercises.factories import ExerciseFactory
from tests.factories import UserFactory
from tests.helpers import control_value, field_errors, parse_html

pytestmark = pytest.mark.django_db

MARKER = "APPRECIATION-MARKER-6604"
PAGE = reverse("exercises:appreciations")


def text(response) -> str:
    return html.unescape(response.content.decode())


def send(couple, sender, words=f"Thank you for listening tonight. {MARKER}", kind="effort", visibility="couple"):
    return appreciation_send(couple=couple, sender=sender, kind=kind, text=words, visibility=visibility)


def choice_errors(doc, name) -> str:
    radios = doc.find_all("input", name=name)
    container = radios[0].closest(lambda n: "field" in n.classes)
    blocks = container.find_all(class_="field__errors")
    return blocks[0].text if blocks else ""


def test_send_an_appreciation_the_partner_sees_it_new_once(client, couple, partner_a, partner_b):
    client.force_login(partner_a)
    response = client.post(
        PAGE, {"kind": "admiration", "text": f" I admire your honesty. {MARKER} ", "visibility": "couple"}
    )
    assert response.status_code == 302
    appreciation = Appreciation.objects.get()
    assert (
        appreciation.sender,
        appreciation.recipient,
        appreciation.kind,
        appreciation.text,
        appreciation.seen_at,
    ) == (
        partner_a,
        partner_b,
        "admiration",
        f"I admire your honesty. {MARKER}",
        None,
    )
    doc = parse_html(client.get(PAGE).content)
    assert MARKER in doc.find("section", aria_labelledby="sent-heading").text
    assert MARKER not in doc.find("section", aria_labelledby="received-heading").text
    appreciation.refresh_from_db()
    assert appreciation.seen_at is None  # the sender opening the page does not mark it seen

    client.force_login(partner_b)
    assert unseen(couple, partner_b).count() == 1
    doc = parse_html(client.get(PAGE).content)
    received = doc.find("section", aria_labelledby="received-heading")
    assert MARKER in received.text and "1 new" in received.text
    assert "New" in received.find("article").text
    appreciation.refresh_from_db()
    assert appreciation.seen_at is not None
    assert unseen(couple, partner_b).count() == 0
    again = parse_html(client.get(PAGE).content).find("section", aria_labelledby="received-heading")
    assert MARKER in again.text and "New" not in again.find("article").text


def test_received_are_newest_first_and_only_unseen_are_highlighted(client, couple, partner_a, partner_b):
    with time_machine.travel(timezone.now() - timedelta(days=2), tick=False):
        send(couple, partner_a, words="older one")
    Appreciation.objects.update(seen_at=timezone.now() - timedelta(days=1))
    send(couple, partner_a, words="newer one")
    client.force_login(partner_b)
    received = parse_html(client.get(PAGE).content).find("section", aria_labelledby="received-heading")
    articles = received.find_all("article")
    assert [("newer one" in a.text, "older one" in a.text) for a in articles] == [(True, False), (False, True)]
    assert "New" in articles[0].text and "New" not in articles[1].text


def test_without_a_partner_there_is_a_kind_empty_state_and_nothing_is_sent(client, partner_a):
    pairing.couple_create(user=partner_a)
    client.force_login(partner_a)
    page = client.get(PAGE)
    assert page.status_code == 200
    doc = parse_html(page.content)
    assert "Waiting for your partner" in doc.find(class_="empty-state").text
    assert not doc.find_all("textarea", name="text")
    response = client.post(PAGE, {"kind": "effort", "text": "Hello", "visibility": "couple"})
    assert response.status_code == 400
    assert "hasn't joined yet" in text(response)
    assert not Appreciation.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "effort", "text": "  ", "visibility": "couple"}, "text", "write a few words"),
        ({"kind": "effort", "text": "t" * 2001, "visibility": "couple"}, "text", "under 2000 characters"),
        ({"kind": "flattery", "text": "Kept words", "visibility": "couple"}, "kind", "one of the options"),
        ({"kind": "effort", "text": "Kept words", "visibility": "private"}, "visibility", "who can read it"),
        ({"kind": "effort", "text": "Kept words"}, "visibility", "who can read it"),
    ],
)
def test_bad_input_is_refused_next_to_the_field_with_the_words_kept(client, couple, partner_a, data, field, message):
    client.force_login(partner_a)
    response = client.post(PAGE, data)
    assert response.status_code == 400
    doc = parse_html(response.content)
    errors = field_errors(doc, field) if field == "text" else choice_errors(doc, field)
    assert message in errors
    if data["text"].strip():
        assert control_value(doc, "text") == data["text"]
    assert not Appreciation.objects.exists()


def test_the_service_refuses_private_and_empty_appreciations(couple, partner_a):
    for kwargs in ({"visibility": "private"}, {"words": "   "}, {"kind": "other"}):
        with pytest.raises(AppreciationError):
            send(couple, partner_a, **kwargs)
    assert not Appreciation.objects.exists()


def test_visibility_defaults_to_the_couple_and_can_include_the_therapist(client, couple, partner_a, partner_b):
    client.force_login(partner_a)
    doc = parse_html(client.get(PAGE).content)
    assert "checked" in doc.find("input", name="visibility", value=Visibility.COUPLE).attrs
    assert not doc.find_all("input", name="visibility", value=Visibility.PRIVATE)
    client.post(PAGE, {"kind": "effort", "text": "For both of you", "visibility": "couple_therapist"})
    assert Appreciation.objects.get().visibility == Visibility.COUPLE_THERAPIST
    client.force_login(partner_b)
    assert "Shared with your therapist too" in text(client.get(PAGE))


def test_a_double_submit_creates_one_appreciation(client, couple, partner_a):
    client.force_login(partner_a)
    data = {"kind": "daily_positive", "text": "You made me laugh today", "visibility": "couple"}
    assert client.post(PAGE, data).status_code == 302
    assert client.post(PAGE, {**data, "kind": "effort"}).status_code == 302
    assert Appreciation.objects.count() == 1
    # The same words a minute later are a new appreciation.
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert client.post(PAGE, data).status_code == 302
    assert Appreciation.objects.count() == 2


def test_starter_ideas_rotate_from_day_to_day_and_fill_in_the_form(client, couple, partner_a):
    day = date(2030, 3, 1)
    first, second = starters_for(day), starters_for(day + timedelta(days=1))
    assert {kind for kind, _, _ in first} == set(Appreciation.Kind.values)
    assert all(a[2] != b[2] for a, b in zip(first, second, strict=True))
    assert all(starter in STARTERS[kind] for kind, _, starter in first)

    client.force_login(partner_a)
    todays = starters_for(local_today(partner_a))
    page = text(client.get(PAGE))
    assert all(starter in page for _, _, starter in todays)
    filled = parse_html(client.get(PAGE + "?idea=effort").content)
    effort_starter = {k: s for k, _, s in todays}["effort"]
    assert control_value(filled, "text").strip() == effort_starter.rstrip("…:")
    assert "checked" in filled.find("input", name="kind", value="effort").attrs


def test_partners_writing_is_escaped(client, couple, partner_a, partner_b):
    send(couple, partner_a, words="<b>bold</b> & <script>x()</script>")
    client.force_login(partner_b)
    body = client.get(PAGE).content.decode()
    assert "<script>x()</script>" not in body and "&lt;script&gt;x()&lt;/script&gt;" in body


def test_another_couple_never_sees_them_and_marks_nothing_seen(client, couple, partner_a, other_couple, outsider):
    send(couple, partner_a)
    client.force_login(outsider)
    page = client.get(PAGE)
    assert page.status_code == 200 and MARKER not in text(page)
    assert client.post(PAGE, {"kind": "effort", "text": f"{MARKER} again", "visibility": "couple"}).status_code == 302
    assert Appreciation.objects.filter(couple=couple).count() == 1
    assert Appreciation.objects.get(couple=couple).seen_at is None
    assert Appreciation.objects.get(couple=other_couple).recipient != outsider
    client.force_login(UserFactory(verified=True))
    assert client.get(PAGE).status_code == 404


def test_the_page_uses_a_constant_number_of_queries(
    client, couple, partner_a, partner_b, django_assert_max_num_queries
):
    ExerciseFactory(kind=Kind.APPRECIATIONS, title="Appreciations", introduction="Say **thanks**")
    client.force_login(partner_b)
    for i in range(2):
        send(couple, partner_a, words=f"a{i}")
        send(couple, partner_b, words=f"b{i}")
    with django_assert_max_num_queries(9):
        small = client.get(PAGE)
    for i in range(2, 40):
        send(couple, partner_a, words=f"a{i}")
        send(couple, partner_b, words=f"b{i}")
    with django_assert_max_num_queries(9):
        large = client.get(PAGE)
    assert small.status_code == large.status_code == 200
    assert text(large).count("An effort I noticed") >= 80
    assert "<strong>thanks</strong>" in large.content.decode()
    assert "Back to your space" in text(large)


def test_the_recipient_is_notified_once_in_the_app(couple, partner_a, partner_b):
    from exercises.models import Notification
    from exercises.services.appreciations import appreciation_send

    sent = appreciation_send(couple=couple, sender=partner_a, kind="effort", text="You stayed.", visibility="couple")
    appreciation_send(
        couple=couple, sender=partner_a, kind="effort", text="You stayed.", visibility="couple"
    )  # double click
    notices = Notification.objects.filter(user=partner_b, kind="appreciation_received")
    assert notices.count() == 1
    assert notices.get().url.endswith(f"#appreciation-{sent.pk}")
    assert not Notification.objects.filter(user=partner_a).exists()
