"""Leaving a notice for someone: the one way a person's action writes into another person's notices."""

from __future__ import annotations

from django.db import connection
from django.utils import timezone


def leave_notice(user, *, kind: str, url: str, title: str, body: str) -> bool:
    """A notice for ``user``, who may be the partner of the person acting.

    Row security lets a person leave a notice for their partner but never read
    one of theirs (``exercises_notification`` in trustrepair/rowsecurity), and
    the ORM's ``create()`` reads the new row back. So this is one INSERT that
    returns nothing; ON CONFLICT keeps one notice per item for the kinds told
    once (``notification_waiting_once``, ``notification_arrival_once``),
    however often it is called. Returns whether a notice was made.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO exercises_notification (user_id, kind, url, title, body, created_at)"
            " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            [user.pk, kind, url, title[:200], body[:500], timezone.now()],
        )
        return cursor.rowcount == 1
