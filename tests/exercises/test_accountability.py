"""The accountability statement: writing, responding, revising until heard enough; bad input; privacy."""

import html

import pytest
from django.urls import reverse

from accounts.models import Couple
from exercises.models import Exercise, Module, Statement, StatementResponse, Step
from exercises.models.choices import Audience, Kind, Visibility
from exercises.models.flows import TEXT_LIMIT
from exercises.selectors.accountability import accountability_state
from exercises.services import accountability as service
from tests.couple.conftest import onboard, pair
from tests.factories import UserFactory
from tests.helpers import control_value, field_errors, parse_html, protect

pytestmark = pytest.mark.django_db

URL = reverse("exercises:accountability")
RESPOND_URL = reverse("exercises:accountability_respond")
MARKER = "ACCT-MARKER-39qv"


@pytest.fixture
def couple(partner_a, partner_b):
    """Avery (A) caused the hurt, Blake (B) was hurt."""
    couple = pair(partner_a, partner_b)
    onboard(couple, partner_a, roles={"infidelity": "caused"})
    onboard(couple, partner_b, roles={"infidelity": "hurt"})
    return couple


@pytest.fixture
def writer(client, partner_a, couple):
    client.force_login(partner_a)
    return client


@pytest.fixture
def hurt(partner_b, couple):
    from django.test import Client

    client = Client()
    client.force_login(partner_b)
    return client


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def choice_errors(doc, name: str) -> str:
    """Errors shown in the .field around a radio group (field_errors wants a single control)."""
    controls = doc.find_all("input", name=name)
    assert controls, f"no control named {name!r}"
    container = controls[0].closest(lambda n: "field" in n.classes)
    assert all(c.closest(lambda n: "field" in n.classes) is container for c in controls)
    blocks = container.find_all(class_="field__errors")
    return blocks[0].text if blocks else ""


def write(couple, author, text="I lied to you for months, and I own that.", **kwargs):
    return service.statement_write(
        couple=couple, author=author, text=text, visibility=kwargs.pop("visibility", Visibility.COUPLE), **kwargs
    )


def respond(couple, author, felt_heard=4, missing="", heard_enough=False):
    return service.statement_respond(
        couple=couple, author=author, felt_heard=felt_heard, missing=missing, heard_enough=heard_enough
    )


# --- The flow ------------------------------------------------------------------


def test_hurt_partner_sees_a_kind_waiting_state_before_anything_is_written(hurt):
    response = hurt.get(URL)
    assert response.status_code == 200
    body = text_of(response)
    assert "Nothing to read yet" in body
    assert "Back to your space" in body
    doc = parse_html(response.content)
    assert not doc.find_all("textarea"), "the hurt partner is not offered the statement form"
    assert not doc.find_all("input", name="felt_heard")


def test_writer_sees_guidance_and_writes_the_first_version(writer, hurt, couple, partner_a, partner_b):
    page = writer.get(URL)
    assert page.status_code == 200
    body = text_of(page)
    assert "without making it smaller" in body and "Leave out “but”" in body
    radios = parse_html(page.content).find_all("input", name="visibility")
    assert {r.attrs["value"] for r in radios} == {"couple", "couple_therapist"}, "no private option"
    assert [r.attrs["value"] for r in radios if "checked" in r.attrs] == ["couple"], (
        "shared with the partner by default"
    )

    response = writer.post(URL, {"text": f"I broke your trust. {MARKER}", "visibility": "couple", "based_on": "0"})
    assert response.status_code == 302
    statement = Statement.objects.get(couple=couple)
    assert (statement.revision, statement.author, statement.visibility) == (1, partner_a, Visibility.COUPLE)

    # The hurt partner reads it and is offered the response form.
    seen = hurt.get(URL)
    assert MARKER in text_of(seen)
    doc = parse_html(seen.content)
    assert doc.find_all("input", name="felt_heard")
    assert control_value(doc, "revision") == "1"
    # The writer now waits: no form, a calm note.
    waiting = writer.get(URL)
    assert "Your statement is with Blake" in text_of(waiting)
    assert not parse_html(waiting.content).find_all("textarea", name="text")
    assert accountability_state(couple)["waiting_for"] == partner_b


