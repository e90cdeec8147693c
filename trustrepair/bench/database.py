"""The benchmark's own PostgreSQL database: created when missing, dropped and recreated on ``--reseed``.

The seed is recorded as the database's comment (``COMMENT ON DATABASE``), set
in the same transaction as the seeded rows, so a run that died half-way leaves
no marker and the next run seeds again.
"""

from __future__ import annotations

import psycopg2
from django.core.management.base import CommandError
from django.db import connection
from psycopg2 import sql


def _name() -> str:
    return connection.settings_dict["NAME"]


def check_dedicated() -> str:
    """The database name, after refusing anything that does not look like a benchmark database."""
    name = _name()
    if "bench" not in name:
        raise CommandError(
            f"Refusing to seed {name!r}: the benchmark writes millions of rows and may drop its database. "
            "Point DATABASE_URL at a database whose name contains 'bench' (make bench uses trustrepair_bench_web)."
        )
    return name


def _maintenance():
    params = connection.settings_dict
    conn = psycopg2.connect(
        dbname="postgres",
        user=params.get("USER") or None,
        password=params.get("PASSWORD") or None,
        host=params.get("HOST") or None,
        port=params.get("PORT") or None,
    )
    conn.autocommit = True
    return conn


def ensure_exists(*, recreate: bool = False) -> bool:
    """Create the database when it is missing (drop it first with ``recreate``). True when it was created."""
    name = check_dedicated()
    connection.close()
    conn = _maintenance()
    try:
        with conn.cursor() as cursor:
            if recreate:
                cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            created = cursor.fetchone() is None
            if created:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            # As docs/performance.md advises for production: data in memory or on SSD.
            cursor.execute(sql.SQL("ALTER DATABASE {} SET random_page_cost = 1.1").format(sql.Identifier(name)))
            return created
    finally:
        conn.close()


def marker() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = current_database()"
        )
        row = cursor.fetchone()
    return (row[0] if row else None) or ""


def set_marker(text: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"COMMENT ON DATABASE {connection.ops.quote_name(_name())} IS %s", [text])


def analyze() -> None:
    """Fresh planner statistics after a bulk load (outside any transaction)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
