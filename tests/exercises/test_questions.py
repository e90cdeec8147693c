"""The questions log: asking (and asking again), answering, revising, the therapist flag, filters, privacy."""

import html
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from exercises.models import Exercise, Module, Question, QuestionAnswer
from exercises.models.choices import Kind, Visibility
from exercises.models.flows import TEXT_LIMIT
from exercises.selectors.questions import unanswered
from exercises.services import questions as service
from tests.couple.conftest import onboard, pair
from tests.factories import UserFactory
from tests.helpers import control_value, field_errors, parse_html, protect

pytestmark = pytest.mark.django_db

URL = reverse("exercises:questions")
MARKER = "QLOG-MARKER-8d2k"


def answer_url(question):
    return reverse("exercises:question_answer", kwargs={"pk": question.pk})


def save_url(question):
    return reverse("exercises:question_save", kwargs={"pk": question.pk})


@pytest.fixture
def couple(partner_a, partner_b):
    """Avery (A) caused the hurt and answers; Blake (B) was hurt and asks."""
    couple = pair(partner_a, partner_b)
    onboard(couple, partner_a, roles={"dishonesty": "caused"})
    onboard(couple, partner_b, roles={"dishonesty": "hurt"})
    return couple


@pytest.fixture
def answerer(client, partner_a, couple):
    client.force_login(partner_a)
    return client


@pytest.fixture
def asker(partner_b, couple):
    client = Client()
    client.force_login(partner_b)
    return client


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def ask(couple, user, text="Did you still talk to them?", **kwargs):
    return service.question_ask(couple=couple, asker=user, text=text, visibility=Visibility.COUPLE, **kwargs)


def card(response, question):
    return parse_html(response.content).find(id=f"question-{question.pk}")


# --- Asking and answering -------------------------------------------------------


def test_empty_log_explains_what_to_do(asker, answerer):
    body = text_of(asker.get(URL))
    assert "No questions yet" in body and "write it above" in body
    assert "normal to need to hear an answer more than once" in body
    assert "Back to your space" in body
    other = answerer.get(URL)
    assert other.status_code == 200
    assert "No questions yet" in text_of(other)
    assert not parse_html(other.content).find_all("textarea", name="text"), "the answering partner is not asked to ask"


def test_hurt_partner_asks_and_the_other_partner_answers(asker, answerer, couple, partner_a, partner_b):
    response = asker.post(URL, {"text": f"Where were you that night? {MARKER}", "visibility": "couple"})
    assert response.status_code == 302
    question = Question.objects.get(couple=couple)
    assert (question.asker, question.repeat_of, question.visibility) == (partner_b, None, Visibility.COUPLE)
    assert response["Location"].endswith(f"#question-{question.pk}")
    assert unanswered(couple, partner_a).count() == 1
    assert unanswered(couple, partner_b).count() == 0

    # Asked: the asker waits, the partner sees an answer form.
    own = card(asker.get(URL), question)
    assert "Asked" in own.text and MARKER in own.text
    assert not own.find_all("textarea"), "the asker is not offered an answer form for their own question"
    theirs = answerer.get(URL)
    assert card(theirs, question).find_all("textarea", name="text")

    assert answerer.post(answer_url(question), {"text": "At my sister's, until midnight."}).status_code == 302
    answer = QuestionAnswer.objects.get(question=question)
    assert (answer.revision, answer.author) == (1, partner_a)
    assert unanswered(couple, partner_a).count() == 0
    seen = card(asker.get(URL), question)
    assert "Answered" in seen.text and "At my sister's, until midnight." in seen.text


def test_an_answer_is_revised_as_a_new_version_and_the_old_one_stays_visible(
    asker, answerer, couple, partner_a, partner_b
):
    question = ask(couple, partner_b)
    service.question_answer(question=question, author=partner_a, text="Not really.")
    page = answerer.get(URL)
    form_card = card(page, question)
    assert control_value(form_card, "text") == "Not really.", "the revise form starts from the current answer"

    assert (
        answerer.post(answer_url(question), {"text": "Yes, twice, by phone. I should have said so."}).status_code == 302
    )
    assert [(a.revision, a.text) for a in question.answers.order_by("revision")] == [
        (1, "Not really."),
        (2, "Yes, twice, by phone. I should have said so."),
    ]
    seen = card(asker.get(URL), question)
    earlier = [d for d in seen.find_all("details") if "Earlier versions" in d.text]
    assert len(earlier) == 1 and "Not really." in earlier[0].text
    assert "Yes, twice, by phone." not in earlier[0].text
    assert "Yes, twice, by phone." in seen.text