def test_revisions_continue_until_heard_enough_and_history_stays(writer, hurt, couple, partner_a, partner_b):
    write(couple, partner_a, text="First version, rough.")
    response = hurt.post(
        RESPOND_URL, {"felt_heard": "3", "missing": f"You skipped the lies. {MARKER}", "revision": "1"}
    )
    assert response.status_code == 302
    first_response = StatementResponse.objects.get()
    assert (first_response.felt_heard, first_response.heard_enough, first_response.author) == (3, False, partner_b)
    assert accountability_state(couple)["waiting_for"] == partner_a

    # The writer sees the response and a new-version form filled with the previous words.
    page = writer.get(URL)
    assert MARKER in text_of(page)
    doc = parse_html(page.content)
    assert control_value(doc, "text") == "First version, rough."
    assert control_value(doc, "based_on") == "1"

    assert (
        writer.post(
            URL, {"text": "Second version: I lied, repeatedly.", "visibility": "couple_therapist", "based_on": "1"}
        ).status_code
        == 302
    )
    versions = list(Statement.objects.filter(couple=couple).order_by("revision"))
    assert [(s.revision, s.text) for s in versions] == [
        (1, "First version, rough."),
        (2, "Second version: I lied, repeatedly."),
    ]
    assert versions[1].visibility == Visibility.COUPLE_THERAPIST

    # Both versions are on the page; the older one inside "Earlier versions".
    seen = hurt.get(URL)
    doc = parse_html(seen.content)
    details = [d for d in doc.find_all("details") if "Earlier versions" in d.text]
    assert len(details) == 1 and "First version, rough." in details[0].text
    assert "Second version: I lied, repeatedly." not in details[0].text
    assert "Second version: I lied, repeatedly." in doc.text
    assert control_value(doc, "revision") == "2"

    assert hurt.post(RESPOND_URL, {"felt_heard": "8", "heard_enough": "on", "revision": "2"}).status_code == 302
    state = accountability_state(couple)
    assert state["complete"] and state["waiting_for"] is None

    done = writer.get(URL)
    body = text_of(done)
    assert "Heard enough to go on" in body and "Thank you" in body
    assert not parse_html(done.content).find_all("textarea", name="text"), "no more versions are asked for"
    assert "First version, rough." in body, "the history stays visible"
    assert "Heard enough to go on" in text_of(hurt.get(URL))

    # A forged extra version after completion is refused with a message.
    refused = writer.post(URL, {"text": "Third version", "visibility": "couple", "based_on": "2"})
    assert refused.status_code == 400
    assert "already feels heard enough" in text_of(refused)
    assert Statement.objects.filter(couple=couple).count() == 2


def test_state_before_anything_and_without_roles(partner_a, partner_b):
    couple = pair(partner_a, partner_b)
    # Nobody has said who caused what: either may write, and nobody is nagged.
    assert accountability_state(couple)["waiting_for"] is None
    write(couple, partner_b, text="I start.")
    state = accountability_state(couple)
    assert state["writer"] == partner_b and state["waiting_for"] == partner_a


def test_state_names_the_partner_who_caused_the_hurt_first(couple, partner_a):
    state = accountability_state(couple)
    assert (state["latest"], state["waiting_for"], state["complete"]) == (None, partner_a, False)


# --- Who may do what -----------------------------------------------------------


def test_hurt_partner_cannot_write_the_statement(hurt, couple):
    response = hurt.post(URL, {"text": "Pretending to be the writer", "visibility": "couple", "based_on": "0"})
    assert response.status_code == 400
    assert "written by the partner who caused the hurt" in text_of(response)
    assert not Statement.objects.exists()


def test_writer_is_not_offered_and_cannot_respond_to_their_own_statement(writer, couple, partner_a):
    write(couple, partner_a)
    page = writer.get(URL)
    assert not parse_html(page.content).find_all("input", name="felt_heard")
    forged = writer.post(RESPOND_URL, {"felt_heard": "10", "heard_enough": "on", "revision": "1"})
    assert forged.status_code == 400
    assert "your own statement" in text_of(forged)
    assert not StatementResponse.objects.exists()


def test_no_new_version_before_the_partner_responded(writer, couple, partner_a):
    write(couple, partner_a, text="Version one")
    response = writer.post(URL, {"text": "Version two too soon", "visibility": "couple", "based_on": "1"})
    assert response.status_code == 400
    assert "not responded to your latest version yet" in text_of(response)
    assert control_value(parse_html(response.content), "text") == "Version two too soon", "the words are kept"
    assert Statement.objects.count() == 1


