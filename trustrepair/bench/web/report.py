"""What the benchmark reports: queries per request, server time per route, the targets and the summary line."""

from __future__ import annotations

import cProfile
import io
import pstats
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext, override_settings

from accounts.models import Couple, TherapistProfile, User
from exercises.models import Agreement

from .driver import WrkResult
from .seed import BENCH_DOMAIN

TARGET_P95_MS = 50.0
TARGET_RATIO = 0.8

ROUTES = (
    ("reference", re.compile(r"^/bench/reference/$")),
    ("dashboard", re.compile(r"^/couple/$")),
    ("exercises", re.compile(r"^/couple/exercises/$")),
    ("exercise", re.compile(r"^/couple/exercises/[^/]+/$")),
    ("checkin", re.compile(r"^/couple/checkin/$")),
    ("caseload", re.compile(r"^/therapist/$")),
    ("health", re.compile(r"^/healthz$")),
)


def route_of(path: str) -> str:
    return next((name for name, pattern in ROUTES if pattern.match(path)), "other")


def percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(pct / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


@dataclass
class RouteStats:
    count: int
    statuses: Counter
    p50_ms: float
    p95_ms: float

    def line(self, name: str) -> str:
        codes = ", ".join(f"{code}×{n}" for code, n in sorted(self.statuses.items()))
        return f"{name:<10} {self.count:>7}  server p50 {self.p50_ms:6.1f} ms  p95 {self.p95_ms:6.1f} ms  ({codes})"


def access_stats(lines: list[str]) -> tuple[dict[str, RouteStats], int]:
    """Per route: count, status codes and server time; and how many responses were unexpected redirects.

    A redirect answering a GET means the session did not work (a sign-in page);
    a check-in post must answer with its redirect and nothing else.
    """
    times: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, Counter] = defaultdict(Counter)
    unexpected = 0
    for line in lines:
        parts = line.split()
        if len(parts) != 4:
            continue
        method, path, status, micros = parts[0], parts[1], int(parts[2]), int(parts[3])
        route = route_of(path)
        times[route].append(micros / 1000)
        statuses[route][status] += 1
        if method == "GET" and 300 <= status < 400:
            unexpected += 1
    stats = {}
    for route, values in times.items():
        values.sort()
        stats[route] = RouteStats(len(values), statuses[route], percentile(values, 50), percentile(values, 95))
    return stats, unexpected


# --- queries per request, measured in this process through the whole middleware stack --------------


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


def count_queries(*, exercise_path: str | None, checkin_path: str | None, caseload_path: str | None,
                  log_dir: Path) -> dict[str, Measured]:  # fmt: skip
    from trustrepair.bench import views as bench_views

    measured: dict[str, Measured] = {}
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        for label, user in sample_partners().items():
            client = Client()
            client.force_login(user)
            measured[f"dashboard ({label})"] = _measure(client, "GET", "/couple/")
            if label == "far along":
                if exercise_path:
                    measured["exercise page"] = _measure(client, "GET", exercise_path)
                measured["exercise list"] = _measure(client, "GET", "/couple/exercises/")
                if checkin_path:
                    body = {"mood": "calm", "safety": 6, "trust": 5, "need": "", "share": "ratings"}
                    measured["check-in post"] = _measure(client, "POST", checkin_path, body)
        therapist = TherapistProfile.objects.filter(user__email__endswith=f"@{BENCH_DOMAIN}").order_by("pk").first()
        if caseload_path and therapist is not None:
            client = Client()
            client.force_login(therapist.user)
            measured["caseload"] = _measure(client, "GET", caseload_path)
    # The reference view is routed only in the server (BENCH_ENDPOINTS); call it directly here.
    request = RequestFactory().get("/bench/reference/")
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


# --- targets and the summary line ------------------------------------------------------------------


def targets(errors: int, dashboard: WrkResult, ratio: float) -> tuple[str, bool]:
    p95 = dashboard.ms("p95_us")
    checks = [
        (f"errors {errors} (target 0)", errors == 0),
        (f"dashboard p95 {p95:.1f} ms (target < {TARGET_P95_MS:.0f} ms)", p95 < TARGET_P95_MS),
        (f"dashboard/reference {ratio:.2f} (target ≥ {TARGET_RATIO})", ratio >= TARGET_RATIO),
    ]
    text = "; ".join(f"{label} {'met' if ok else 'MISSED'}" for label, ok in checks)
    return f"targets on this machine: {text}", all(ok for _, ok in checks)


def summary_line(*, mix: WrkResult, dashboard: WrkResult, errors: int, ratio: float) -> str:
    return (
        f"web: {mix.rps:.0f} req/s overall, dashboard p50 {dashboard.ms('p50_us'):.1f} ms, "
        f"p95 {dashboard.ms('p95_us'):.1f} ms, errors {errors}, dashboard/reference throughput ratio {ratio:.2f}"
    )