def test_a_repeated_question_is_allowed_and_linked_to_the_first_asking(asker, couple, partner_a, partner_b):
    with time_machine.travel(timezone.now() - timedelta(days=3), tick=False):
        first = ask(couple, partner_b, text="Do you still love them?")
    service.question_answer(question=first, author=partner_a, text="No. I love you.")
    response = asker.post(URL, {"text": "  do you STILL   love them? ", "visibility": "couple"})
    assert response.status_code == 302
    again = Question.objects.exclude(pk=first.pk).get()
    assert again.repeat_of == first
    again_card = card(asker.get(URL), again)
    assert "Asked before on" in again_card.text
    links = [a.attrs["href"] for a in again_card.find_all("a")]
    assert f"{URL}#question-{first.pk}" in links
    assert "Asked" in again_card.text  # waiting for its own answer, not hidden or merged

    # A third asking still points at the first time, not at the repeat.
    third = ask(couple, partner_b, text="Do you still love them?", repeat_of=again)
    assert third.repeat_of == first


def test_the_asker_can_mark_a_question_as_asked_before(asker, couple, partner_b):
    with time_machine.travel(timezone.now() - timedelta(days=1), tick=False):
        first = ask(couple, partner_b, text="Why did you lie about the trip?")
    page = asker.get(URL)
    options = parse_html(page.content).find("select", name="repeat_of").find_all("option")
    assert [o.attrs["value"] for o in options] == ["", str(first.pk)]
    response = asker.post(
        URL, {"text": "The trip: what was it really for?", "repeat_of": str(first.pk), "visibility": "couple"}
    )
    assert response.status_code == 302
    assert next(q for q in Question.objects.all() if q.text.startswith("The trip")).repeat_of == first


def test_a_question_from_another_couple_cannot_be_chosen_as_asked_before(asker, couple, partner_b, outsider):
    mine = ask(couple, partner_b, text="My first question")
    other = pair(outsider, UserFactory(verified=True))
    foreign = ask(other, outsider, text=f"Their question {MARKER}")
    response = asker.post(URL, {"text": "My question", "repeat_of": str(foreign.pk), "visibility": "couple"})
    assert response.status_code == 400
    doc = parse_html(response.content)
    assert "Choose one of your earlier questions" in field_errors(doc, "repeat_of")
    assert control_value(doc, "text") == "My question"
    assert MARKER not in text_of(response)
    assert list(Question.objects.filter(couple=couple)) == [mine]
    with pytest.raises(service.QuestionError):
        ask(couple, partner_b, text="Via the service", repeat_of=foreign)


def test_a_partner_who_has_not_onboarded_may_ask(partner_a, partner_b, client):
    couple = pair(partner_a, partner_b)
    client.force_login(partner_a)
    assert client.post(URL, {"text": "Can I ask already?", "visibility": "couple"}).status_code == 302
    assert Question.objects.filter(couple=couple, asker=partner_a).exists()


# --- Who may do what -------------------------------------------------------------


def test_the_asker_cannot_answer_their_own_question(asker, couple, partner_b):
    question = ask(couple, partner_b)
    forged = asker.post(answer_url(question), {"text": "Answering myself"})
    assert forged.status_code == 400
    assert "your own question" in text_of(forged)
    assert not QuestionAnswer.objects.exists()


def test_the_partner_who_caused_the_hurt_is_not_offered_the_ask_form(answerer, couple):
    page = answerer.get(URL)
    assert "asks the questions that come up" in text_of(page)
    forged = answerer.post(URL, {"text": "Me asking", "visibility": "couple"})
    assert forged.status_code == 400
    assert "asked by the partner who was hurt" in text_of(forged)
    assert not Question.objects.exists()


def test_answer_and_save_are_post_only(asker, couple, partner_b):
    question = ask(couple, partner_b)
    assert asker.get(answer_url(question)).status_code == 405
    assert asker.get(save_url(question)).status_code == 405


