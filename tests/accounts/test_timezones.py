"""The time zone picker: grouped, readable, current zones only; what the server accepts is unchanged."""

import pytest
from django.urls import reverse

from accounts.forms import ProfileForm, SignupProfileForm
from accounts.timezones import timezone_choices
from tests.helpers import parse_html

pytestmark = pytest.mark.django_db


def picker(html: bytes):
    select = parse_html(html).find("select", name="time_zone")
    return [
        (group.attrs["label"], [o.attrs["value"] for o in group.find_all("option")])
        for group in select.find_all("optgroup")
    ]


def test_the_signup_picker_groups_current_zones_by_region_with_common_ones_first(client):
    groups = picker(client.get(reverse("account_signup")).content)
    labels = [label for label, _ in groups]
    assert labels[0] == "Common" and "Europe" in labels and "Americas" in labels
    values = [v for _, options in groups for v in options]
    assert "Europe/London" in groups[0][1] and "UTC" in groups[0][1]
    assert len(values) == len(set(values))  # each zone once
    for alias in ("Asia/Calcutta", "Europe/Kiev", "America/Buenos_Aires", "Australia/ACT", "Asia/Saigon"):
        assert alias not in values
    assert "Asia/Kolkata" in values and "Europe/Kyiv" in values


def test_zones_read_as_region_and_place():
    labels = dict(option for _, options in timezone_choices() for option in options)
    assert labels["Europe/London"] == "Europe — London"
    assert labels["America/Argentina/Buenos_Aires"] == "Argentina — Buenos Aires"  # under "Americas"


@pytest.mark.parametrize(
    ("value", "valid"), [("Europe/Berlin", True), ("Asia/Calcutta", True), ("Mars/Olympus", False)]
)
def test_server_validation_is_unchanged(value, valid):
    form = SignupProfileForm({"display_name": "Robin", "time_zone": value})
    assert form.is_valid() is valid


def test_someone_with_an_old_alias_still_sees_it_selected(partner_a):
    partner_a.time_zone = "Asia/Calcutta"
    partner_a.save()
    html = ProfileForm(instance=partner_a)["time_zone"].as_widget()
    assert '<option value="Asia/Calcutta" selected>' in html
