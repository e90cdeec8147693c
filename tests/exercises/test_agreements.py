"""Agreements and boundaries: propose, accept / decline / change, end, log kept or missed, confirm."""

import html
from datetime import timedelta

import pytest
from django.urls import reverse

from exercises.models import Agreement, AgreementCheck
from exercises.models.choices import Kind
from exercises.selectors.agreements import agreements_waiting
from exercises.services import agreements as service
from tests.exercises.factories import ExerciseFactory
from tests.factories import UserFactory
from tests.helpers import control_value, field_errors, parse_html, protect

pytestmark = pytest.mark.django_db

MARKER = "AGREEMENT-MARKER-3391"
Status = Agreement.Status


def agreements_waiting_for(couple, user) -> int:
    """What the dashboard counts for ``user`` on the agreements page (the selector's two querysets)."""
    proposals, logs = agreements_waiting(couple, user)
    return proposals.count() + logs.count()


def choice_errors(doc, name) -> str:
    """Errors shown in the fieldset of a radio group (the helpers' field_errors expects one control)."""
    radios = doc.find_all("input", name=name)
    assert radios, f"no radio named {name!r}"
    container = radios[0].closest(lambda n: "field" in n.classes)
    blocks = container.find_all(class_="field__errors")
    return blocks[0].text if blocks else ""


def errors_of(doc, name) -> str:
    radios = [n for n in doc.find_all("input", name=name) if n.attrs.get("type") == "radio"]
    return choice_errors(doc, name) if radios else field_errors(doc, name)


def text(response) -> str:
    return html.unescape(response.content.decode())


def today(user):
    return service.local_today(user)


def propose(user, couple, words=f"I tell you when plans change. {MARKER}", category="availability", review_on=None):
    return service.agreement_propose(couple=couple, user=user, category=category, text=words, review_on=review_on)


def accepted(couple, proposer, answerer, **kwargs):
    return service.agreement_decide(agreement=propose(proposer, couple, **kwargs), user=answerer, accept=True)


def logged(agreement, user, kept=True, note="", days_ago=0):
    occurred_on = today(user) - timedelta(days=days_ago)
    return service.agreement_log(agreement=agreement, user=user, kept=kept, occurred_on=occurred_on, note=note)


LIST = reverse("exercises:agreements")


# --- Proposing and answering ------------------------------------------------------------------


def test_proposal_waits_for_the_other_partner_who_accepts_it(client, couple, partner_a, partner_b):
    client.force_login(partner_a)
    review = (today(partner_a) + timedelta(days=30)).isoformat()
    response = client.post(
        LIST, {"category": "money", "text": f"  We talk before big spending. {MARKER} ", "review_on": review}
    )
    assert response.status_code == 302
    agreement = Agreement.objects.get(couple=couple)
    assert (agreement.status, agreement.proposed_by, agreement.text) == (
        Status.PROPOSED,
        partner_a,
        f"We talk before big spending. {MARKER}",
    )
    assert agreement.review_on.isoformat() == review

    page = client.get(LIST)
    assert "Waiting for Blake" in text(page)
    # The proposer is not offered an answer to their own proposal.
    assert reverse("exercises:agreement_decide", args=[agreement.pk]) not in text(page)
    assert reverse("exercises:agreement_counter", args=[agreement.pk]) not in text(page)
    assert agreements_waiting_for(couple, partner_a) == 0

    client.force_login(partner_b)
    assert agreements_waiting_for(couple, partner_b) == 1
    page = text(client.get(LIST))
    assert "Waiting for your answer" in page and MARKER in page
    assert reverse("exercises:agreement_decide", args=[agreement.pk]) in page
    response = client.post(reverse("exercises:agreement_decide", args=[agreement.pk]), {"decision": "accept"})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == Status.ACCEPTED and agreement.decided_at is not None
    assert agreements_waiting_for(couple, partner_b) == 0
    doc = parse_html(client.get(LIST).content)
    accepted_section = doc.find("section", aria_labelledby="accepted-heading")
    assert MARKER in accepted_section.text


