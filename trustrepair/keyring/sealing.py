"""AES-GCM under a data key, bound to the table, column and row it was written for.

A sealed value is ``tr1:`` and base64 of: the data key's id (8 bytes), a random 96-bit
nonce, the ciphertext and its tag. The associated data is ``table/column/row id``, so a
value copied to another row, column or table does not decrypt.
"""

from __future__ import annotations

import base64
import logging
import os

from cryptography.exceptions import InvalidTag

from . import datakeys

PREFIX = "tr1:"
_ID = 8
_NONCE = 12
log = logging.getLogger(__name__)


class Ciphertext(str):
    """A sealed value as read from the database, not yet opened."""


def context(table: str, column: str, row_id: int) -> bytes:
    return f"{table}/{column}/{row_id}".encode()


def seal(plaintext: str, *, owner: datakeys.Owner, aad: bytes) -> str:
    key_id, key = datakeys.for_owner(owner)
    nonce = os.urandom(_NONCE)
    body = key_id.to_bytes(_ID, "big") + nonce + key.encrypt(nonce, plaintext.encode(), aad)
    return PREFIX + base64.urlsafe_b64encode(body).decode().rstrip("=")


def key_id_of(token: str) -> int:
    return int.from_bytes(_body(token)[:_ID], "big")


def _body(token: str) -> bytes:
    text = token[len(PREFIX) :]
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def open_sealed(token: str, *, aad: bytes) -> str:
    """The plaintext; raises ``datakeys.Shredded`` when its key was destroyed, ``InvalidTag`` when tampered with."""
    body = _body(token)
    key = datakeys.by_id(int.from_bytes(body[:_ID], "big"))
    return key.decrypt(body[_ID : _ID + _NONCE], body[_ID + _NONCE :], aad).decode()


def open_or_none(token: str, *, aad: bytes) -> str | None:
    """For pages: a value that can no longer be opened is logged (ids only) and shown as unreadable, never a 500."""
    try:
        return open_sealed(token, aad=aad)
    except datakeys.Shredded:
        log.warning("sealed value under a destroyed key (%s)", aad.decode())
    except InvalidTag:
        log.error("sealed value failed authentication (%s)", aad.decode())
    return None
