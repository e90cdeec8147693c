"""Data keys: made on first use, unwrapped once per process, destroyed to shred.

Every key row is committed in the keyring database before any writing sealed with it can
commit in the app's (the keyring connection is never inside the request's transaction),
so a rolled-back request can leave an unused key behind, never writing without its key.
"""

from __future__ import annotations

import os
import threading
from typing import NamedTuple

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import connections

from . import kek
from .models import DataKey
from .router import KEYRING

# Unwrapped keys of this process, by id and by owner. Bounded: a worker that read many couples
# starts over rather than growing. Shredding drops its keys here too.
_CACHE_LIMIT = 4096
_lock = threading.Lock()
_by_id: dict[int, AESGCM] = {}
_by_owner: dict[tuple[str, int], int] = {}


class Owner(NamedTuple):
    scope: str  # DataKey.Scope
    owner_id: int


def person(user_id: int) -> Owner:
    return Owner(DataKey.Scope.PERSON, user_id)


def couple(couple_id: int) -> Owner:
    return Owner(DataKey.Scope.COUPLE, couple_id)


class Shredded(Exception):
    """The key was destroyed: what it sealed can no longer be read, here or in any backup."""


def _remember(row_id: int, owner: Owner, key: AESGCM) -> None:
    with _lock:
        if len(_by_id) >= _CACHE_LIMIT:
            _by_id.clear()
            _by_owner.clear()
        _by_id[row_id] = key
        _by_owner[owner] = row_id


def _unwrap(row: DataKey) -> AESGCM:
    raw = kek.unwrap(row.wrapped, kek_id=row.kek_id, scope=row.scope, owner_id=row.owner_id)
    key = AESGCM(raw)
    _remember(row.pk, Owner(row.scope, row.owner_id), key)
    return key


def for_owner(owner: Owner) -> tuple[int, AESGCM]:
    """The owner's key, made on first use."""
    row_id = _by_owner.get(owner)
    if row_id is not None and row_id in _by_id:
        return row_id, _by_id[row_id]
    row = DataKey.objects.filter(scope=owner.scope, owner_id=owner.owner_id).first()
    if row is None:
        kek_id, wrapped = kek.wrap(os.urandom(32), scope=owner.scope, owner_id=owner.owner_id)
        # Two first writes at once: one key wins, both use it.
        with connections[KEYRING].cursor() as cursor:
            cursor.execute(
                "INSERT INTO keyring_datakey (scope, owner_id, kek_id, wrapped, created_at) "
                "VALUES (%s, %s, %s, %s, now()) ON CONFLICT (scope, owner_id) DO NOTHING",
                [owner.scope, owner.owner_id, kek_id, wrapped],
            )
        row = DataKey.objects.get(scope=owner.scope, owner_id=owner.owner_id)
    return row.pk, _unwrap(row)


def by_id(row_id: int) -> AESGCM:
    key = _by_id.get(row_id)
    if key is not None:
        return key
    row = DataKey.objects.filter(pk=row_id).first()
    if row is None:
        raise Shredded(row_id)
    return _unwrap(row)


def forget_cached() -> None:
    with _lock:
        _by_id.clear()
        _by_owner.clear()


def shred(owners: list[Owner]) -> int:
    """Destroy these keys. Irreversible by design: call it only once nobody may read what they sealed."""
    if not owners:
        return 0
    destroyed = 0
    for scope in {owner.scope for owner in owners}:
        ids = [owner.owner_id for owner in owners if owner.scope == scope]
        destroyed += DataKey.objects.filter(scope=scope, owner_id__in=ids).delete()[0]
    forget_cached()
    return destroyed