def test_proposer_cannot_accept_their_own_proposal_even_by_forged_post(client, couple, partner_a):
    agreement = propose(partner_a, couple)
    client.force_login(partner_a)
    response = client.post(reverse("exercises:agreement_decide", args=[agreement.pk]), {"decision": "accept"})
    assert response.status_code == 400
    assert "your partner's to answer" in text(response)
    agreement.refresh_from_db()
    assert agreement.status == Status.PROPOSED


def test_a_decision_must_be_accept_or_decline(client, couple, partner_a, partner_b):
    agreement = propose(partner_a, couple)
    client.force_login(partner_b)
    for data in ({}, {"decision": "maybe"}):
        response = client.post(reverse("exercises:agreement_decide", args=[agreement.pk]), data)
        assert response.status_code == 400
        assert "accept or decline" in text(response)
    agreement.refresh_from_db()
    assert agreement.status == Status.PROPOSED


def test_declined_proposal_goes_to_the_history_and_a_repeat_click_is_harmless(client, couple, partner_a, partner_b):
    agreement = propose(partner_a, couple)
    client.force_login(partner_b)
    url = reverse("exercises:agreement_decide", args=[agreement.pk])
    assert client.post(url, {"decision": "decline"}).status_code == 302
    assert client.post(url, {"decision": "decline"}).status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == Status.DECLINED
    # Once declined it cannot be accepted any more.
    response = client.post(url, {"decision": "accept"})
    assert response.status_code == 400 and "already been answered" in text(response)
    doc = parse_html(client.get(LIST).content)
    assert MARKER in doc.find("section", aria_labelledby="history-heading").text
    assert MARKER not in doc.find("section", aria_labelledby="accepted-heading").text


def test_counter_proposal_replaces_the_original_and_keeps_its_words_in_history(client, couple, partner_a, partner_b):
    original = propose(partner_a, couple, words=f"I answer within an hour. {MARKER}")
    client.force_login(partner_b)
    url = reverse("exercises:agreement_counter", args=[original.pk])
    page = client.get(url)
    assert page.status_code == 200
    doc = parse_html(page.content)
    assert control_value(doc, "text") == f"I answer within an hour. {MARKER}"  # prefilled
    assert "Back to your space" in text(page)

    data = {"category": "availability", "text": "Within two hours on workdays."}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302  # a double click makes one counter-proposal
    original.refresh_from_db()
    counter = Agreement.objects.get(replaces=original)
    assert original.status == Status.REPLACED
    assert original.text == f"I answer within an hour. {MARKER}"  # never rewritten
    assert (counter.status, counter.proposed_by, counter.text) == (
        Status.PROPOSED,
        partner_b,
        "Within two hours on workdays.",
    )
    assert Agreement.objects.filter(couple=couple).count() == 2

    # The counter now waits for the first partner; the one who made it cannot accept it.
    response = client.post(reverse("exercises:agreement_decide", args=[counter.pk]), {"decision": "accept"})
    assert response.status_code == 400
    client.force_login(partner_a)
    doc = parse_html(client.get(LIST).content)
    waiting = doc.find("section", aria_labelledby="to-answer-heading")
    assert "Within two hours on workdays." in waiting.text
    earlier = waiting.find("details")
    assert "Earlier versions (1)" in earlier.text and MARKER in earlier.text
    assert (
        client.post(reverse("exercises:agreement_decide", args=[counter.pk]), {"decision": "accept"}).status_code == 302
    )
    counter.refresh_from_db()
    assert counter.status == Status.ACCEPTED
    accepted_section = parse_html(client.get(LIST).content).find("section", aria_labelledby="accepted-heading")
    earlier = accepted_section.find_all("details", predicate=lambda n: "Earlier versions" in n.text)
    assert len(earlier) == 1 and MARKER in earlier[0].text  # the history travels with the accepted version


