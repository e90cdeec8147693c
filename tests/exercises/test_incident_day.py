"""An incident is something that happened: a day after the writer's own today is refused, and their words kept."""

import datetime as dt
import html

import pytest
from django.urls import reverse

from accounts.models import User
from exercises.daily.scheduling import local_today
from exercises.models import Incident
from exercises.models.choices import Kind
from exercises.services import paired
from tests.exercises.factories import ExerciseFactory, ModuleFactory, StepFactory
from tests.helpers import control_value, field_errors, parse_html

pytestmark = pytest.mark.django_db


@pytest.fixture
def aftermath(db):
    exercise = ExerciseFactory(kind=Kind.AFTERMATH, slug="aftermath", module=ModuleFactory())
    StepFactory(exercise=exercise, prompt="What did you feel?")
    return exercise


def test_a_future_day_is_refused_and_the_words_kept(client, couple, partner_a, aftermath):
    # Kiritimati is UTC+14: its today is the furthest ahead, so "tomorrow" there is tomorrow everywhere.
    User.objects.filter(pk=partner_a.pk).update(time_zone="Pacific/Kiritimati")
    partner_a.refresh_from_db()
    tomorrow = local_today(partner_a) + dt.timedelta(days=1)
    client.force_login(partner_a)
    response = client.post(
        reverse("exercises:detail", args=["aftermath"]), {"title": "The Sunday plans", "happened_on": tomorrow}
    )
    assert response.status_code == 400
    doc = parse_html(response.content)
    assert "hasn't come yet" in html.unescape(field_errors(doc, "happened_on"))
    assert control_value(doc, "title") == "The Sunday plans"
    assert control_value(doc, "happened_on") == tomorrow.isoformat()
    assert not Incident.objects.exists()


def test_today_on_the_writers_clock_is_accepted(client, couple, partner_a, aftermath):
    User.objects.filter(pk=partner_a.pk).update(time_zone="Pacific/Kiritimati")  # ahead of UTC: today here is later
    partner_a.refresh_from_db()
    client.force_login(partner_a)
    today = local_today(partner_a)
    response = client.post(reverse("exercises:detail", args=["aftermath"]), {"title": "Sunday", "happened_on": today})
    assert response.status_code == 302
    assert Incident.objects.get().happened_on == today


def test_the_service_refuses_a_future_day_too(couple, partner_a, aftermath):
    with pytest.raises(paired.ExerciseError):
        paired.incident_create(
            couple=couple,
            user=partner_a,
            exercise=aftermath,
            title="Sunday",
            happened_on=local_today(partner_a) + dt.timedelta(days=1),
        )
    assert not Incident.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_opening_an_incident_holds_its_own_transaction(client, couple, partner_a, aftermath):
    """Outside a test's transaction, as in production: the couple's row lock needs the service's own."""
    client.force_login(partner_a)
    response = client.post(reverse("exercises:detail", args=["aftermath"]), {"title": "Sunday"})
    assert response.status_code == 302
    assert Incident.objects.count() == 1
