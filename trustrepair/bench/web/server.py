"""The app under test: gunicorn with production settings on a loopback port, in its own process group."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

HOST = "127.0.0.1"  # the only address the benchmark ever talks to
ACCESS_LOG_FORMAT = "%(m)s %(U)s %(s)s %(D)s"  # method, path, status, microseconds


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def production_env(*, secret_key: str, port: int, var_dir: Path) -> dict[str, str]:
    """The environment of a production deployment, on plain http at 127.0.0.1:port."""
    origin = f"http://{HOST}:{port}"
    env = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}}
    return env | {
        "DJANGO_ENV": "production",
        "SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": HOST,
        "SITE_URL": origin,
        "CSRF_TRUSTED_ORIGINS": origin,
        # No TLS terminator in front of the benchmark; everything else (secure cookies, HSTS, CSP) stays on.
        "SECURE_SSL_REDIRECT": "0",
        "CONN_MAX_AGE": "60",
        "BENCH_ENDPOINTS": "1",
        "VAR_DIR": str(var_dir),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


def collectstatic(env: dict[str, str], log: Path) -> None:
    """Production serves hashed static files from a manifest; build it in the benchmark's own VAR_DIR."""
    with log.open("ab") as out:
        done = subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=300,
            check=False,
        )
    if done.returncode != 0:
        raise CommandError(f"collectstatic failed with production settings; see {log}")


@dataclass
class Server:
    port: int
    env: dict[str, str]
    log_dir: Path
    workers: int = 2
    worker_class: str = "sync"
    threads: int = 1
    process: subprocess.Popen | None = field(default=None, repr=False)
    _stderr: object = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def access_log(self) -> Path:
        return self.log_dir / "access.log"

    @property
    def error_log(self) -> Path:
        return self.log_dir / "gunicorn.log"

    def describe(self) -> str:
        threads = f" × {self.threads} threads" if self.worker_class == "gthread" else ""
        return f"gunicorn {self.workers} {self.worker_class} workers{threads} on {self.url}"

    def start(self) -> Server:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for path in (self.access_log, self.error_log):
            path.write_text("")
        command = [
            sys.executable, "-m", "gunicorn", "trustrepair.wsgi:application",
            "--bind", f"{HOST}:{self.port}",
            "--workers", str(self.workers),
            "--worker-class", self.worker_class,
            "--timeout", "30",
            "--graceful-timeout", "5",
            # gunicorn's heartbeat files: on a RAM disk, as its docs advise, so a slow disk cannot stall workers.
            "--worker-tmp-dir", "/dev/shm" if Path("/dev/shm").is_dir() else str(self.log_dir),  # noqa: S108
            "--access-logfile", str(self.access_log),
            "--access-logformat", ACCESS_LOG_FORMAT,
            "--error-logfile", str(self.error_log),
            "--log-level", "warning",
        ]  # fmt: skip
        if self.worker_class == "gthread":
            command += ["--threads", str(self.threads)]
        self._stderr = self.error_log.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 -- our own interpreter and arguments
            command,
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
            start_new_session=True,  # its own process group: stop() ends the master and its workers together
        )
        return self

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise CommandError(f"gunicorn exited with {self.process.returncode}; see {self.error_log}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as reply:  # noqa: S310 -- loopback
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.3)
        raise CommandError(f"gunicorn did not answer /healthz within {timeout:.0f} s; see {self.error_log}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            pgid = self.process.pid  # the group we created with start_new_session
            os.killpg(pgid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(pgid, signal.SIGKILL)
                self.process.wait(timeout=5)
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def access_log_size(self) -> int:
        return self.access_log.stat().st_size if self.access_log.exists() else 0

    def access_lines(self, start: int, end: int | None = None) -> list[str]:
        """Access-log lines written between two sizes of the file (one phase of the run)."""
        with self.access_log.open("rb") as log:
            log.seek(start)
            data = log.read() if end is None else log.read(end - start)
        return data.decode("utf-8", "replace").splitlines()
