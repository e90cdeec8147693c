"""wrk runs against the loopback server: one process per phase, bounded by its duration."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from django.core.management.base import CommandError

SCRIPT = Path(__file__).with_name("mix.lua")
SOCKET_ERRORS = ("connect", "read", "write", "timeout")


def wrk_path() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise CommandError("wrk is not installed: apt-get install -y wrk (make bench does it for you).")
    return path


PERCENTILES = (50, 75, 90, 95, 99)


@dataclass
class WrkResult:
    """One wrk run, or several runs of the same kind added up (``combine``)."""

    name: str
    values: dict[str, float] = field(default_factory=dict)
    quantiles: list[int] = field(default_factory=list)  # latency in µs at every 0.1%, from wrk
    output: str = ""
    slices: int = 1

    @classmethod
    def combine(cls, name: str, runs: list[WrkResult]) -> WrkResult:
        """Sum counts and durations; latency percentiles from the runs' merged quantiles.

        Each run's 1,000 quantiles stand for equal shares of its requests, so the
        merged percentiles are exact to 0.1% of each run (not averages of percentiles).
        """
        values: dict[str, float] = {}
        for run in runs:
            for key, value in run.values.items():
                values[key] = values.get(key, 0) + value
        points = sorted(
            (us, run.requests / len(run.quantiles)) for run in runs if run.quantiles for us in run.quantiles
        )
        total = sum(weight for _, weight in points)
        if total:
            for pct in PERCENTILES:
                seen = 0.0
                for us, weight in points:
                    seen += weight
                    if seen >= pct / 100 * total - 1e-9:
                        values[f"p{pct}_us"] = us
                        break
            values["mean_us"] = sum(run["mean_us"] * run.requests for run in runs) / max(
                1, sum(r.requests for r in runs)
            )
            values["max_us"] = max(run["max_us"] for run in runs)
        return cls(name=name, values=values, slices=len(runs))

    def __getitem__(self, key: str) -> float:
        return self.values.get(key, 0)

    @property
    def requests(self) -> int:
        return int(self["requests"])

    @property
    def seconds(self) -> float:
        return self["duration_us"] / 1e6

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def ms(self, key: str) -> float:
        return self[key] / 1000

    @property
    def http_errors(self) -> int:
        """Responses other than 2xx/3xx (wrk's own count)."""
        return int(self["status"])

    @property
    def socket_errors(self) -> int:
        return int(sum(self[key] for key in SOCKET_ERRORS))

    @property
    def errors(self) -> int:
        return self.http_errors + self.socket_errors

    def issued(self) -> dict[str, int]:
        return {
            key.removeprefix("issued_"): int(v) for key, v in self.values.items() if key.startswith("issued_") and v
        }

    def line(self) -> str:
        return (
            f"{self.requests} requests in {self.seconds:.1f} s = {self.rps:.1f} req/s; latency p50 {self.ms('p50_us'):.1f} ms, "
            f"p95 {self.ms('p95_us'):.1f} ms, p99 {self.ms('p99_us'):.1f} ms, max {self.ms('max_us'):.0f} ms; "
            f"2xx {int(self['status_2xx'])}, 3xx {int(self['status_3xx'])}, 4xx {int(self['status_4xx'])}, "
            f"5xx {int(self['status_5xx'])}, socket errors {self.socket_errors}"
        )


def run_wrk(
    *,
    name: str,
    url: str,
    sessions_file: Path,
    mode: str,
    seconds: int,
    connections: int,
    threads: int,
    timeout: int,
    log_dir: Path,
) -> WrkResult:
    if not url.startswith("http://127.0.0.1:"):
        raise CommandError(f"The benchmark only ever targets 127.0.0.1, not {url}.")
    command = [
        wrk_path(),
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={seconds}s",
        f"--timeout={timeout}s",
        "--latency",
        f"--script={SCRIPT}",
        url,
        "--",
        str(sessions_file),
        mode,
    ]
    try:
        done = subprocess.run(  # noqa: S603 -- wrk from PATH, our own arguments
            command, capture_output=True, text=True, timeout=seconds + timeout + 60, check=False
        )
    except subprocess.TimeoutExpired:
        raise CommandError(f"wrk ({name}) did not finish in time.") from None
    output = done.stdout + done.stderr
    (log_dir / f"wrk-{name}.txt").write_text(" ".join(command) + "\n\n" + output)
    result_line = next((line for line in output.splitlines() if line.startswith("BENCH_RESULT ")), None)
    if done.returncode != 0 or result_line is None:
        raise CommandError(f"wrk ({name}) failed (exit {done.returncode}):\n{output[-2000:]}")
    values = {}
    for pair in result_line.split()[1:]:
        key, _, value = pair.partition("=")
        values[key] = float(value)
    line = next((line for line in output.splitlines() if line.startswith("BENCH_QUANTILES ")), "")
    quantiles = [int(float(us)) for us in line.removeprefix("BENCH_QUANTILES ").split(",") if us]
    return WrkResult(name=name, values=values, quantiles=quantiles, output=output)
