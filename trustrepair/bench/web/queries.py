"""Queries and time of each page, measured in this process through the whole middleware stack.

Development settings (the command's own process), the benchmark database: the
number of SQL statements is what production runs too; the times are only a
guide (the server's own times under load are in the access log).
"""

from __future__ import annotations

import cProfile
import io
import pstats
import time
from dataclasses import dataclass
from pathlib import Path

from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext, override_settings

from accounts.models import Couple, TherapistProfile, User
from exercises.models import Agreement

from .mix import REFERENCE_FALLBACK
from .seed import BENCH_DOMAIN

# The far-along partner's pages asked for with GET (besides their exercise page).
PARTNER_GETS = ("dashboard", "exercises", "progress", "journey", "questions", "agreements")


@dataclass
class Measured:
    queries: int
    sql_ms: float
    total_ms: float
    status: int
    statements: list[str]


class _SQLTimer:
    """An execute wrapper: time spent in the database driver, to the microsecond (Django logs milliseconds)."""

    def __init__(self):
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


def _timed(call) -> tuple[object, Measured]:
    timer = _SQLTimer()
    with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timer):
        started = time.perf_counter()
        result = call()
        total = (time.perf_counter() - started) * 1000
    statements = [q["sql"] for q in captured.captured_queries]
    return result, Measured(len(statements), timer.seconds * 1000, total, getattr(result, "status_code", 0), statements)


def _measure(client: Client, method: str, path: str, data: dict | None = None) -> Measured:
    call = client.post if method == "POST" else client.get
    call(path, data or {})  # warm: templates compiled, connection open
    return _timed(lambda: call(path, data or {}))[1]


def sample_partners() -> dict[str, User]:
    """A partner of a couple far along (Attach: the most rows) and of a couple that just paired."""
    bench = Couple.objects.filter(memberships__user__email__endswith=f"@{BENCH_DOMAIN}").distinct()
    far = bench.filter(pk__in=Agreement.objects.values("couple_id")).order_by("pk").first()
    new = bench.exclude(onboarding_responses__isnull=False).order_by("pk").first()
    people = {}
    for label, couple in (("far along", far), ("just paired", new)):
        if couple is not None:
            people[label] = couple.memberships.order_by("slot").first().user
    return people


def count_queries(*, paths: dict[str, str | None], exercise_path: str | None, therapist_couple_path: str | None,
                  log_dir: Path) -> dict[str, Measured]:  # fmt: skip
    """Each kind of page once (after a first, warming request), keyed by kind; also the just-paired
    dashboard and the reference view. Writes every statement to ``log_dir/queries.txt``."""
    from trustrepair.bench import views as bench_views

    measured: dict[str, Measured] = {}
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        for label, user in sample_partners().items():
            client = Client()
            client.force_login(user)
            if label != "far along":
                measured[f"dashboard ({label})"] = _measure(client, "GET", paths["dashboard"])
                continue
            gets = {kind: paths.get(kind) for kind in PARTNER_GETS} | {"exercise": exercise_path}
            for kind, path in gets.items():
                if path:
                    measured[kind] = _measure(client, "GET", path)
            if paths.get("checkin"):
                body = {"mood": "calm", "safety": 6, "trust": 5, "need": "", "share": "ratings"}
                measured["checkin"] = _measure(client, "POST", paths["checkin"], body)
        therapist = first_therapist()
        if therapist is not None:
            client = Client()
            client.force_login(therapist)
            if paths.get("caseload"):
                measured["caseload"] = _measure(client, "GET", paths["caseload"])
            if therapist_couple_path:
                measured["therapist_couple"] = _measure(client, "GET", therapist_couple_path)
    # The reference view is routed only in the server (BENCH_ENDPOINTS); call it directly here.
    request = RequestFactory().get(REFERENCE_FALLBACK)
    bench_views.reference(request)
    measured["reference"] = _timed(lambda: bench_views.reference(request))[1]
    with (log_dir / "queries.txt").open("w") as out:
        for name, m in measured.items():
            out.write(
                f"## {name}: {m.queries} queries, {m.sql_ms:.1f} ms SQL, {m.total_ms:.1f} ms total, HTTP {m.status}\n"
            )
            out.writelines(f"{sql}\n" for sql in m.statements)
            out.write("\n")
    return measured


def profile_dashboard(user: User, path: Path, requests: int = 200) -> str:
    """cProfile ``requests`` dashboard renders in this process; writes the top functions and returns the top lines."""
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        client = Client()
        client.force_login(user)
        client.get("/couple/")
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for _ in range(requests):
            client.get("/couple/")
        profiler.disable()
        elapsed = (time.perf_counter() - started) / requests * 1000
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text).sort_stats("cumulative")
    stats.print_stats(45)
    text.write("\n--- by own time ---\n")
    stats.sort_stats("tottime").print_stats(30)
    path.write_text(
        f"{requests} dashboard requests, {elapsed:.1f} ms each (in-process, development settings)\n\n" + text.getvalue()
    )
    return f"{elapsed:.1f} ms per dashboard in-process under cProfile; top functions in {path}"


def first_therapist() -> User | None:
    """The verified benchmark therapist the in-process measurement uses."""
    profile = (
        TherapistProfile.objects.filter(user__email__endswith=f"@{BENCH_DOMAIN}", verified_at__isnull=False)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return profile.user if profile else None