# --- Bad input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "Please write your question"), ("   ", "Please write your question"), ("why? " * 401, "too long")],
)
def test_bad_questions_are_refused_next_to_the_field_and_kept(asker, text, message):
    response = asker.post(URL, {"text": text, "visibility": "couple"})
    assert response.status_code == 400
    doc = parse_html(response.content)
    assert message in field_errors(doc, "text")
    if text.strip():
        assert control_value(doc, "text") == text.strip()
    assert not Question.objects.exists()


def test_a_question_cannot_be_private_or_of_unknown_visibility(asker, couple, partner_b):
    for value in ("private", "public"):
        assert asker.post(URL, {"text": "Hm?", "visibility": value}).status_code == 400
    assert not Question.objects.exists()
    with pytest.raises(service.QuestionError):
        service.question_ask(couple=couple, asker=partner_b, text="Hm?", visibility=Visibility.PRIVATE)


@pytest.mark.parametrize(
    ("text", "message"), [("  ", "Please write your answer"), ("x" * (TEXT_LIMIT + 1), "too long")]
)
def test_bad_answers_are_refused_next_to_the_field_and_kept(answerer, couple, partner_b, text, message):
    question = ask(couple, partner_b)
    other = ask(couple, partner_b, text="Another question")
    response = answerer.post(answer_url(question), {"text": text})
    assert response.status_code == 400
    failed = card(response, question)
    assert message in field_errors(failed, "text")
    if text.strip():
        assert control_value(failed, "text") == text
    assert not field_errors(card(response, other), "text"), "only the failed question shows the error"
    assert not QuestionAnswer.objects.exists()


def test_a_double_submit_saves_one_question_and_one_answer(asker, answerer, couple):
    data = {"text": "Same words, twice", "visibility": "couple"}
    assert asker.post(URL, data).status_code == 302
    assert asker.post(URL, data).status_code == 302
    question = Question.objects.get()
    assert answerer.post(answer_url(question), {"text": "An answer"}).status_code == 302
    assert answerer.post(answer_url(question), {"text": "An answer"}).status_code == 302
    assert question.answers.count() == 1


def test_the_same_question_later_is_a_repeat_not_a_double_submit(couple, partner_b):
    first = ask(couple, partner_b, text="Why?")
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        second = ask(couple, partner_b, text="why?")
    assert second.pk != first.pk and second.repeat_of == first


@pytest.mark.parametrize(
    "again",
    ["WHY DID YOU LIE TO ME", "why did you lie to me?!", "Why, did you lie to me…", "  why  did you  lie to me ? "],
)
def test_a_question_asked_again_in_other_case_or_punctuation_is_recognised(couple, partner_b, again):
    first = ask(couple, partner_b, text="Why did you lie to me?")
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        second = ask(couple, partner_b, text=again)
    assert second.repeat_of == first
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        assert ask(couple, partner_b, text="Why did you lie to them?").repeat_of is None


# --- Save for the therapist and filters ------------------------------------------


def test_either_partner_saves_a_question_for_the_therapist(asker, answerer, couple, partner_b):
    question = ask(couple, partner_b)
    assert answerer.post(save_url(question), {"saved": "1"}).status_code == 302
    assert answerer.post(save_url(question), {"saved": "1"}).status_code == 302  # a double click
    question.refresh_from_db()
    assert question.saved_for_therapist
    assert "Saved for our therapist" in card(asker.get(URL), question).text
    assert asker.post(save_url(question), {"saved": "0"}).status_code == 302
    question.refresh_from_db()
    assert not question.saved_for_therapist
    # Without a wanted state the button toggles.
    asker.post(save_url(question))
    question.refresh_from_db()
    assert question.saved_for_therapist


def test_filters_show_waiting_answered_and_saved(asker, couple, partner_a, partner_b):
    waiting = ask(couple, partner_b, text="Waiting one")
    answered = ask(couple, partner_b, text="Answered one")
    service.question_answer(question=answered, author=partner_a, text="Here you are")
    saved = ask(couple, partner_b, text="Saved one")
    service.question_toggle_saved(question=saved, user=partner_b)

    def shown(show):
        response = asker.get(URL, {"show": show} if show is not None else None)
        assert response.status_code == 200
        return {q.pk for q in (waiting, answered, saved) if f'id="question-{q.pk}"' in response.content.decode()}

    everything = {waiting.pk, answered.pk, saved.pk}
    assert shown(None) == everything
    assert shown("all") == everything
    assert shown("waiting") == {waiting.pk, saved.pk}
    assert shown("answered") == {answered.pk}
    assert shown("saved") == {saved.pk}
    assert shown("<script>") == everything, "a bad filter falls back to all"
    nav = parse_html(asker.get(URL, {"show": "answered"}).content).find("a", aria_current="page")
    assert "Answered" in nav.text and "(1)" in nav.text