def test_the_original_cannot_be_answered_once_changed(client, couple, partner_a, partner_b):
    original = propose(partner_a, couple)
    service.agreement_counter(
        agreement=original, user=partner_b, category="availability", text="Another way", review_on=None
    )
    client.force_login(partner_b)
    response = client.post(reverse("exercises:agreement_decide", args=[original.pk]), {"decision": "accept"})
    assert response.status_code == 400 and "already been answered" in text(response)
    response = client.post(
        reverse("exercises:agreement_counter", args=[original.pk]), {"category": "money", "text": "Third idea"}
    )
    assert response.status_code == 400
    assert Agreement.objects.filter(couple=couple).count() == 2


def test_proposer_is_not_offered_a_change_of_their_own_proposal(client, couple, partner_a):
    agreement = propose(partner_a, couple)
    client.force_login(partner_a)
    for response in (
        client.get(reverse("exercises:agreement_counter", args=[agreement.pk])),
        client.post(reverse("exercises:agreement_counter", args=[agreement.pk]), {"category": "money", "text": "x"}),
    ):
        assert response.status_code == 400
        assert "your partner's to answer" in text(response)
        assert 'name="text"' not in text(response)
    assert Agreement.objects.filter(couple=couple).count() == 1


def test_counter_form_refuses_bad_input_and_keeps_the_words(client, couple, partner_a, partner_b):
    original = propose(partner_a, couple)
    client.force_login(partner_b)
    yesterday = (today(partner_b) - timedelta(days=1)).isoformat()
    response = client.post(
        reverse("exercises:agreement_counter", args=[original.pk]),
        {"category": "availability", "text": "My version", "review_on": yesterday},
    )
    assert response.status_code == 400
    doc = parse_html(response.content)
    assert "can't be in the past" in field_errors(doc, "review_on")
    assert control_value(doc, "text") == "My version"
    original.refresh_from_db()
    assert original.status == Status.PROPOSED


# --- Bad input on the proposal form ---------------------------------------------------------


def test_review_date_in_the_past_is_refused_next_to_the_field(client, couple, partner_a):
    client.force_login(partner_a)
    yesterday = (today(partner_a) - timedelta(days=1)).isoformat()
    response = client.post(LIST, {"category": "money", "text": "Typed words stay", "review_on": yesterday})
    assert response.status_code == 400
    doc = parse_html(response.content)
    assert "can't be in the past" in field_errors(doc, "review_on")
    assert control_value(doc, "text") == "Typed words stay"
    assert not Agreement.objects.exists()
    # Today is fine.
    assert (
        client.post(LIST, {"category": "money", "text": "Ok", "review_on": today(partner_a).isoformat()}).status_code
        == 302
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"category": "money", "text": "   "}, "text", "Please write the agreement"),
        ({"category": "money", "text": "x" * 2001}, "text", "under 2000 characters"),
        ({"category": "gossip", "text": "Words"}, "category", "categories listed"),
        ({"text": "Words"}, "category", "choose what the agreement is about"),
        ({"category": "money", "text": "Words", "review_on": "next tuesday"}, "review_on", "date like"),
    ],
)
def test_bad_proposals_are_refused_with_a_message_and_the_text_kept(client, couple, partner_a, data, field, message):
    client.force_login(partner_a)
    response = client.post(LIST, data)
    assert response.status_code == 400
    doc = parse_html(response.content)
    assert message in errors_of(doc, field)
    if data["text"].strip():
        assert control_value(doc, "text") == data["text"]
    assert not Agreement.objects.exists()


def test_a_double_submitted_proposal_creates_one_agreement(client, couple, partner_a):
    client.force_login(partner_a)
    data = {"category": "money", "text": "We share bank statements monthly."}
    assert client.post(LIST, data).status_code == 302
    assert client.post(LIST, data).status_code == 302
    assert Agreement.objects.filter(couple=couple).count() == 1


