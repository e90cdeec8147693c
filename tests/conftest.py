"""Shared fixtures for the whole suite.

The cast
    ``partner_a``, ``partner_b``, ``outsider``: verified users (allauth
    ``EmailAddress`` verified and primary) whose password is
    ``tests.factories.DEFAULT_PASSWORD``. Later issues pair A and B into a
    couple; ``outsider`` is the person every ownership test keeps out.
    Log one in with ``client.force_login(user)``, or through the real form
    with ``tests.helpers.login(client, user)``.

Mail
    pytest-django's ``mailoutbox`` (Django's test runner swaps every
    ``MAILERS`` entry for the locmem backend).

Browser
    pytest-playwright's ``page`` drives the system Chromium (never a
    downloaded one) against pytest-django's ``live_server``. Mark such tests
    ``@pytest.mark.browser`` and ``@pytest.mark.django_db(transaction=True)``.

Celery
    ``celery_worker`` (session-scoped) runs a real worker thread on the real
    Redis broker. Request it *before* any DB fixture; tasks that read the DB
    need ``django_db(transaction=True)`` because the worker thread has its own
    connection and cannot see a test's uncommitted transaction.

Parallel runs
    ``make test`` runs the suite in pytest-xdist workers. pytest-django gives each
    worker its own test database (``…_gw0``, ``…_gw1``); ``pytest_configure`` below
    gives each its own Redis database (cache, broker and results), so one worker's
    rate limits, queued tasks and cache clears never reach another's.

Cache
    ``_clear_django_cache`` (autouse) empties the Django cache before every
    test, so allauth's rate limits never leak between tests; within a test
    they count as in production.
"""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in the test thread; Django would
# otherwise refuse ORM calls from it (SynchronousOnlyOperation) in live_server set-up.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from tests.factories import UserFactory


def _worker_redis_url(url: str, worker: str) -> str:
    """``url`` with the database number moved on by the worker's number (gw0 keeps it, gw1 takes the next…)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    base = int(parts.path.lstrip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{base + int(worker.removeprefix('gw'))}"))


def pytest_configure(config):
    from django.conf import settings

    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker or not settings.REDIS_URL:
        return
    url = _worker_redis_url(settings.REDIS_URL, worker)
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": url}}
    settings.CELERY_BROKER_URL = settings.CELERY_RESULT_BACKEND = url
    # Subprocesses a test starts with this environment (production settings checks) use the same database.
    os.environ["REDIS_URL"] = url
    from trustrepair.celery import app

    app.conf.update(broker_url=url, result_backend=url)


def _allow_flushing_the_access_log(sender, connection, **kwargs):
    """Transactional tests reset the database with TRUNCATE, which the access log refuses otherwise
    (accounts/migrations/0009_security_access_log_no_truncate.py)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET trustrepair.flush_access_log = 'on'")


def _connect_flush_setting():
    from django.db.backends.signals import connection_created

    connection_created.connect(_allow_flushing_the_access_log, dispatch_uid="tests-flush-access-log")


_connect_flush_setting()


# --- Row security ----------------------------------------------------------------
#
# Tests log in as the owner, so a query outside any identity (trustrepair.rowsecurity.identity)
# would read every row here while in production it reads none. This wrapper fails any query on a
# protected table that runs with no identity and no test code on its stack: a task, a thread or a
# service that forgot to say whom it acts for. Test code itself (factories, assertions) may.

_TESTS_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _from_test_code() -> bool:
    import sys

    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename.startswith(_TESTS_DIR):
            return True
        frame = frame.f_back
    return False


def _refuse_unscoped(execute, sql, params, many, context):
    from trustrepair.rowsecurity.tables import touches_protected

    connection = context["connection"]
    if (
        getattr(connection, "rowsecurity_identity", None) is None
        and not getattr(connection, "rowsecurity_owner", False)
        and isinstance(sql, str)
        and not sql.startswith("TRUNCATE")
        and touches_protected(sql)
        and not _from_test_code()
    ):
        raise AssertionError(
            f"A query on a protected table with no identity (acting_as) outside test code: {sql[:300]}"
        )
    return execute(sql, params, many, context)


def _install_unscoped_guard(sender, connection, **kwargs):
    if _refuse_unscoped not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, _refuse_unscoped)


def _connect_unscoped_guard():
    from django.db.backends.signals import connection_created

    connection_created.connect(_install_unscoped_guard, dispatch_uid="tests-unscoped-guard")


_connect_unscoped_guard()


CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--disable-background-networking"]


# --- The cast -----------------------------------------------------------------


@pytest.fixture
def partner_a(db):
    return UserFactory(verified=True, email="partner-a@example.test", display_name="Avery", time_zone="Europe/Berlin")


@pytest.fixture
def partner_b(db):
    return UserFactory(verified=True, email="partner-b@example.test", display_name="Blake", time_zone="Europe/Berlin")


@pytest.fixture
def outsider(db):
    return UserFactory(verified=True, email="outsider@example.test", display_name="Olive", time_zone="America/Chicago")


# --- Speed ---------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Real hashing costs ~100 ms a user; tests make hundreds of users. Login still checks passwords."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- Cache --------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _clear_django_cache():
    """Forget every Django cache entry (allauth's rate-limit counters live there) before each test.

    With Redis the cache shares its database with the Celery broker and result
    backend, and ``cache.clear()`` is FLUSHDB: it would also drop queued
    messages, kombu's bindings and stored results under a running worker. So
    only keys with the cache's own prefix (Django writes
    ``<KEY_PREFIX>:<version>:<key>``) are deleted.
    """
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    cache = caches["default"]  # the real backend: ``django.core.cache.cache`` is a proxy, never a RedisCache
    if isinstance(cache, RedisCache):
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{cache.key_prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


# --- Browser ------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Chromium is not installed: apt-get install -y chromium (make test does this).")
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_ARGS}


# --- Celery -------------------------------------------------------------------


@pytest.fixture(scope="session")
def celery_worker():
    """A real Celery worker (solo pool, in a thread) consuming from the configured broker.

    Session-scoped: it starts once, on first use, and stops at the end of the run.
    After every task the worker thread closes its database connections, so none
    outlives the test that committed the data (or blocks dropping the test database).
    """
    # Registers the ``celery.ping`` task that start_worker's ready check sends.
    import celery.contrib.testing.tasks  # noqa: F401
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun
    from django.db import connections

    from trustrepair.celery import app

    def close_worker_connections(**kwargs):
        connections.close_all()  # runs in the worker thread: closes only its own connections

    task_postrun.connect(close_worker_connections, weak=False)
    try:
        with start_worker(app, pool="solo", concurrency=1, perform_ping_check=True, shutdown_timeout=30) as worker:
            yield worker
    finally:
        task_postrun.disconnect(close_worker_connections)


# --- Keyring -----------------------------------------------------------------------
#
# Writing is sealed with data keys from the keyring database (trustrepair/keyring/), so every
# test that may touch the app's database may touch the keyring's too, inside the same test
# transaction or flush.


def pytest_collection_modifyitems(items):
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is not None:
            if "databases" not in marker.kwargs:
                kwargs = {**marker.kwargs, "databases": "__all__"}
                item.add_marker(pytest.mark.django_db(*marker.args, **kwargs), append=False)
        elif {"db", "transactional_db", "live_server"} & set(item.fixturenames):
            transaction = "db" not in item.fixturenames
            item.add_marker(pytest.mark.django_db(transaction=transaction, databases="__all__"), append=False)
