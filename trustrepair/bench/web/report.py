"""What the benchmark reports: server time per kind of page, the per-page table, the targets and the summary line."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from .driver import WrkResult
from .mix import KINDS, LABELS, route_of
from .queries import Measured

TARGET_P95_MS = 100.0  # the mix's p95 latency at wrk's side, 16 connections
TARGET_RATIO = 0.35  # mix req/s over reference req/s, same sessions


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
        return f"{name:<20} {self.count:>7}  server p50 {self.p50_ms:6.1f} ms  p95 {self.p95_ms:6.1f} ms  ({codes})"


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


def page_table(stats: dict[str, RouteStats], queries: dict[str, Measured], issued: dict[str, int]) -> list[str]:
    """One line per kind of page: its share of the mix, its queries and in-process time, its server time."""
    total = sum(issued.values()) or 1
    lines = [
        f"  {'page':<22} {'share':>5} {'queries':>7} {'in-process':>10} {'requests':>8} {'server p50':>10} "
        f"{'p95':>8}  responses"
    ]
    for kind in KINDS:
        measured, route = queries.get(kind), stats.get(kind)
        if measured is None and route is None:
            continue
        share = f"{100 * issued.get(kind, 0) / total:.0f}%"
        q = f"{measured.queries}" if measured else "-"
        in_process = f"{measured.total_ms:.1f} ms" if measured else "-"
        if route is not None:
            codes = ", ".join(f"{code}×{n}" for code, n in sorted(route.statuses.items()))
            served = f"{route.count:>8} {route.p50_ms:>7.1f} ms {route.p95_ms:>5.1f} ms  {codes}"
        else:
            served = f"{0:>8} {'-':>10} {'-':>8}  (not in the mix)"
        lines.append(f"  {LABELS[kind]:<22} {share:>5} {q:>7} {in_process:>10} {served}")
    return lines


def slowest(stats: dict[str, RouteStats]) -> tuple[str, float]:
    """The kind of page with the highest server p95 under the mix, and that p95."""
    pages = [(route.p95_ms, kind) for kind, route in stats.items() if kind in KINDS]
    if not pages:
        return "none", 0.0
    p95, kind = max(pages)
    return kind, p95


def targets(errors: int, mix: WrkResult, ratio: float) -> tuple[str, bool]:
    p95 = mix.ms("p95_us")
    checks = [
        (f"errors {errors} (target 0)", errors == 0),
        (f"mix p95 {p95:.1f} ms (target < {TARGET_P95_MS:.0f} ms)", p95 < TARGET_P95_MS),
        (f"mix/reference {ratio:.2f} (target ≥ {TARGET_RATIO})", ratio >= TARGET_RATIO),
    ]
    text = "; ".join(f"{label} {'met' if ok else 'MISSED'}" for label, ok in checks)
    return f"targets on this machine: {text}", all(ok for _, ok in checks)


def summary_line(*, mix: WrkResult, errors: int, ratio: float, slowest_page: str, slowest_ms: float) -> str:
    return (
        f"web: mix {mix.rps:.0f} req/s, mix p95 {mix.ms('p95_us'):.1f} ms, errors {errors}, "
        f"mix/reference ratio {ratio:.2f}, slowest {slowest_page} {slowest_ms:.1f} ms"
    )