def test_partners_writing_is_escaped(client, couple, partner_a, partner_b):
    propose(partner_a, couple, words="<script>alert(1)</script> promise")
    client.force_login(partner_b)
    body = client.get(LIST).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; promise" in body


# --- Review, ending ----------------------------------------------------------------------------


def test_accepted_agreements_show_time_to_review_once_the_day_has_come(client, couple, partner_a, partner_b):
    due = accepted(couple, partner_a, partner_b, words="Due one", review_on=today(partner_a))
    later = accepted(couple, partner_a, partner_b, words="Later one", review_on=today(partner_a) + timedelta(days=9))
    Agreement.objects.filter(pk=due.pk).update(review_on=today(partner_a) - timedelta(days=3))  # a day that passed
    client.force_login(partner_b)
    doc = parse_html(client.get(LIST).content)
    due_card = doc.find("article", id=f"agreement-{due.pk}")
    later_card = doc.find("article", id=f"agreement-{later.pk}")
    assert "Time to review" in due_card.text
    assert "Time to review" not in later_card.text
    assert "Review on" in later_card.text


def test_either_partner_ends_an_accepted_agreement_and_it_stays_in_history(client, couple, partner_a, partner_b):
    agreement = accepted(couple, partner_a, partner_b)
    client.force_login(partner_a)
    url = reverse("exercises:agreement_end", args=[agreement.pk])
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302  # again: nothing changes
    agreement.refresh_from_db()
    assert agreement.status == Status.ENDED
    doc = parse_html(client.get(LIST).content)
    history = doc.find("section", aria_labelledby="history-heading")
    assert MARKER in history.text and "Ended" in history.text
    # Ended agreements are not logged any more.
    response = client.post(
        reverse("exercises:agreement_log", args=[agreement.pk]),
        {"kept": "kept", "occurred_on": today(partner_a).isoformat()},
    )
    assert response.status_code == 400
    assert not AgreementCheck.objects.exists()


def test_a_proposal_cannot_be_ended(client, couple, partner_a, partner_b):
    agreement = propose(partner_a, couple)
    client.force_login(partner_b)
    response = client.post(reverse("exercises:agreement_end", args=[agreement.pk]))
    assert response.status_code == 400 and "accepted can be ended" in text(response)
    agreement.refresh_from_db()
    assert agreement.status == Status.PROPOSED


# --- Logging and confirming --------------------------------------------------------------------


def test_log_kept_is_confirmed_by_the_other_partner_and_only_then_counted(client, couple, partner_a, partner_b):
    agreement = accepted(couple, partner_a, partner_b)
    client.force_login(partner_b)
    log_url = reverse("exercises:agreement_log", args=[agreement.pk])
    day = (today(partner_b) - timedelta(days=2)).isoformat()
    data = {"kept": "kept", "occurred_on": day, "note": f"Texted before leaving work. {MARKER}"}
    assert client.post(log_url, data).status_code == 302
    assert client.post(log_url, data).status_code == 302  # double click: one log
    check = AgreementCheck.objects.get()
    assert (check.kept, check.logged_by, check.occurred_on.isoformat(), check.confirmed_at) == (
        True,
        partner_b,
        day,
        None,
    )
    card = parse_html(client.get(LIST).content).find("article", id=f"agreement-{agreement.pk}")
    assert "Avery has not confirmed yet" in card.text and "kept 0 times" in card.text
    # The one who logged it cannot confirm it.
    confirm_url = reverse("exercises:agreement_confirm", args=[check.pk])
    response = client.post(confirm_url)
    assert response.status_code == 400 and "your partner's to confirm" in text(response)
    check.refresh_from_db()
    assert check.confirmed_at is None

    client.force_login(partner_a)
    assert agreements_waiting_for(couple, partner_a) == 1
    card = parse_html(client.get(LIST).content).find("article", id=f"agreement-{agreement.pk}")
    assert "please confirm" in card.text and MARKER in card.text
    assert confirm_url in str(client.get(LIST).content.decode())
    assert client.post(confirm_url).status_code == 302
    assert client.post(confirm_url).status_code == 302  # confirming twice changes nothing
    check.refresh_from_db()
    assert check.confirmed_by == partner_a and check.confirmed_at is not None
    assert agreements_waiting_for(couple, partner_a) == 0
    card = parse_html(client.get(LIST).content).find("article", id=f"agreement-{agreement.pk}")
    assert "kept 1 time" in card.text