def test_responding_before_anything_is_written_is_a_message_not_an_error(hurt):
    response = hurt.post(RESPOND_URL, {"felt_heard": "5", "revision": "1"})
    assert response.status_code == 400
    assert "no statement to respond to" in text_of(response)


def test_respond_is_post_only(hurt):
    assert hurt.get(RESPOND_URL).status_code == 405


# --- Bad input -----------------------------------------------------------------


def test_empty_statement_is_refused_next_to_the_field(writer):
    response = writer.post(URL, {"text": "   ", "visibility": "couple", "based_on": "0"})
    assert response.status_code == 400
    assert "Please write your statement" in field_errors(parse_html(response.content), "text")
    assert not Statement.objects.exists()


def test_over_long_statement_is_refused_and_the_text_kept(writer):
    long_text = "I am sorry. " * (TEXT_LIMIT // 12 + 10)
    assert len(long_text.strip()) > TEXT_LIMIT
    response = writer.post(URL, {"text": long_text, "visibility": "couple", "based_on": "0"})
    assert response.status_code == 400
    doc = parse_html(response.content)
    assert "too long" in field_errors(doc, "text")
    assert control_value(doc, "text") == long_text.strip()
    assert not Statement.objects.exists()


def test_private_or_unknown_visibility_is_refused(writer):
    for value in ("private", "everyone", ""):
        response = writer.post(URL, {"text": "Words", "visibility": value, "based_on": "0"})
        assert response.status_code == 400, value
        assert "Choose who can read it" in choice_errors(parse_html(response.content), "visibility")
    assert not Statement.objects.exists()
    with pytest.raises(service.AccountabilityError):
        service.statement_write(
            couple=Couple.objects.get(), author=Couple.objects.get().partners()[0], text="x", visibility="private"
        )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "felt_heard"),
        ({"felt_heard": "11"}, "felt_heard"),
        ({"felt_heard": "-1"}, "felt_heard"),
        ({"felt_heard": "loud"}, "felt_heard"),
        ({"felt_heard": "5", "missing": "x" * (TEXT_LIMIT + 1)}, "missing"),
    ],
)
def test_bad_responses_are_refused_next_to_the_field_and_kept(hurt, couple, partner_a, data, field):
    write(couple, partner_a)
    response = hurt.post(RESPOND_URL, {"revision": "1", **data})
    assert response.status_code == 400
    doc = parse_html(response.content)
    if field == "felt_heard":
        assert "from 0 to 10" in choice_errors(doc, field)
    else:
        assert "too long" in field_errors(doc, field)
    if "missing" in data:
        assert control_value(doc, "missing") == data["missing"]
    assert not StatementResponse.objects.exists()


def test_a_double_submit_saves_one_version_and_one_response(writer, hurt, couple):
    data = {"text": "The same words, twice.", "visibility": "couple", "based_on": "0"}
    assert writer.post(URL, data).status_code == 302
    assert writer.post(URL, data).status_code == 302
    assert Statement.objects.count() == 1
    answer = {"felt_heard": "6", "missing": "More detail.", "revision": "1"}
    assert hurt.post(RESPOND_URL, answer).status_code == 302
    assert hurt.post(RESPOND_URL, answer).status_code == 302
    assert StatementResponse.objects.count() == 1
    # A different second response to the same version is refused, not stacked.
    other = hurt.post(RESPOND_URL, {**answer, "felt_heard": "9"})
    assert other.status_code == 400
    assert "already responded" in text_of(other)
    assert StatementResponse.objects.get().felt_heard == 6


def test_a_save_from_a_stale_tab_keeps_the_words_and_saves_nothing(writer, couple, partner_a, partner_b):
    write(couple, partner_a, text="Version one")
    respond(couple, partner_b)
    assert writer.post(URL, {"text": "Version two", "visibility": "couple", "based_on": "1"}).status_code == 302
    # The second tab still thinks version one is the latest.
    stale = writer.post(URL, {"text": "Another version two", "visibility": "couple", "based_on": "1"})
    assert stale.status_code == 400
    assert "changed while you were writing" in text_of(stale)
    doc = parse_html(stale.content)
    assert control_value(doc, "text") == "Another version two"
    assert control_value(doc, "based_on") == "2"
    assert [s.text for s in Statement.objects.order_by("revision")] == ["Version one", "Version two"]