def test_an_empty_filter_says_so(asker, couple, partner_b):
    ask(couple, partner_b)
    assert "Nothing here right now" in text_of(asker.get(URL, {"show": "saved"}))


# --- Curriculum content --------------------------------------------------------------


def test_the_curriculum_introduction_is_shown(asker):
    module = Module.objects.create(slug="atone-q", title="Atone", summary="s", published=True)
    Exercise.objects.create(
        module=module,
        slug="questions-q",
        title="Questions, whenever they come",
        kind=Kind.QUESTIONS_LOG,
        introduction="Ask *anything*.",
        status=Exercise.Status.PUBLISHED,
    )
    body = asker.get(URL).content.decode()
    assert "<h1>Questions, whenever they come</h1>" in body and "<em>anything</em>" in body


# --- Privacy and isolation -------------------------------------------------------------


def test_another_couple_gets_404_on_our_questions_and_sees_nothing(couple, partner_a, partner_b, outsider, client):
    question = ask(couple, partner_b, text=f"Ours {MARKER}")
    service.question_answer(question=question, author=partner_a, text=f"Our answer {MARKER}")
    pair(outsider, UserFactory(verified=True))
    client.force_login(outsider)
    page = client.get(URL)
    assert page.status_code == 200 and MARKER not in text_of(page)
    for url, data in ((answer_url(question), {"text": "intrusion"}), (save_url(question), {"saved": "1"})):
        response = client.post(url, data)
        assert response.status_code == 404
        assert MARKER not in text_of(response)
    question.refresh_from_db()
    assert question.answers.count() == 1 and not question.saved_for_therapist


def test_a_private_question_never_reaches_the_partner(answerer, asker, couple, partner_a, partner_b):
    hidden = Question.objects.create(couple=couple, asker=partner_b, text=f"draft {MARKER}", visibility="private")
    assert MARKER not in text_of(answerer.get(URL))
    assert answerer.post(answer_url(hidden), {"text": "peek"}).status_code == 404
    assert answerer.post(save_url(hidden), {"saved": "1"}).status_code == 404
    assert unanswered(couple, partner_a).count() == 0
    assert MARKER in text_of(asker.get(URL)), "its author still sees it"


def test_a_worrying_safety_answer_changes_nothing_in_the_log(asker, answerer, couple, partner_b):
    for person in couple.partners():
        protect(person)
    question = ask(couple, partner_b)
    assert asker.get(URL).status_code == 200
    assert answerer.post(answer_url(question), {"text": "Still answered"}).status_code == 302


def test_a_person_without_a_couple_gets_404(client, couple, partner_b):
    question = ask(couple, partner_b)
    client.force_login(UserFactory(verified=True))
    assert client.get(URL).status_code == 404
    assert client.post(answer_url(question), {"text": "x"}).status_code == 404


# --- Constant queries --------------------------------------------------------------------


@pytest.mark.parametrize("count", [2, 40])
def test_the_log_uses_a_constant_number_of_queries(
    answerer, asker, couple, partner_a, partner_b, count, django_assert_max_num_queries
):
    for i in range(count):
        question = ask(couple, partner_b, text=f"Question {i}", repeat_of=Question.objects.first() if i % 3 else None)
        if i % 2:
            service.question_answer(question=question, author=partner_a, text=f"Answer {i}")
            service.question_answer(question=question, author=partner_a, text=f"Better answer {i}")
        if i % 5 == 0:
            service.question_toggle_saved(question=question, user=partner_a)
    for client in (asker, answerer):
        with django_assert_max_num_queries(13):  # 12 for the page, 1 for the unread count in the header
            response = client.get(URL)
        assert response.status_code == 200
        assert f"Question {count - 1}" in text_of(response)
