"""Notices of things waiting for a person: made once per item, in the flow's transaction, cleared when dealt with.

Also: a logged "missed" can be disputed by the other partner (recorded, shown in the history, the logger told).
"""

import html
from datetime import timedelta

import pytest
from django.urls import reverse

from exercises.daily import waiting
from exercises.models import AgreementCheck, Notification
from exercises.services import accountability, paired
from exercises.services import agreements as service
from tests.couple.conftest import onboard
from tests.exercises.factories import exercise_with_steps
from tests.helpers import field_errors, parse_html, protect

pytestmark = pytest.mark.django_db

MARKER = "WAITING-PRIVATE-WORDS-5521"
LIST = reverse("exercises:agreements")


def text(response) -> str:
    return html.unescape(response.content.decode())


def notices(user, kind=None):
    rows = Notification.objects.filter(user=user)
    return list(rows.filter(kind=kind) if kind else rows)


def propose(user, couple, words=f"I tell you when plans change. {MARKER}"):
    return service.agreement_propose(couple=couple, user=user, category="availability", text=words, review_on=None)


def accepted(couple, proposer, answerer):
    return service.agreement_decide(agreement=propose(proposer, couple), user=answerer, accept=True)


def log(agreement, user, kept=False, note=""):
    return service.agreement_log(
        agreement=agreement, user=user, kept=kept, occurred_on=service.local_today(user), note=note
    )


# --- agreements -----------------------------------------------------------------------------------


def test_a_proposal_tells_the_partner_once_and_answering_clears_it(couple, partner_a, partner_b):
    agreement = propose(partner_a, couple)
    propose(partner_a, couple)  # a double click within the minute: the same proposal
    (notice,) = notices(partner_b, waiting.AGREEMENT_TO_ANSWER)
    assert notice.title == "Avery has proposed an agreement for you to look at"
    assert MARKER not in notice.title + notice.body  # the words stay on the page
    assert notice.url == f"{LIST}#agreement-{agreement.pk}-text" and notice.read_at is None
    assert notices(partner_a) == []
    waiting.agreement_proposed(agreement, partner_b)  # told again: still one notice
    assert len(notices(partner_b, waiting.AGREEMENT_TO_ANSWER)) == 1

    service.agreement_decide(agreement=agreement, user=partner_b, accept=True)
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_a_counter_proposal_clears_the_first_and_tells_the_proposer(couple, partner_a, partner_b):
    original = propose(partner_a, couple)
    counter = service.agreement_counter(
        agreement=original, user=partner_b, category="availability", text="Changed words", review_on=None
    )
    assert Notification.objects.get(user=partner_b, kind=waiting.AGREEMENT_TO_ANSWER).read_at is not None
    notice = Notification.objects.get(user=partner_a, kind=waiting.AGREEMENT_TO_ANSWER)
    assert notice.title == "Blake has suggested a change to an agreement for you to look at"
    assert notice.url.endswith(f"#agreement-{counter.pk}-text")


def test_a_log_asks_the_partner_and_confirming_clears_it(couple, partner_a, partner_b):
    agreement = accepted(couple, partner_a, partner_b)
    check = log(agreement, partner_a, kept=True, note=MARKER)
    (notice,) = notices(partner_b, waiting.LOG_TO_CONFIRM)
    assert notice.title == "Avery logged an agreement as kept" and MARKER not in notice.title + notice.body
    assert notice.url == f"{LIST}#log-{check.pk}"
    service.agreement_check_confirm(check=check, user=partner_b)
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_a_protected_partner_s_actions_are_told_exactly_like_anyone_s(couple, partner_a, partner_b):
    """Nothing in what Blake is told may show that Avery is protected (accounts/safety.py)."""
    first = propose(partner_a, couple, words="First")
    protect(partner_a)
    second = propose(partner_a, couple, words="Second")
    told = {n.url: (n.kind, n.title, n.body) for n in notices(partner_b)}
    assert told[waiting.agreement_link(first)] == told[waiting.agreement_link(second)]


# --- disputing a missed log -------------------------------------------------------------------------


