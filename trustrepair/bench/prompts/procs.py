"""Real Celery worker processes for the benchmark and the slow tests: start, kill -9, measure memory from /proc."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

QUEUES = "daily_send,daily_control,celery"


def worker_command(name: str, concurrency: int = 2) -> list[str]:
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "trustrepair",
        "worker",
        "--pool",
        "prefork",
        "--concurrency",
        str(concurrency),
        "-n",
        f"{name}@%h",
        "-Q",
        QUEUES,
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel",
        "WARNING",
    ]


class Worker:
    """One ``celery worker`` process tree, in its own session so it can be killed whole."""

    def __init__(self, name: str, env: dict, log_path: Path, concurrency: int = 2):
        self.name = name
        self.env = env
        self.log_path = log_path
        self.concurrency = concurrency
        self.process: subprocess.Popen | None = None

    def start(self) -> Worker:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 -- our own interpreter and arguments
            worker_command(self.name, self.concurrency),
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return self

    @property
    def pid(self) -> int:
        return self.process.pid if self.process else 0

    def wait_ready(self, app, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        hostname = f"{self.name}@{os.uname().nodename}"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Worker {self.name} exited early; see {self.log_path}")
            try:
                if app.control.ping(destination=[hostname], timeout=0.5):
                    return
            except Exception:  # noqa: BLE001,S110 -- the broker may be restarting; keep asking
                pass
            time.sleep(0.2)
        raise RuntimeError(f"Worker {self.name} was not ready within {timeout:.0f} s; see {self.log_path}")

    def kill(self) -> None:
        """SIGKILL the whole tree at once, like a machine losing power: no warm shutdown, no acks."""
        if self.process and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self, timeout: float = 30) -> None:
        if not self.process or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        # The command name may contain spaces and parentheses: fields start after the last ")".
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def tree_rss_bytes(pid: int) -> int:
    """Resident memory of ``pid`` and all its descendants (VmRSS summed; shared pages count in each process)."""
    if not pid:
        return 0
    tree = _children()
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
                    break
        except OSError:
            continue
        todo.extend(tree.get(current, []))
    return total


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU time used so far by ``pid`` and its living descendants."""
    if not pid:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    tree = _children()
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
        todo.extend(tree.get(current, []))
    return total / ticks


def machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine since boot, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return float(sum(fields) - idle), float(sum(fields))


# --- Redis, for the broker-restart runs ----------------------------------------------------


def redis_cli(host: str, port: int, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 -- fixed program, our own arguments
        [shutil.which("redis-cli") or "/usr/bin/redis-cli", "-h", host, "-p", str(port), *args],
        capture_output=True,
        check=False,
    )


def redis_up(host: str, port: int) -> bool:
    return redis_cli(host, port, "ping").stdout.strip() == b"PONG"


def redis_start(port: int, *, data_dir: str = "/var/lib/redis", logfile: str = "/var/log/redis/ci.log") -> None:
    """Start redis-server the way the project's docs (STACK.md) and .ci/services do, on ``port``."""
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    Path(logfile).parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # noqa: S603 -- fixed program, our own arguments
        [
            shutil.which("redis-server") or "/usr/bin/redis-server",
            "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", str(port),
            "--save", "", "--appendonly", "no", "--dir", data_dir, "--logfile", logfile,
        ],
        check=True,
    )  # fmt: skip
    for _ in range(100):
        if redis_up("127.0.0.1", port):
            return
        time.sleep(0.05)
    raise RuntimeError(f"redis-server did not answer on port {port}")


def redis_restart(host: str, port: int, **start) -> None:
    """Shut Redis down without saving (everything queued is lost), then start it again."""
    redis_cli(host, port, "shutdown", "nosave")
    for _ in range(100):
        if not redis_up(host, port):
            break
        time.sleep(0.05)
    redis_start(port, **start)


def cpu_seconds_of(command: str) -> float:
    """CPU time used so far by every process whose command name is ``command`` (e.g. "postgres")."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        if name == command:
            fields = stat.rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / ticks
