"""Workflows that write a couple's exercises. Each module owns one kind of exercise."""

from datetime import timedelta
from operator import attrgetter

from django.utils import timezone

# The same thing sent again this soon is a double click or a second tab, not a new one.
DOUBLE_SUBMIT_WINDOW = timedelta(minutes=1)


def sent_just_now(rows, *, since: str = "created_at", **words):
    """The row among ``rows`` made within the window with exactly these words (a double click), or None.

    Words are sealed at rest (trustrepair/keyring/), so they are compared here, once opened,
    among the few rows of the last minute. A keyword names an attribute path: ``incident__title``.
    """
    recent = rows.filter(**{f"{since}__gte": timezone.now() - DOUBLE_SUBMIT_WINDOW})
    readers = {attrgetter(path.replace("__", ".")): value for path, value in words.items()}
    return next((row for row in recent if all(read(row) == value for read, value in readers.items())), None)
