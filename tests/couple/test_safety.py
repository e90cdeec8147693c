import html

import pytest
from django.urls import reverse

from accounts.models import CoupleEvent, SafetyCheck, SupportResource
from tests.couple.conftest import MARKER, onboard

pytestmark = pytest.mark.django_db

CALM = {
    "afraid_of_partner": "no",
    "threats_or_violence": "no",
    "note": "",
}
WORRYING = CALM | {"afraid_of_partner": "sometimes", "controls_phone": "on", "note": f"only for me {MARKER}"}


def text(response) -> str:
    return html.unescape(response.content.decode())


def every_partner_page(client):
    names = ["couple:dashboard", "couple:together", "couple:onboarding", "couple:leave", "couple:safety_check"]
    return "".join(text(client.get(reverse(name), follow=True)) for name in names)


def test_calm_answers_change_nothing(client, couple, partner_a):
    client.force_login(partner_a)
    response = client.post(reverse("couple:safety_check"), CALM)
    assert response.status_code == 302 and response.url == reverse("couple:dashboard")
    assert SafetyCheck.objects.get(user=partner_a).protected_since is None


def test_worrying_answers_offer_support_privately_and_protect(client, couple, partner_a, partner_b):
    onboard(couple, partner_a)  # creates a shared event B could otherwise watch
    # Its own row: a browser test's flush in the same worker removes the seeded ones.
    SupportResource.objects.create(title="Test Hotline", body="Call any time.", region="United States")
    partner_a.time_zone = "America/New_York"
    partner_a.save()
    client.force_login(partner_a)
    response = client.post(reverse("couple:safety_check"), WORRYING)
    assert response.url == reverse("couple:safety_support")
    support = text(client.get(response.url))
    assert "Test Hotline" in support  # staff-editable resources from the database
    assert SafetyCheck.objects.get(user=partner_a).protected_since is not None
    assert SafetyCheck.objects.get(user=partner_a).note.endswith(MARKER)

    client.force_login(partner_b)
    pages = every_partner_page(client)
    assert MARKER not in pages
    assert "safety mode" not in pages.lower() and "protected" not in pages.lower()
    # Nothing B already saw disappears (tests/couple/test_safety_undetectable.py checks every page).
    assert CoupleEvent.objects.filter(couple=couple, actor=partner_a).exists()
    assert "finished their onboarding answers" in pages


def test_safety_answers_are_only_prefilled_for_their_author(client, couple, partner_a, partner_b):
    client.force_login(partner_a)
    client.post(reverse("couple:safety_check"), WORRYING)
    assert MARKER in text(client.get(reverse("couple:safety_check")))
    client.force_login(partner_b)
    assert MARKER not in text(client.get(reverse("couple:safety_check")))


def test_a_calmer_second_answer_does_not_end_protection(client, couple, partner_a):
    client.force_login(partner_a)
    client.post(reverse("couple:safety_check"), WORRYING)
    first = SafetyCheck.objects.get(user=partner_a).protected_since
    client.post(reverse("couple:safety_check"), CALM)
    client.post(reverse("couple:safety_check"), WORRYING)
    assert SafetyCheck.objects.get(user=partner_a).protected_since == first


def test_answers_given_before_pairing_protect_in_the_new_couple(client, partner_a, partner_b):
    from exercises.daily.services import checkin_save
    from tests.couple.conftest import pair

    client.force_login(partner_b)
    client.post(reverse("couple:safety_check"), WORRYING)
    couple = pair(partner_a, partner_b)
    checkin = checkin_save(user=partner_b, couple=couple, mood="calm", safety=5, trust=5, need="", share="everything")
    assert checkin.share == "nothing"


def test_missing_answers_are_explained_and_kept(client, partner_a):
    client.force_login(partner_a)
    response = client.post(reverse("couple:safety_check"), {"controls_money": "on", "note": "kept words"})
    assert response.status_code == 400
    body = text(response)
    assert 'id="id_afraid_of_partner_error"' in body
    assert "kept words" in body
    assert 'name="controls_money" id="id_controls_money" checked' in response.content.decode()
    assert not SafetyCheck.objects.filter(user=partner_a).exists()


def test_support_page_renders_staff_markdown_safely(client, partner_a):
    from accounts.models import SupportResource

    SupportResource.objects.create(
        title="Test line", body="**Bold** <script>alert(1)</script> [site](javascript:alert(2))"
    )
    client.force_login(partner_a)
    body = client.get(reverse("couple:safety_support")).content.decode()
    assert "<strong>Bold</strong>" in body
    assert "<script>alert(1)" not in body
    assert "javascript:" not in body


@pytest.mark.parametrize(
    ("time_zone", "shown", "hidden"),
    [
        ("Europe/London", ["UK line"], ["US line", "AU line"]),
        ("Australia/Sydney", ["AU line"], ["US line", "UK line"]),
        ("America/Chicago", ["US line"], ["UK line", "AU line"]),
        ("Asia/Tokyo", ["We do not list a helpline for Japan yet"], ["US line", "UK line", "AU line"]),
        ("UTC", ["when your time zone tells us where you are", "US line", "UK line", "AU line"], []),
    ],
)
def test_support_lines_follow_the_persons_country_with_a_directory_always(client, partner_a, time_zone, shown, hidden):
    from accounts.models import SupportResource

    SupportResource.objects.all().delete()
    for title, region in [("US line", "United States"), ("UK line", "United Kingdom"), ("AU line", "Australia")]:
        SupportResource.objects.create(title=title, body="Help.", region=region)
    SupportResource.objects.create(title="Everywhere line", body="Help anywhere.")
    partner_a.time_zone = time_zone
    partner_a.save()
    client.force_login(partner_a)
    body = client.get(reverse("couple:safety_support")).content.decode()
    for text in [*shown, "Everywhere line", "findahelpline.com"]:
        assert text in body
    for text in hidden:
        assert text not in body