def test_missed_logs_are_counted_once_confirmed(client, couple, partner_a, partner_b):
    agreement = accepted(couple, partner_a, partner_b)
    missed = logged(agreement, partner_a, kept=False, note="I forgot to call")
    kept = logged(agreement, partner_b, kept=True, days_ago=1)
    logged(agreement, partner_a, kept=True, days_ago=2)  # never confirmed: not counted
    service.agreement_check_confirm(check=missed, user=partner_b)
    service.agreement_check_confirm(check=kept, user=partner_a)
    assert agreements_waiting_for(couple, partner_b) == 1
    client.force_login(partner_b)
    card = parse_html(client.get(LIST).content).find("article", id=f"agreement-{agreement.pk}")
    assert "kept 1 time, missed 1 time" in card.text


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kept": "kept", "occurred_on": "FUTURE"}, "occurred_on", "hasn't happened yet"),
        ({"kept": "kept", "occurred_on": "yesterday"}, "occurred_on", "date like"),
        ({"kept": "", "occurred_on": "TODAY"}, "kept", "kept or missed"),
        ({"kept": "kept", "occurred_on": "TODAY", "note": "n" * 501}, "note", "under 500 characters"),
    ],
)
def test_bad_logs_are_refused_next_to_the_field(client, couple, partner_a, partner_b, data, field, message):
    agreement = accepted(couple, partner_a, partner_b)
    dates = {"FUTURE": (today(partner_a) + timedelta(days=1)).isoformat(), "TODAY": today(partner_a).isoformat()}
    data = {k: dates.get(v, v) for k, v in data.items()}
    client.force_login(partner_a)
    response = client.post(reverse("exercises:agreement_log", args=[agreement.pk]), data)
    assert response.status_code == 400
    doc = parse_html(response.content)
    card = doc.find("article", id=f"agreement-{agreement.pk}")
    assert message in errors_of(card, field)
    log_details = card.find_all("details", predicate=lambda n: "Log how it went" in n.text)
    assert len(log_details) == 1 and "open" in log_details[0].attrs  # the form is open where the error is
    if "note" in data:
        assert control_value(card, "note") == data["note"]
    assert not AgreementCheck.objects.exists()


def test_log_forms_have_their_own_ids(client, couple, partner_a, partner_b):
    first = accepted(couple, partner_a, partner_b, words="First")
    second = accepted(couple, partner_a, partner_b, words="Second")
    client.force_login(partner_a)
    doc = parse_html(client.get(LIST).content)
    ids = [node.attrs["id"] for node in doc.find_all("textarea") if node.attrs.get("id")]
    assert len(ids) == len(set(ids))
    for agreement in (first, second):
        card = doc.find("article", id=f"agreement-{agreement.pk}")
        note = card.find("textarea", name="note")
        assert card.find("label", for_=note.attrs["id"])


# --- Quiet protection ----------------------------------------------------------------------------


def test_a_worrying_safety_answer_changes_nothing_here(client, couple, partner_a, partner_b):
    """Switching categories or "missed" off would tell the other partner something changed (accounts/safety.py)."""
    agreement = accepted(couple, partner_a, partner_b, category="contact")
    protect(partner_a)
    for person in (partner_a, partner_b):
        client.force_login(person)
        doc = parse_html(client.get(LIST).content)
        offered = {node.attrs["value"] for node in doc.find_all("input", name="category")}
        assert offered == set(Agreement.Category.values)
        assert doc.find_all("input", value="missed")
    log_url = reverse("exercises:agreement_log", args=[agreement.pk])
    response = client.post(log_url, {"kept": "missed", "occurred_on": today(partner_b).isoformat()})
    assert response.status_code == 302
    assert AgreementCheck.objects.get().kept is False


