"""Versions of a couple's data and of the curriculum, for caches that must never serve stale data.

Every couple has a data version in the cache (Redis in production). Cached
values derived from a couple's data (``exercises.progress``, the dashboard) are
stored under keys that contain the couple's id and its current version, so a
write that bumps the version makes every older value unreachable at once: the
next read recomputes from the database. Values that differ per person also
carry the person's id in their key, so one partner's view is never served to the
other (nor to another couple: the couple id is in every key).

How writes bump the version, by construction:

* ``couple_owned_models()`` finds every model of the project's apps that reaches
  ``Couple`` through foreign keys (``couple``, ``run__couple``,
  ``response__run__couple``, …), plus ``Couple`` itself and the person-owned
  models listed in ``PERSON_OWNED`` (a person's own rows shown on the couple's
  pages, such as the private safety check). ``connect()`` hooks ``post_save``
  and ``post_delete`` of all of them, so a model added later is covered without
  anyone remembering to (``tests/accounts/test_couple_cache.py`` checks every
  one of them).
* Some couple-owned models bump a version of their own instead (``OWN_VERSION``):
  check-ins are written every day by each partner, and only the values that show
  them (this week's check-ins on the dashboard, the cached page) key on their
  version, so a check-in does not make the couple's progress be computed again.
  A value that shows such rows must carry that version in its key as well as the
  couple's data version.
* Queryset writes send no signals (``update()``, ``bulk_create()``): code that
  writes couple data that way calls ``bump_couples``/``bump_for_users`` itself.
* The bump happens at once and again when the transaction commits: a reader
  that computed a value from the old rows between the two cannot have stored it
  under the newest version.

Values also expire after ``DATA_TTL`` seconds, a bound on the damage of a write
that escaped all of the above. A lost version key (eviction) is re-created from
the clock, never from 1, so it cannot meet an old value again.

The curriculum (published modules and exercises) has one global version,
bumped when staff save or delete a ``Module``, ``Exercise`` or ``Step``; each
process keeps the published curriculum in memory for the version it last saw.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from django.apps import apps
from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save

DATA_TTL = 3600
# The layout of the cached values. Raise it whenever a cached value gains, loses or changes a field:
# new code must never read a value written by older code (during a deploy both run at once).
LAYOUT = 2
PROJECT_APPS = ("accounts", "exercises")
# Rows owned by one person (no path to a couple) that a couple's cached pages show.
PERSON_OWNED = ("accounts.SafetyCheck",)
CONTENT_MODELS = ("exercises.Module", "exercises.Exercise", "exercises.Step")
MAX_DEPTH = 4
# Couple-owned models whose writes bump the couple's version of a topic, not its data version.
OWN_VERSION = {"exercises.CheckIn": "checkins"}

KEY_ROOT = "tr:"  # every key of this module starts so (the benchmark forgets them all between runs)
CONTENT_KEY = f"{KEY_ROOT}content:v"


def couple_version_key(couple_id: int, topic: str | None = None) -> str:
    """The key of the couple's data version, or of its version of ``topic`` (see ``OWN_VERSION``)."""
    return f"{KEY_ROOT}couple:{couple_id}:{topic}:v" if topic else f"{KEY_ROOT}couple:{couple_id}:v"


def _fresh_version() -> int:
    return time.time_ns()


# --- reading versions -------------------------------------------------------------------------------


def versions(couple_id: int) -> tuple[int, int]:
    """(couple data version, curriculum version), in one cache round trip; created when missing."""
    found = read_versions([couple_version_key(couple_id), CONTENT_KEY])
    return found[couple_version_key(couple_id)], found[CONTENT_KEY]


def read_versions(keys: list[str], *, also: list[str] = ()) -> dict[str, object]:
    """The version under each of ``keys`` (created from the clock when missing), plus the plain values of ``also``.

    One cache round trip when every version exists.
    """
    found = cache.get_many([*keys, *also])
    for key in keys:
        if found.get(key) is None:
            value = _fresh_version()
            if not cache.add(key, value, timeout=None):
                value = cache.get(key, value)
            found[key] = value
    return found


def person_version_key(topic: str, user_id: int) -> str:
    """The version of one person's ``topic`` (their notifications, say), for caches keyed on it."""
    return f"{KEY_ROOT}{topic}:u{user_id}:v"


def bump_people(topic: str, user_ids: Iterable[int | None]) -> None:
    """New versions of ``topic`` for these people, now and again at commit.

    Forgetting the version is the bump (a missing version is re-created from the clock): one
    round trip for any number of people, which a batch of notifications needs.
    """
    keys = sorted({person_version_key(topic, pk) for pk in user_ids if pk is not None})
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))


def content_version() -> int:
    value = cache.get(CONTENT_KEY)
    if value is None:
        value = _fresh_version()
        if not cache.add(CONTENT_KEY, value, timeout=None):
            value = cache.get(CONTENT_KEY, value)
    return value


