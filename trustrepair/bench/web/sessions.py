"""Signed-in sessions for a sample of the benchmark's people, and the file that tells wrk how to use them.

Sessions are made here, not by logging in through the site, so the load
measures the pages and not the password hasher. They are signed with the
secret key the server will run with (``override_settings``), carry the same
keys a real log-in leaves (Django's auth keys and the session-policy clock of
``accounts.middleware``), and are stored in the server's session store (the
database).

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
from django.test.utils import override_settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.crypto import get_random_string

from accounts.middleware import AUTH_AT_KEY, PARTNER, ROLE_KEY, SEEN_AT_KEY, THERAPIST
from accounts.models import Membership, TherapistProfile, User
from exercises.models import Run
from exercises.models.choices import PAIRED_KINDS, Kind

from .seed import BENCH_DOMAIN

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
FALLBACK_EXERCISE = "naming-what-happened"


def optional_url(name: str) -> str | None:
    """The path of a URL another part of the app may or may not provide yet."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


@dataclass
class SessionFile:
    path: Path
    partners: list[tuple[int, str]]  # (user id, session key)
    therapists: list[tuple[int, str]]
    csrf_token: str
    weights: dict[str, int]  # the mix as written (caseload left out when there is no therapist)


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


def _exercise_paths(couple_ids: list[int]) -> dict[int, str]:
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


def write_session_file(
    *, path: Path, secret_key: str, origin: str, partners: int, therapists: int, weights: dict[str, int], seed: int = 7
) -> SessionFile:
    """Replace every stored session with fresh ones for a random sample, and write the file for mix.lua."""
    rng = random.Random(seed)  # noqa: S311 -- which people get sessions, not a secret
    Session.objects.all().delete()  # the benchmark's own database: only our earlier sessions live here
    members = list(
        Membership.objects.filter(left_at__isnull=True, user__email__endswith=f"@{BENCH_DOMAIN}")
        .order_by("pk")
        .values_list("user_id", "couple_id")
    )
    chosen = rng.sample(members, k=min(partners, len(members)))
    exercise_paths = _exercise_paths([couple_id for _, couple_id in chosen])
    fallback = reverse("exercises:detail", args=[FALLBACK_EXERCISE])
    users = User.objects.in_bulk([user_id for user_id, _ in chosen])
    therapist_ids = list(
        TherapistProfile.objects.filter(user__email__endswith=f"@{BENCH_DOMAIN}", verified_at__isnull=False)
        .order_by("pk")
        .values_list("user_id", flat=True)
    )
    therapist_users = User.objects.in_bulk(rng.sample(therapist_ids, k=min(therapists, len(therapist_ids))))
    if not therapist_users:
        weights = {kind: weight for kind, weight in weights.items() if kind != "caseload"}

    csrf_token = get_random_string(32)
    lines = [
        f"config\torigin\t{origin}",
        f"config\tcsrf_token\t{csrf_token}",
        f"config\tsession_cookie\t{settings.SESSION_COOKIE_NAME}",
        f"config\tcsrf_cookie\t{settings.CSRF_COOKIE_NAME}",
        f"config\tdashboard_path\t{reverse('couple:dashboard')}",
        f"config\texercises_path\t{reverse('exercises:index')}",
        f"config\treference_path\t{optional_url('bench:reference') or '/bench/reference/'}",
        f"config\tcheckin_path\t{optional_url('daily:checkin') or '-'}",
        f"config\tcaseload_path\t{optional_url('therapist:caseload') or '-'}",
    ]
    lines += [f"weight\t{kind}\t{weight}" for kind, weight in weights.items() if weight > 0]
    partner_sessions, therapist_sessions = [], []
    for user_id, couple_id in chosen:
        key = _store(secret_key, users[user_id], PARTNER)
        partner_sessions.append((user_id, key))
        lines.append(f"partner\t{key}\t{exercise_paths.get(couple_id, fallback)}")
    for user in therapist_users.values():
        key = _store(secret_key, user, THERAPIST)
        therapist_sessions.append((user.pk, key))
        lines.append(f"therapist\t{key}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return SessionFile(
        path=path, partners=partner_sessions, therapists=therapist_sessions, csrf_token=csrf_token, weights=weights
    )
