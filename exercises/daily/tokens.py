"""Signed tokens for the one-click unsubscribe link.

The token names an account and nothing else; its signature (salted per
purpose, so no other signed value of the site can stand in for it) is what
lets the link work without a log-in. It does not expire: a link in an old
email still does the one thing it can do, which is to stop prompt emails.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.urls import reverse

UNSUBSCRIBE_SALT = "exercises.daily.unsubscribe.prompts"


class BadToken(Exception):
    """The token was altered, truncated or made for something else."""


def unsubscribe_token(user_id: int) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(user_id))


def user_id_from_unsubscribe_token(token: str) -> int:
    try:
        value = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token or "")
        return int(value)
    except (signing.BadSignature, ValueError):
        raise BadToken from None


def unsubscribe_url(user_id: int) -> str:
    return f"{settings.SITE_URL}{reverse('daily:unsubscribe')}?{urlencode({'token': unsubscribe_token(user_id)})}"