def test_the_partner_disputes_a_missed_log_and_the_logger_is_told(client, couple, partner_a, partner_b):
    agreement = accepted(couple, partner_a, partner_b)
    check = log(agreement, partner_a, kept=False, note="I forgot to call")
    client.force_login(partner_b)
    page = parse_html(client.get(LIST).content)
    assert page.find("form", action=reverse("exercises:agreement_dispute", args=[check.pk]))
    url = reverse("exercises:agreement_dispute", args=[check.pk])
    assert client.post(url, {"note": f"  You did call, later. {MARKER} "}).status_code == 302
    assert client.post(url, {"note": f"You did call, later. {MARKER}"}).status_code == 302  # double click
    check.refresh_from_db()
    assert (check.disputed_by, check.dispute_note, check.confirmed_at) == (
        partner_b,
        f"You did call, later. {MARKER}",
        None,
    )
    assert check.disputed_at is not None
    # Blake's "to confirm" notice is dealt with; Avery is told, without Blake's words.
    assert Notification.objects.get(user=partner_b, kind=waiting.LOG_TO_CONFIRM).read_at is not None
    (told,) = notices(partner_a, waiting.LOG_DISPUTED)
    assert told.title == "Blake sees one of your logs differently" and MARKER not in told.title + told.body
    # Nothing waits any more, and the history shows both accounts, to both partners.
    _proposals, logs = service_waiting(couple, partner_b)
    assert logs == 0
    for user in (partner_a, partner_b):
        client.force_login(user)
        card = parse_html(client.get(LIST).content).find("article", id=f"agreement-{agreement.pk}")
        assert "Seen differently" in card.text and MARKER in card.text and "I forgot to call" in card.text
        # A disputed missed log is not counted as a confirmed one.
        assert "Confirmed by both of you: kept 0 times." in " ".join(card.text.split())
    # Once disputed, it cannot be confirmed as well.
    client.force_login(partner_b)
    response = client.post(reverse("exercises:agreement_confirm", args=[check.pk]))
    assert response.status_code == 400 and "see this log differently" in text(response)


def service_waiting(couple, user):
    from exercises.selectors.agreements import agreements_waiting

    proposals, logs = agreements_waiting(couple, user)
    return proposals.count(), logs.count()


def test_an_over_long_dispute_note_is_refused_and_kept(client, couple, partner_a, partner_b):
    agreement = accepted(couple, partner_a, partner_b)
    check = log(agreement, partner_a, kept=False)
    client.force_login(partner_b)
    words = "y" * 501
    response = client.post(reverse("exercises:agreement_dispute", args=[check.pk]), {"note": words})
    assert response.status_code == 400
    form = parse_html(response.content).find("form", action=reverse("exercises:agreement_dispute", args=[check.pk]))
    assert "under 500 characters" in field_errors(form, "note")
    assert words in text(response)
    check.refresh_from_db()
    assert check.disputed_at is None


@pytest.mark.parametrize("case", ["own_log", "kept_log", "confirmed"])
def test_what_cannot_be_disputed_is_explained(client, couple, partner_a, partner_b, case):
    agreement = accepted(couple, partner_a, partner_b)
    check = log(agreement, partner_a, kept=case == "kept_log")
    if case == "confirmed":
        service.agreement_check_confirm(check=check, user=partner_b)
    client.force_login(partner_a if case == "own_log" else partner_b)
    response = client.post(reverse("exercises:agreement_dispute", args=[check.pk]), {"note": "hm"})
    assert response.status_code == 400
    expected = {
        "own_log": "your partner's to confirm or question",
        "kept_log": "Only a log of a missed agreement can be questioned",
        "confirmed": "already confirmed this log",
    }[case]
    assert expected in text(response)
    assert AgreementCheck.objects.get(pk=check.pk).disputed_at is None
    assert notices(partner_a, waiting.LOG_DISPUTED) == []


def test_an_outsider_cannot_dispute(client, couple, partner_a, partner_b, outsider, other_couple):
    check = log(accepted(couple, partner_a, partner_b), partner_a, kept=False)
    client.force_login(outsider)
    assert client.post(reverse("exercises:agreement_dispute", args=[check.pk]), {"note": "x"}).status_code == 404
    assert client.get(reverse("exercises:agreement_dispute", args=[check.pk])).status_code in (404, 405)
    assert AgreementCheck.objects.get(pk=check.pk).disputed_at is None


# --- the accountability statement -------------------------------------------------------------------


def test_a_statement_version_tells_the_hurt_partner_and_responding_clears_it(couple, partner_a, partner_b):
    onboard(couple, partner_a, roles={"infidelity": "caused"})
    onboard(couple, partner_b, roles={"infidelity": "hurt"})
    accountability.statement_write(couple=couple, author=partner_a, text=MARKER, visibility="couple")
    (notice,) = notices(partner_b, waiting.STATEMENT_TO_RESPOND)
    assert notice.title == "Avery has written a statement for you to read" and MARKER not in notice.title + notice.body
    accountability.statement_respond(couple=couple, author=partner_b, felt_heard=4, missing="", heard_enough=False)
    notice.refresh_from_db()
    assert notice.read_at is not None
    accountability.statement_write(couple=couple, author=partner_a, text="Version two", visibility="couple")
    assert [n.title for n in notices(partner_b, waiting.STATEMENT_TO_RESPOND) if n.read_at is None] == [
        "Avery has written a new version of their statement"
    ]


