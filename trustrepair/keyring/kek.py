"""Key-encryption keys (KEKs): the secrets from the environment that wrap every data key.

``DATA_KEYS`` is a list of base64-encoded 32-byte keys. The first wraps new and
re-wrapped data keys; the others still unwrap, so a KEK is replaced without downtime:
put the new one first, run ``manage.py rotate_data_keys``, then remove the old one.
A KEK is named by a fingerprint of itself, so the list carries no names to keep in step.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NONCE = 12


def parse(value: str) -> bytes:
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ImproperlyConfigured("Each of DATA_KEYS must be 32 random bytes in base64 (`openssl rand -base64 32`).")
    return raw


def new() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def fingerprint(raw: bytes) -> str:
    return hashlib.sha256(b"trustrepair-kek" + raw).hexdigest()[:16]


def _keys() -> dict[str, bytes]:
    raws = [parse(value) for value in settings.DATA_KEYS]
    if not raws:
        raise ImproperlyConfigured("DATA_KEYS is empty: no key-encryption key to seal writing with.")
    return {fingerprint(raw): raw for raw in raws}


def current_id() -> str:
    return next(iter(_keys()))


def _bound(scope: str, owner_id: int) -> bytes:
    # A wrapped key copied onto another owner's row does not unwrap.
    return f"datakey/{scope}/{owner_id}".encode()


def wrap(data_key: bytes, *, scope: str, owner_id: int) -> tuple[str, bytes]:
    """Wrap under the current KEK: returns (its fingerprint, nonce + ciphertext)."""
    kek_id = current_id()
    nonce = os.urandom(NONCE)
    sealed = AESGCM(_keys()[kek_id]).encrypt(nonce, data_key, _bound(scope, owner_id))
    return kek_id, nonce + sealed


def unwrap(wrapped: bytes, *, kek_id: str, scope: str, owner_id: int) -> bytes:
    try:
        raw = _keys()[kek_id]
    except KeyError:
        raise ImproperlyConfigured(
            f"A data key is wrapped by key-encryption key {kek_id}, which DATA_KEYS no longer holds. "
            "Put it back, run `manage.py rotate_data_keys`, then remove it."
        ) from None
    wrapped = bytes(wrapped)
    return AESGCM(raw).decrypt(wrapped[:NONCE], wrapped[NONCE:], _bound(scope, owner_id))
