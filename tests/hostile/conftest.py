"""Fixtures of the hostile-input tests.

``hostile`` is the world of ``tests.hostile.world``, built once per test
module (it takes some twenty seconds: thousands of rows through the services)
inside a transaction that is rolled back when the module is done. Each test
still runs in its own savepoint (``django_db``), so nothing a test writes
reaches the next one. The browser test cannot share it (the live server reads
committed data) and builds its own.
"""

import pytest
from django.core import mail
from django.db import transaction
from django.test import override_settings

from tests.hostile.world import build_world

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def hostile(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER), transaction.atomic():
        sent_before = len(mail.outbox)
        world = build_world()
        world.emails = list(mail.outbox[sent_before:])
        yield world
        transaction.set_rollback(True)