def couple_key(prefix: str, couple_id: int, version: int, user_id: int | None = None) -> str:
    """A cache key for a value derived from the couple's data at ``version`` (and for one person, if given)."""
    who = f":u{user_id}" if user_id is not None else ""
    return f"{KEY_ROOT}{prefix}:l{LAYOUT}:c{couple_id}:v{version}{who}"


# --- bumping ----------------------------------------------------------------------------------------


def _bump_key(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:  # missing: start from the clock, never from a number an old value may carry
        cache.set(key, _fresh_version(), timeout=None)


def _bump_now_and_on_commit(keys: list[str]) -> None:
    for key in keys:
        _bump_key(key)

    def again():
        for key in keys:
            _bump_key(key)

    transaction.on_commit(again)


def bump_couples(couple_ids: Iterable[int | None], topic: str | None = None) -> None:
    keys = sorted({couple_version_key(pk, topic) for pk in couple_ids if pk is not None})
    if keys:
        _bump_now_and_on_commit(keys)


def bump_for_users(user_ids: Iterable[int | None]) -> None:
    """Bump every couple the people belong or belonged to (for person-owned rows shown on couple pages)."""
    from accounts.models import Membership

    ids = [pk for pk in user_ids if pk is not None]
    if ids:
        bump_couples(Membership.objects.filter(user_id__in=ids).values_list("couple_id", flat=True))


def bump_content() -> None:
    _bump_now_and_on_commit([CONTENT_KEY])


# --- which models, and how to find an instance's couple ----------------------------------------------


def couple_path(model: type[models.Model]) -> tuple[str, ...] | None:
    """Forward foreign-key names from ``model`` to ``Couple`` (shortest first), ``()`` for Couple itself."""
    couple = apps.get_model("accounts", "Couple")
    if model is couple:
        return ()
    frontier: list[tuple[type[models.Model], tuple[str, ...]]] = [(model, ())]
    for _ in range(MAX_DEPTH):
        following = []
        for current, path in frontier:
            for field in current._meta.concrete_fields:
                if not field.is_relation or (not field.many_to_one and not field.one_to_one):
                    continue
                target = field.related_model
                if target is couple:
                    return (*path, field.name)
                if target._meta.app_label in PROJECT_APPS and target is not current:
                    following.append((target, (*path, field.name)))
        frontier = following
    return None


def couple_owned_models() -> dict[type[models.Model], tuple[str, ...]]:
    """Every concrete model of the project's apps with a path to ``Couple``, and that path."""
    found = {}
    for app_label in PROJECT_APPS:
        for model in apps.get_app_config(app_label).get_models():
            if model._meta.abstract or model._meta.proxy:
                continue
            path = couple_path(model)
            if path is not None:
                found[model] = path
    return found


def _couple_id_of(instance: models.Model, path: tuple[str, ...]) -> int | None:
    """The id of the couple ``instance`` belongs to, following ``path`` (loaded objects first, else one query)."""
    if not path:
        return instance.pk
    obj = instance
    for index, name in enumerate(path):
        field = obj._meta.get_field(name)
        if index == len(path) - 1:
            return getattr(obj, field.attname)
        if field.is_cached(obj):
            obj = getattr(obj, name)
            if obj is None:
                return None
            continue
        pk = getattr(obj, field.attname)
        if pk is None:
            return None
        rest = "__".join(path[index + 1 :])
        return field.related_model._base_manager.filter(pk=pk).values_list(rest, flat=True).first()
    return None


def _on_couple_row(sender, instance, path, **kwargs) -> None:
    bump_couples([_couple_id_of(instance, path)], OWN_VERSION.get(sender._meta.label))


def _on_person_row(sender, instance, **kwargs) -> None:
    bump_for_users([instance.user_id])


def _on_content(sender, instance, **kwargs) -> None:
    bump_content()


_connected = False


def connect() -> None:
    """Hook the version bumps to every couple-owned, person-owned and content model (once)."""
    global _connected
    if _connected:
        return
    _connected = True
    for model, path in couple_owned_models().items():

        def receiver(sender, instance, _path=path, **kwargs):
            _on_couple_row(sender, instance, _path, **kwargs)

        uid = f"couple_cache_{model._meta.label_lower}"
        post_save.connect(receiver, sender=model, weak=False, dispatch_uid=uid + "_save")
        post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=uid + "_delete")
    for label in PERSON_OWNED:
        model = apps.get_model(label)
        uid = f"couple_cache_{model._meta.label_lower}"
        post_save.connect(_on_person_row, sender=model, weak=False, dispatch_uid=uid + "_save")
        post_delete.connect(_on_person_row, sender=model, weak=False, dispatch_uid=uid + "_delete")
    for label in CONTENT_MODELS:
        model = apps.get_model(label)
        uid = f"content_cache_{model._meta.label_lower}"
        post_save.connect(_on_content, sender=model, weak=False, dispatch_uid=uid + "_save")
        post_delete.connect(_on_content, sender=model, weak=False, dispatch_uid=uid + "_delete")
