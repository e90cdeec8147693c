"""Prepared statements for the hottest reads (trustrepair/prepared.py), on the real PostgreSQL."""

import datetime as dt

import pytest
from django.db import connection, transaction

from trustrepair import prepared

pytestmark = pytest.mark.django_db(transaction=True)

SQL = "SELECT %s::int + 1, 'a%%b'"


def test_placeholders_are_numbered_and_literal_percent_kept():
    assert prepared._numbered("SELECT %s, %s, 'x%%'") == ("SELECT $1, $2, 'x%'", 2)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_a_statement_is_prepared_once_per_connection_and_again_after_a_reconnect():
    assert prepared.fetch_all("tr_test_plus_one", SQL, [41]) == [(42, "a%b")]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name = 'tr_test_plus_one'")
        assert cursor.fetchone() == (1,)
    assert prepared.fetch_all("tr_test_plus_one", SQL, [1]) == [(2, "a%b")]  # EXECUTE only: no second PREPARE
    connection.close()
    assert prepared.fetch_all("tr_test_plus_one", SQL, [2]) == [(3, "a%b")]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_a_rolled_back_transaction_keeps_the_statement():
    with pytest.raises(RuntimeError), transaction.atomic():
        assert prepared.fetch_all("tr_test_rollback", SQL, [0]) == [(1, "a%b")]
        raise RuntimeError("roll back")
    assert prepared.fetch_all("tr_test_rollback", SQL, [5]) == [(6, "a%b")]


def test_without_prepared_statements_it_is_a_plain_query(settings):
    settings.DATABASE_PREPARED_STATEMENTS = False
    assert prepared.fetch_all("tr_test_plain", SQL, [9]) == [(10, "a%b")]


# --- Statement: a queryset compiled once --------------------------------------------------------


def _checkins_statement():
    from django.db.models import Q

    from exercises.models import CheckIn

    query = CheckIn.objects.filter(Q(user_id=-1, local_date__gte=dt.date(1, 1, 1)) & ~Q(share="nothing"))
    return prepared.statement("tr_test_checkins", query, {-1: "person", dt.date(1, 1, 1): "since"})


@pytest.mark.parametrize("preparing", [True, False])
def test_a_statement_gives_the_model_rows_the_queryset_gives(settings, preparing):
    from exercises.models import CheckIn
    from tests.factories import UserFactory

    settings.DATABASE_PREPARED_STATEMENTS = preparing
    person, other = UserFactory(), UserFactory()
    for user, day, share in (
        (person, 1, "ratings"),
        (person, 2, "nothing"),
        (person, 3, "everything"),
        (other, 3, "ratings"),
    ):
        CheckIn.objects.create(user=user, local_date=dt.date(2026, 6, day), mood="calm", safety=6, trust=5, share=share)

    found = _checkins_statement().objects(person=person.pk, since=dt.date(2026, 6, 1))

    expected = CheckIn.objects.filter(user=person, local_date__gte=dt.date(2026, 6, 1)).exclude(share="nothing")
    assert [(c.pk, c.local_date, c.share, c.created_at) for c in found] == [
        (c.pk, c.local_date, c.share, c.created_at) for c in expected
    ]
    assert {type(c) for c in found} == {CheckIn} and isinstance(found[0].local_date, dt.date)
    assert [c.local_date for c in _checkins_statement().objects(person=person.pk, since=dt.date(2026, 6, 3))] == [
        dt.date(2026, 6, 3)
    ]


def test_a_stand_in_the_query_does_not_use_is_refused():
    from exercises.models import CheckIn

    with pytest.raises(ValueError, match="stand-ins not found"):
        prepared.statement("tr_test_unused", CheckIn.objects.filter(user_id=-1), {-1: "person", -2: "partner"})
