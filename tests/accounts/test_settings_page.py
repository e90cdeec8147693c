"""The profile settings page (/settings/): login required, saves, refuses bad input next to the field."""

import pytest
from django.urls import reverse

from tests.helpers import control_value, field_errors, fields_with_errors, parse_html

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_login(client):
    url = reverse("accounts:settings")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={url}"


def test_anonymous_post_changes_nothing(client, partner_a):
    response = client.post(reverse("accounts:settings"), {"display_name": "Hacked", "time_zone": "UTC"})
    assert response.status_code == 302
    partner_a.refresh_from_db()
    assert partner_a.display_name == "Avery"


def test_settings_page_shows_own_profile(client, partner_a):
    client.force_login(partner_a)
    response = client.get(reverse("accounts:settings"))
    assert response.status_code == 200
    doc = parse_html(response.content)
    assert control_value(doc, "display_name") == "Avery"
    assert control_value(doc, "time_zone") == "Europe/Berlin"


def test_settings_save_display_name_and_time_zone(client, partner_a, partner_b):
    client.force_login(partner_a)
    response = client.post(reverse("accounts:settings"), {"display_name": "  Avery Q.  ", "time_zone": "Asia/Tokyo"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:settings")
    partner_a.refresh_from_db()
    assert partner_a.display_name == "Avery Q."
    assert partner_a.time_zone == "Asia/Tokyo"
    # Only the signed-in person's own profile changes.
    partner_b.refresh_from_db()
    assert (partner_b.display_name, partner_b.time_zone) == ("Blake", "Europe/Berlin")

    page = client.get(response["Location"])
    assert b"Your settings are saved." in page.content


BAD_PROFILES = {
    "empty display name": ({"display_name": "", "time_zone": "Asia/Tokyo"}, "display_name", "required"),
    "blank display name": ({"display_name": "   ", "time_zone": "Asia/Tokyo"}, "display_name", "required"),
    "unknown time zone": ({"display_name": "Avery Q.", "time_zone": "Mars/Olympus"}, "time_zone", "Mars/Olympus"),
    "too long display name": ({"display_name": "A" * 61, "time_zone": "Asia/Tokyo"}, "display_name", "at most 60"),
}


@pytest.mark.parametrize(("data", "bad_field", "message"), BAD_PROFILES.values(), ids=BAD_PROFILES.keys())
def test_bad_profile_input_is_refused_next_to_field(client, partner_a, data, bad_field, message):
    client.force_login(partner_a)
    response = client.post(reverse("accounts:settings"), data)

    assert response.status_code == 400
    doc = parse_html(response.content)
    assert message.lower() in field_errors(doc, bad_field).lower()
    assert fields_with_errors(doc) == {bad_field}
    for name in ("display_name", "time_zone"):
        if name != bad_field:
            assert control_value(doc, name) == data[name], f"{name} was not kept"

    partner_a.refresh_from_db()
    assert (partner_a.display_name, partner_a.time_zone) == ("Avery", "Europe/Berlin"), "nothing is saved"


def test_every_profile_field_has_a_visible_label(client, partner_a):
    client.force_login(partner_a)
    doc = parse_html(client.get(reverse("accounts:settings")).content)
    for name, label in (("display_name", "Display name"), ("time_zone", "Time zone")):
        control = doc.find(name=name)
        labels = doc.find_all("label", for_=control.attrs["id"])
        assert [node.text for node in labels] == [label], f"{name} needs exactly one <label for=…>"


def test_the_settings_menu_leads_to_the_daily_prompts(client, partner_a):
    client.force_login(partner_a)
    settings_page = client.get(reverse("accounts:settings")).content.decode()
    prompts_url = reverse("daily:preferences")
    assert f'<a href="{prompts_url}">Daily prompts</a>' in settings_page
    prompts_page = client.get(prompts_url).content.decode()
    assert f'<a href="{prompts_url}" aria-current="page">Daily prompts</a>' in prompts_page
