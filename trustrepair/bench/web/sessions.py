"""Signed-in sessions for a sample of the benchmark's people, and the file that tells wrk how to use them.

Sessions are made here, not by logging in through the site, so the load
measures the pages and not the password hasher. They are signed with the
secret key the server will run with (``override_settings``), carry the same
keys a real log-in leaves (Django's auth keys and the session-policy clock of
``accounts.middleware``), and are stored in the server's session store (the
database, read through the cache: ``cached_db``). Each run replaces the
sessions of the run before, in the database and in the cache.

Therapists' sessions come with the couples of their caseload that both
partners consented to, for the therapist's couple view.

CSRF: the server runs in production mode, so its CSRF cookie is ``Secure`` and
a browser would not send it over plain http. wrk sends whatever ``Cookie``
header it is given, so each check-in post carries a ``csrftoken`` cookie we
chose, the same token in ``X-CSRFToken``, and an ``Origin`` equal to the
server's own (which is also its ``CSRF_TRUSTED_ORIGINS``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.models import Session
from django.db.models import Prefetch
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string

from accounts.middleware import AUTH_AT_KEY, PARTNER, ROLE_KEY, SEEN_AT_KEY, THERAPIST
from accounts.models import Consent, Membership, TherapistLink, TherapistProfile, User
from accounts.therapists.access import link_scopes
from exercises.models import Run
from exercises.models.choices import PAIRED_KINDS, Kind

from . import mix
from .seed import BENCH_DOMAIN

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
FALLBACK_EXERCISE = "naming-what-happened"


@dataclass
class SessionFile:
    path: Path
    partners: list[tuple[int, str, str]]  # (user id, session key, path of an exercise page of their couple)
    therapists: list[tuple[int, str, list[str]]]  # (user id, session key, paths of their consented couples)
    csrf_token: str
    weights: dict[str, int]  # the mix as written (therapist kinds left out when there is no therapist)
    forgotten: int  # cached sessions of an earlier run deleted from the cache


def _store(secret_key: str, user: User, role: str) -> str:
    engine = import_module(settings.SESSION_ENGINE)
    now = timezone.now().timestamp()
    with override_settings(SECRET_KEY=secret_key):
        session = engine.SessionStore()
        session[SESSION_KEY] = user._meta.pk.value_to_string(user)
        session[BACKEND_SESSION_KEY] = MODEL_BACKEND
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[ROLE_KEY] = role
        session[AUTH_AT_KEY] = now
        session[SEEN_AT_KEY] = now
        session.create()
        return session.session_key


def forget_cached_sessions() -> int:
    """Delete the cached copies of earlier runs' sessions (``cached_db``) from Redis; returns how many.

    Their database rows are deleted with them, so the cache holds no session the database does not.
    Only those keys go: the rest of the cache (rate limits and the like) is left alone.
    """
    from django.contrib.sessions.backends.cached_db import KEY_PREFIX
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    backend = caches["default"]  # the backend itself: ``django.core.cache.cache`` is a proxy
    if not isinstance(backend, RedisCache):
        return 0
    client = backend._cache.get_client(write=True)
    keys = list(client.scan_iter(match=backend.make_key(f"{KEY_PREFIX}*"), count=1000))
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start : start + 1000])
    return len(keys)


def exercise_paths(couple_ids: list[int]) -> dict[int, str]:
    """A step-by-step exercise each couple has a run of (revealed ones first)."""
    paired = [kind for kind in PAIRED_KINDS if kind != Kind.AFTERMATH]
    runs = (
        Run.objects.filter(couple_id__in=couple_ids, incident__isnull=True, exercise__kind__in=paired)
        .order_by("couple_id", "revealed_at")
        .values_list("couple_id", "exercise__slug")
    )
    paths: dict[int, str] = {}
    for couple_id, slug in runs:
        paths.setdefault(couple_id, reverse("exercises:detail", args=[slug]))
    return paths


def consented_couples(therapist_ids: list[int]) -> dict[int, list[int]]:
    """Per therapist, the couples they may see now: an open link and both current partners' consent.

    The same rule as ``accounts.scoping.therapist_couple_or_404`` (``link_scopes``), so every
    couple view the load asks for answers 200.
    """
    links = (
        TherapistLink.objects.filter(
            therapist_id__in=therapist_ids, ended_at__isnull=True, couple__ended_at__isnull=True
        )
        .select_related("couple")
        .prefetch_related(
            Prefetch(
                "couple__memberships", queryset=Membership.objects.filter(left_at__isnull=True).select_related("user")
            ),
            Prefetch("consents", queryset=Consent.objects.filter(revoked_at__isnull=True)),
        )
        .order_by("therapist_id", "couple_id")
    )
    couples: dict[int, list[int]] = {}
    for link in links:
        if link_scopes(link) is not None:
            couples.setdefault(link.therapist_id, []).append(link.couple_id)
    return couples


def write_session_file(
    *, path: Path, secret_key: str, origin: str, partners: int, therapists: int, weights: dict[str, int], seed: int = 7
) -> SessionFile:
    """Replace every stored session with fresh ones for a random sample, and write the file for mix.lua."""
    rng = random.Random(seed)  # noqa: S311 -- which people get sessions, not a secret
    Session.objects.all().delete()  # the benchmark's own database: only our earlier sessions live here
    forgotten = forget_cached_sessions()
    members = list(
        Membership.objects.filter(left_at__isnull=True, user__email__endswith=f"@{BENCH_DOMAIN}")
        .order_by("pk")
        .values_list("user_id", "couple_id")
    )
    chosen = rng.sample(members, k=min(partners, len(members)))
    exercises = exercise_paths([couple_id for _, couple_id in chosen])
    fallback = reverse("exercises:detail", args=[FALLBACK_EXERCISE])
    users = User.objects.in_bulk([user_id for user_id, _ in chosen])
    therapist_ids = list(
        TherapistProfile.objects.filter(user__email__endswith=f"@{BENCH_DOMAIN}", verified_at__isnull=False)
        .order_by("pk")
        .values_list("user_id", flat=True)
    )
    therapist_users = User.objects.in_bulk(rng.sample(therapist_ids, k=min(therapists, len(therapist_ids))))
    caseloads = consented_couples(list(therapist_users))
    if not therapist_users:
        weights = {kind: weight for kind, weight in weights.items() if kind not in mix.THERAPIST_KINDS}
    elif not caseloads:
        weights = {kind: weight for kind, weight in weights.items() if kind != "therapist_couple"}

    csrf_token = get_random_string(32)
    lines = [
        f"config\torigin\t{origin}",
        f"config\tcsrf_token\t{csrf_token}",
        f"config\tsession_cookie\t{settings.SESSION_COOKIE_NAME}",
        f"config\tcsrf_cookie\t{settings.CSRF_COOKIE_NAME}",
        f"config\treference_path\t{mix.reference_path()}",
    ]
    lines += [f"config\tpath_{kind}\t{url}" for kind, url in mix.fixed_paths().items() if url]
    lines += [f"weight\t{kind}\t{weight}" for kind, weight in weights.items() if weight > 0]
    partner_sessions, therapist_sessions = [], []
    for user_id, couple_id in chosen:
        key = _store(secret_key, users[user_id], PARTNER)
        exercise = exercises.get(couple_id, fallback)
        partner_sessions.append((user_id, key, exercise))
        lines.append(f"partner\t{key}\t{exercise}")
    for user in therapist_users.values():
        key = _store(secret_key, user, THERAPIST)
        couple_paths = [reverse("therapist:couple", args=[couple_id]) for couple_id in caseloads.get(user.pk, [])]
        therapist_sessions.append((user.pk, key, couple_paths))
        lines.append(f"therapist\t{key}\t{','.join(couple_paths) or '-'}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return SessionFile(
        path=path,
        partners=partner_sessions,
        therapists=therapist_sessions,
        csrf_token=csrf_token,
        weights=weights,
        forgotten=forgotten,
    )
