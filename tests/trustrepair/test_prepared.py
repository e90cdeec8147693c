"""Prepared statements for the hottest reads (trustrepair/prepared.py), on the real PostgreSQL."""

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