def test_a_response_to_a_version_that_was_replaced_is_not_saved(hurt, couple, partner_a, partner_b):
    write(couple, partner_a, text="Version one")
    respond(couple, partner_b)
    write(couple, partner_a, text="Version two", based_on=1)
    # Blake's form was opened on version one, before version two was written.
    response = hurt.post(RESPOND_URL, {"felt_heard": "7", "missing": "Still reading", "revision": "1"})
    assert response.status_code == 400
    assert "new version while you were reading" in text_of(response)
    doc = parse_html(response.content)
    assert control_value(doc, "missing") == "Still reading"
    assert control_value(doc, "revision") == "2"
    assert not StatementResponse.objects.filter(statement__revision=2).exists()


# --- Curriculum content --------------------------------------------------------


def test_the_curriculum_introduction_and_steps_are_shown_sanitised(writer):
    module = Module.objects.create(slug="atone-test", title="Atone", summary="s", published=True)
    exercise = Exercise.objects.create(
        module=module,
        slug="accountability-test",
        title="Owning what happened",
        kind=Kind.ACCOUNTABILITY,
        audience=Audience.CAUSED,
        introduction="Write it **plainly**.<script>alert(1)</script>",
        status=Exercise.Status.PUBLISHED,
    )
    Step.objects.create(exercise=exercise, order=1, prompt="What did you *do*?")
    body = writer.get(URL).content.decode()
    assert "<h1>Owning what happened</h1>" in body
    assert "<strong>plainly</strong>" in body
    assert "<em>do</em>" in body
    assert "<script>alert(1)" not in body


# --- Privacy and isolation -----------------------------------------------------


def test_a_private_row_never_reaches_the_partner(writer, hurt, couple, partner_a):
    write(couple, partner_a, text="Shared words")
    Statement.objects.create(couple=couple, author=partner_a, revision=2, text=f"draft {MARKER}", visibility="private")
    assert MARKER not in text_of(hurt.get(URL))
    assert accountability_state(couple)["latest"].revision == 1


def test_another_couple_sees_nothing_of_this_statement(couple, partner_a, partner_b, outsider, client):
    write(couple, partner_a, text=f"Ours alone {MARKER}")
    respond(couple, partner_b, missing=f"also ours {MARKER}")
    other = pair(outsider, UserFactory(verified=True))
    client.force_login(outsider)
    page = client.get(URL)
    assert page.status_code == 200 and MARKER not in text_of(page)
    # Their "respond" acts on their own (empty) space, never on ours.
    forged = client.post(RESPOND_URL, {"felt_heard": "10", "heard_enough": "on", "revision": "1"})
    assert forged.status_code == 400 and MARKER not in text_of(forged)
    assert StatementResponse.objects.count() == 1
    assert not Statement.objects.filter(couple=other).exists()


def test_a_person_without_a_couple_gets_404(client):
    client.force_login(UserFactory(verified=True))
    assert client.get(URL).status_code == 404
    assert client.post(RESPOND_URL, {"felt_heard": "3"}).status_code == 404


def test_a_worrying_safety_answer_changes_nothing_here(writer, couple):
    for person in couple.partners():
        protect(person)
    assert writer.get(URL).status_code == 200
    assert writer.post(URL, {"text": "Still possible", "visibility": "couple", "based_on": "0"}).status_code == 302


# --- Constant queries ----------------------------------------------------------


def _rounds(couple, writer_user, hurt_user, count):
    for i in range(count):
        write(couple, writer_user, text=f"Version {i}", based_on=i)
        respond(couple, hurt_user, felt_heard=i % 11, missing=f"missing {i}")


@pytest.mark.parametrize("rounds", [1, 25])
def test_the_page_uses_a_constant_number_of_queries(
    hurt, couple, partner_a, partner_b, rounds, django_assert_max_num_queries
):
    _rounds(couple, partner_a, partner_b, rounds)
    with django_assert_max_num_queries(10):  # 9 for the page, 1 for the unread count in the header
        response = hurt.get(URL)
    assert response.status_code == 200
    assert f"Version {rounds - 1}" in text_of(response)
