import html

import pytest
from django.urls import reverse

from accounts.models import FractureAnswer, OnboardingResponse
from tests.couple.conftest import MARKER, onboard

pytestmark = pytest.mark.django_db

PARTNER_PAGES = ["couple:dashboard", "couple:together", "couple:onboarding", "couple:safety_check", "couple:leave"]


def text(response) -> str:
    return html.unescape(response.content.decode())


def valid_answers(**overrides):
    data = {
        "role_infidelity": "caused",
        "role_dishonesty": "caused",
        "other_fracture": "",
        "baseline_safety": "6",
        "baseline_trust": "4",
    }
    return data | overrides


def test_onboarding_saves_roles_and_baselines(client, couple, partner_a):
    client.force_login(partner_a)
    response = client.post(reverse("couple:onboarding"), valid_answers())
    assert response.status_code == 302
    answer = OnboardingResponse.objects.get(couple=couple, user=partner_a)
    assert (answer.baseline_safety, answer.baseline_trust) == (6, 4)
    assert {(f.kind, f.role) for f in answer.fractures.all()} == {("infidelity", "caused"), ("dishonesty", "caused")}


def test_double_submit_keeps_one_answer(client, couple, partner_a):
    client.force_login(partner_a)
    client.post(reverse("couple:onboarding"), valid_answers())
    client.post(reverse("couple:onboarding"), valid_answers(role_neglect="hurt"))
    assert OnboardingResponse.objects.filter(user=partner_a).count() == 1
    assert FractureAnswer.objects.filter(response__user=partner_a).count() == 2


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"role_infidelity": "", "role_dishonesty": ""}, None, "Choose at least one"),
        ({"role_other": "both", "other_fracture": "   "}, "other_fracture", "a few words"),
        ({"baseline_safety": "11"}, "baseline_safety", "Select a valid choice"),
        ({"baseline_trust": "-1"}, "baseline_trust", "Select a valid choice"),
        ({"role_infidelity": "owner"}, "role_infidelity", "Select a valid choice"),
        ({"other_fracture": "x" * 501, "role_other": "hurt"}, "other_fracture", "at most 500"),
    ],
)
def test_bad_onboarding_input_is_explained_and_kept(client, couple, partner_a, data, field, message):
    client.force_login(partner_a)
    response = client.post(reverse("couple:onboarding"), valid_answers(**data))
    assert response.status_code == 400
    body = text(response)
    assert message in body
    if field:
        assert f'id="id_{field}_error"' in body
    # What was typed comes back: the rating chosen stays checked, free text stays in the box.
    raw = response.content.decode()
    if "baseline_trust" not in data:
        assert 'id="id_baseline_trust_4" checked' in raw
    assert 'id="id_role_dishonesty_2" checked' in raw or data.get("role_dishonesty") == ""
    if data.get("other_fracture", "").strip():
        assert data["other_fracture"] in body
    assert not OnboardingResponse.objects.filter(user=partner_a).exists()


def test_reveal_only_after_both_submitted(client, couple, partner_a, partner_b):
    onboard(couple, partner_a, other=f"my words {MARKER}", roles={"other": "hurt", "dishonesty": "hurt"})

    client.force_login(partner_b)
    for name in PARTNER_PAGES:
        response = client.get(reverse(name), follow=True)
        assert MARKER not in text(response), name
    client.force_login(partner_a)
    waiting = text(client.get(reverse("couple:together")))
    assert "stay private until" in waiting and MARKER not in waiting

    onboard(couple, partner_b, roles={"dishonesty": "caused", "neglect": "hurt"})
    for person in (partner_a, partner_b):
        client.force_login(person)
        page = text(client.get(reverse("couple:together")))
        assert MARKER in page
        assert "You see it the same way" in page  # dishonesty: hurt / caused mirror each other
        assert "You see this differently" in page  # neglect named by one partner only


def test_partner_who_has_not_joined_yet_can_still_onboard(client, partner_a):
    from accounts.services import pairing

    pairing.couple_create(user=partner_a)
    client.force_login(partner_a)
    assert client.get(reverse("couple:onboarding")).status_code == 200
    assert client.post(reverse("couple:onboarding"), valid_answers()).status_code == 302
    assert "until your partner joins" in text(client.get(reverse("couple:together")))


def test_the_flash_tells_the_first_to_answer_that_their_answers_wait(client, couple, partner_a):
    client.force_login(partner_a)
    page = text(client.post(reverse("couple:onboarding"), valid_answers(), follow=True))
    assert "stay private until your partner has answered too" in page


def test_the_flash_tells_the_second_to_answer_that_both_have_answered(client, couple, partner_a, partner_b):
    onboard(couple, partner_a)
    client.force_login(partner_b)
    page = text(client.post(reverse("couple:onboarding"), valid_answers(), follow=True))
    assert "until your partner has answered" not in page
    assert "You have both answered" in page