# --- Isolation and query counts -------------------------------------------------------------------


def test_another_couple_gets_404_on_every_id_and_changes_nothing(
    client, couple, partner_a, partner_b, other_couple, outsider
):
    proposal = propose(partner_a, couple, words=f"Proposal {MARKER}")
    agreement = accepted(couple, partner_a, partner_b, words=f"Accepted {MARKER}")
    check = logged(agreement, partner_a, note=f"note {MARKER}")
    client.force_login(outsider)
    requests = [
        ("post", reverse("exercises:agreement_decide", args=[proposal.pk]), {"decision": "accept"}),
        ("get", reverse("exercises:agreement_counter", args=[proposal.pk]), {}),
        ("post", reverse("exercises:agreement_counter", args=[proposal.pk]), {"category": "money", "text": "mine"}),
        ("post", reverse("exercises:agreement_end", args=[agreement.pk]), {}),
        (
            "post",
            reverse("exercises:agreement_log", args=[agreement.pk]),
            {"kept": "missed", "occurred_on": "2020-01-01"},
        ),
        ("post", reverse("exercises:agreement_confirm", args=[check.pk]), {}),
    ]
    for method, url, data in requests:
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, url
        assert MARKER not in text(response)
    assert MARKER not in text(client.get(LIST))
    assert [a.status for a in Agreement.objects.filter(couple=couple).order_by("pk")] == [
        Status.PROPOSED,
        Status.ACCEPTED,
    ]
    assert AgreementCheck.objects.count() == 1 and AgreementCheck.objects.get().confirmed_at is None


def test_an_unpaired_person_gets_404(client, couple, partner_a):
    agreement = propose(partner_a, couple)
    client.force_login(UserFactory(verified=True))
    assert client.get(LIST).status_code == 404
    assert (
        client.post(reverse("exercises:agreement_decide", args=[agreement.pk]), {"decision": "accept"}).status_code
        == 404
    )


def _fill(couple, partner_a, partner_b, n):
    for i in range(n):
        agreement = accepted(couple, partner_a, partner_b, words=f"Accepted {i}", review_on=today(partner_a))
        service.agreement_check_confirm(check=logged(agreement, partner_a), user=partner_b)
        logged(agreement, partner_b, kept=False, days_ago=1)
        original = propose(partner_b, couple, words=f"Proposal {i}")
        service.agreement_counter(
            agreement=original, user=partner_a, category="other", text=f"Counter {i}", review_on=None
        )
        service.agreement_decide(
            agreement=propose(partner_a, couple, words=f"Declined {i}"), user=partner_b, accept=False
        )


def test_the_list_page_uses_a_constant_number_of_queries(
    client, couple, partner_a, partner_b, django_assert_max_num_queries
):
    ExerciseFactory(kind=Kind.AGREEMENTS, title="Agreements", introduction="Our **own** intro")
    client.force_login(partner_a)
    _fill(couple, partner_a, partner_b, 1)
    with django_assert_max_num_queries(10):
        small = client.get(LIST)
    _fill(couple, partner_a, partner_b, 12)
    with django_assert_max_num_queries(10):
        large = client.get(LIST)
    assert small.status_code == large.status_code == 200
    assert text(large).count("Time to review") == 13
    assert "<strong>own</strong>" in large.content.decode()  # the curriculum's introduction, as markdown


def test_page_without_curriculum_has_its_own_intro_and_empty_state(client, couple, partner_a):
    client.force_login(partner_a)
    page = client.get(LIST)
    assert page.status_code == 200
    doc = parse_html(page.content)
    assert doc.find("h1").text == "Agreements and boundaries"
    assert "No agreements yet" in doc.find(class_="empty-state").text
    assert doc.find("a", href=reverse("couple:dashboard")).text == "Back to your space"
