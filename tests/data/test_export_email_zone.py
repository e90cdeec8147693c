"""The "your copy is ready" email, sent by a Celery task with no request, gives the time on the person's clock."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from accounts.data import emails
from accounts.models import DataExport
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("zone", "shown"),
    [
        ("Pacific/Auckland", "4 December 2026, 11:30 (Pacific/Auckland)"),
        ("Nowhere/Atlantis", "3 December 2026, 22:30 (UTC)"),
    ],
)
def test_expiry_is_on_the_recipients_clock(zone, shown):
    person = UserFactory(verified=True, time_zone="UTC")
    type(person).objects.filter(pk=person.pk).update(time_zone=zone)  # an unknown name, as if the zone database lost it
    person.refresh_from_db()
    export = DataExport(user=person, expires_at=dt.datetime(2026, 12, 3, 22, 30, tzinfo=dt.UTC))
    emails.export_ready(export)
    message = mail.outbox[-1]
    html = next(content for content, mimetype in message.alternatives if mimetype == "text/html")
    assert f"until {shown}" in message.body
    assert f"until {shown}" in html
    assert timezone.get_current_timezone_name() == "UTC"
