"""The access log: every therapist read is recorded; nobody can change or delete a record."""

import html
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.test import Client
from django.urls import NoReverseMatch, reverse

from accounts.models import AccessLogEntry
from tests.factories import UserFactory
from tests.helpers import sign_in_as
from tests.therapists.helpers import link

pytestmark = pytest.mark.django_db


def as_user(user) -> Client:
    client = Client()
    sign_in_as(client, user)
    return client


def test_every_read_of_the_couple_page_is_logged_with_what_was_visible(couple, therapist):
    link(couple, therapist, progress=True, trends=True)
    client = as_user(therapist)
    url = reverse("therapist:couple", args=[couple.pk])
    client.get(url)
    client.get(url)
    entries = list(AccessLogEntry.objects.filter(couple=couple).order_by("created_at"))
    assert len(entries) == 2
    entry = entries[0]
    assert (entry.therapist, entry.therapist_name, entry.path) == (therapist, "Dr Quinn", url)
    assert entry.what == "Couple page (progress, check-in trends)"


def test_the_caseload_logs_one_entry_per_couple_it_shows(couple, other_couple, therapist):
    link(couple, therapist)
    link(other_couple, therapist)
    as_user(therapist).get(reverse("therapist:caseload"))
    assert sorted(AccessLogEntry.objects.values_list("couple_id", flat=True)) == sorted([couple.pk, other_couple.pk])
    assert set(AccessLogEntry.objects.values_list("what", flat=True)) == {
        "Caseload overview (progress, check-in trends, shared writing)"
    }


def test_actions_and_refusals_write_no_read(couple, therapist, partner_a):
    the_link = link(couple, therapist)
    client = as_user(therapist)
    client.post(reverse("therapist:note_create", args=[couple.pk]), {"text": "a note"})
    assert not AccessLogEntry.objects.exists()
    from accounts.therapists import services

    services.consent_revoke(link=the_link, partner=partner_a)
    assert client.get(reverse("therapist:couple", args=[couple.pk])).status_code == 404
    assert not AccessLogEntry.objects.exists()


def test_the_couple_sees_who_has_seen_what_in_their_own_time_zone(couple, therapist, partner_a, partner_b):
    link(couple, therapist)
    with time_machine.travel(datetime(2026, 3, 2, 23, 30, tzinfo=UTC), tick=False):
        as_user(therapist).get(reverse("therapist:couple", args=[couple.pk]))
    partner_a.time_zone = "Asia/Tokyo"  # 08:30 on the next day there
    partner_a.save()
    body = html.unescape(as_user(partner_a).get(reverse("couple_therapist:access_log")).content.decode())
    assert "Dr Quinn" in body
    assert "3 Mar 2026, 08:30" in body
    assert "Couple page (progress, check-in trends, shared writing)" in body
    partner_b.time_zone = "America/Los_Angeles"  # 15:30 the same day
    partner_b.save()
    body = as_user(partner_b).get(reverse("couple_therapist:access_log")).content.decode()
    assert "2 Mar 2026, 15:30" in body


def test_another_couple_never_sees_this_log(couple, other_couple, outsider, therapist):
    link(couple, therapist)
    as_user(therapist).get(reverse("therapist:couple", args=[couple.pk]))
    body = as_user(outsider).get(reverse("couple_therapist:access_log")).content.decode()
    assert "Dr Quinn" not in body


def test_the_model_refuses_changes(couple, therapist):
    entry = AccessLogEntry.objects.create(couple=couple, therapist=therapist, therapist_name="x", what="y", path="/")
    entry.what = "nothing to see"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AccessLogEntry.objects.filter(pk=entry.pk).update(what="changed")
    with pytest.raises(PermissionError):
        AccessLogEntry.objects.filter(pk=entry.pk).delete()
    assert AccessLogEntry.objects.get(pk=entry.pk).what == "y"


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE accounts_accesslogentry SET what = 'changed' WHERE id = %s",
        "DELETE FROM accounts_accesslogentry WHERE id = %s",
    ],
)
def test_the_database_refuses_changes_below_the_orm(couple, therapist, sql):
    entry = AccessLogEntry.objects.create(couple=couple, therapist=therapist, therapist_name="x", what="y", path="/")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [entry.pk])
    assert AccessLogEntry.objects.get(pk=entry.pk).what == "y"


@pytest.mark.parametrize("sql", ["TRUNCATE accounts_accesslogentry", "TRUNCATE accounts_couple CASCADE"])
def test_the_database_refuses_truncate(couple, therapist, sql):
    AccessLogEntry.objects.create(couple=couple, therapist=therapist, therapist_name="x", what="y", path="/")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        # The setting the suite sets so Django's flush can reset the database; the app never sets it.
        cursor.execute("SET LOCAL trustrepair.flush_access_log = 'off'")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's own inserts leave deferred checks pending
        cursor.execute(sql)
    assert AccessLogEntry.objects.count() == 1


def test_staff_cannot_read_the_access_log_in_the_admin(couple, therapist):
    """The log is the couple's to read: the admin has no page for it, and row security shows it nobody else."""
    from trustrepair.rowsecurity.identity import acting_as

    AccessLogEntry.objects.create(couple=couple, therapist=therapist, therapist_name="x", what="y", path="/")
    staff = UserFactory(verified=True, is_staff=True, is_superuser=True)
    with pytest.raises(NoReverseMatch):
        reverse("admin:accounts_accesslogentry_changelist")
    with acting_as(staff.pk):
        assert not AccessLogEntry.objects.exists()
    assert as_user(staff).get("/staff/accounts/accesslogentry/").status_code == 404