# --- your turn on a paired exercise -------------------------------------------------------------------


def _answers(exercise, words):
    first = exercise.steps.get(order=1)
    return {first.pk: (words, None)}


def test_your_turn_when_the_partner_submitted_and_cleared_by_answering(couple, partner_a, partner_b):
    exercise = exercise_with_steps(slug="naming-it", title="Naming it")
    run = paired.run_get_or_create(couple=couple, exercise=exercise)
    paired.draft_save(run=run, user=partner_a, answers=_answers(exercise, MARKER))
    assert notices(partner_b) == []  # a draft is the writer's alone: it says nothing
    paired.response_submit(run=run, user=partner_a, answers=_answers(exercise, MARKER), visibility="couple")
    paired.response_submit(run=run, user=partner_a, answers=_answers(exercise, MARKER), visibility="couple")
    (notice,) = notices(partner_b, waiting.YOUR_TURN)
    assert notice.title == "“Naming it” is waiting for you"
    assert MARKER not in notice.title + notice.body
    assert notice.url == reverse("exercises:detail", args=["naming-it"])
    assert notices(partner_a) == []
    paired.response_submit(run=run, user=partner_b, answers=_answers(exercise, "mine"), visibility="couple")
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert notices(partner_a, waiting.YOUR_TURN) == []  # revealed: nothing waits for anyone


def test_no_your_turn_for_an_exercise_that_is_not_the_partner_s(couple, partner_a, partner_b):
    from exercises.models.choices import Audience

    onboard(couple, partner_a, roles={"infidelity": "caused"})
    onboard(couple, partner_b, roles={"infidelity": "hurt"})
    exercise = exercise_with_steps(slug="for-one", title="For one", audience=Audience.CAUSED)
    run = paired.run_get_or_create(couple=couple, exercise=exercise)
    paired.response_submit(run=run, user=partner_a, answers=_answers(exercise, MARKER), visibility="couple")
    assert notices(partner_b, waiting.YOUR_TURN) == []


def test_days_ago_do_not_matter(couple, partner_a, partner_b):
    """A log of an earlier day asks just the same."""
    agreement = accepted(couple, partner_a, partner_b)
    service.agreement_log(
        agreement=agreement, user=partner_b, kept=True, occurred_on=service.local_today(partner_b) - timedelta(days=3)
    )
    assert len(notices(partner_a, waiting.LOG_TO_CONFIRM)) == 1


def test_your_turn_says_what_the_dashboard_already_says(client, couple, partner_a, partner_b):
    """The notice and the dashboard's "Waiting for you" come from one rule: they agree, before and after."""
    exercise = exercise_with_steps(slug="seen-both-ways", title="Seen both ways")
    run = paired.run_get_or_create(couple=couple, exercise=exercise)

    def on_b_dashboard() -> bool:
        client.force_login(partner_b)
        doc = parse_html(client.get(reverse("couple:dashboard")).content)
        return "Seen both ways" in doc.find("section", aria_labelledby="mine-heading").text

    assert not on_b_dashboard() and notices(partner_b, waiting.YOUR_TURN) == []
    paired.response_submit(run=run, user=partner_a, answers=_answers(exercise, MARKER), visibility="couple")
    assert on_b_dashboard() and len(notices(partner_b, waiting.YOUR_TURN)) == 1


def test_a_reveal_when_roles_become_known_clears_your_turn(couple, partner_a, partner_b):
    """Before the onboarding reveal an exercise waits for both; once roles count it may need only one."""
    from exercises.models.choices import Audience

    exercise = exercise_with_steps(slug="for-one-later", title="For one later", audience=Audience.CAUSED)
    run = paired.run_get_or_create(couple=couple, exercise=exercise)
    paired.response_submit(run=run, user=partner_a, answers=_answers(exercise, MARKER), visibility="couple")
    (notice,) = notices(partner_b, waiting.YOUR_TURN)

    onboard(couple, partner_a, roles={"infidelity": "caused"})
    onboard(couple, partner_b, roles={"infidelity": "hurt"})

    run.refresh_from_db()
    notice.refresh_from_db()
    assert run.revealed_at is not None
    assert notice.read_at is not None  # nothing waits for Ben any more, so no digest mentions it
