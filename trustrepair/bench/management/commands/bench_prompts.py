"""Benchmark the daily-prompt pipeline end to end, on the real path.

    python manage.py bench_prompts --users 100000 [--kill-worker 3] [--restart-redis]

Seeds N benchmark users (``@bench.trustrepair.example``, removed at the start
of every run) across 30+ time zones, all due now; starts an SMTP sink of its
own (a separate process counting every message by Message-ID, never
de-duplicating) and real ``celery worker`` processes whose mail goes to it;
then sends one ``tick`` through the broker and waits until every due prompt
has reached the sink. Meanwhile it acts as beat for the reconciler, every few
seconds with a short staleness threshold (``--stale-seconds``), so rows lost
to a killed worker or a restarted broker are picked up within the run rather
than after the production default of five minutes.

``--kill-worker K`` kills the worker's whole process tree with SIGKILL K times
(at even steps of progress) and starts a fresh one each time;
``--restart-redis`` shuts the broker down without saving (every queued message
is lost) and starts it again with the project's usual command.

The last line is: ``prompts: N due, N delivered, 0 duplicates, T s, R/s, worker peak RSS M MB``
(T from the tick to the last new message at the sink; RSS summed over the
worker's process tree, sampled from /proc).
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count, Max, Min

from exercises.models import Delivery
from trustrepair.bench import database
from trustrepair.bench.prompts import seed
from trustrepair.bench.prompts.procs import (
    Worker,
    cpu_seconds_of,
    machine_cpu,
    redis_restart,
    tree_cpu_seconds,
    tree_rss_bytes,
)
from trustrepair.bench.prompts.sink import SinkProcess

Status = Delivery.Status
MB = 1024 * 1024


class Command(BaseCommand):
    help = "Seed N due users, run tick → Redis → Celery workers → PostgreSQL → SMTP, and report throughput."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, required=True, help="How many benchmark users (all due now).")
        parser.add_argument("--kill-worker", type=int, default=0, help="Kill -9 the worker this many times mid-run.")
        parser.add_argument(
            "--restart-redis", action="store_true", help="Restart the broker (losing its data) mid-run."
        )
        parser.add_argument("--concurrency", type=int, default=2, help="Worker processes (prefork). Default 2.")
        parser.add_argument("--batch-size", type=int, default=settings.DAILY_PROMPT_BATCH_SIZE)
        parser.add_argument("--stale-seconds", type=float, default=15.0, help="Reconciler threshold during the run.")
        parser.add_argument("--reconcile-every", type=float, default=5.0, help="Seconds between reconciler runs.")
        parser.add_argument("--timeout", type=float, default=900.0, help="Give up after this many seconds.")
        parser.add_argument(
            "--clean-after",
            action="store_true",
            help="Also remove the benchmark users at the end (the next run removes them anyway; ~1 min per 100k).",
        )

    def handle(self, *args, **options):
        if not settings.REDIS_URL:
            raise CommandError("The benchmark needs Redis as the broker: set REDIS_URL.")
        if options["users"] < 1:
            raise CommandError("--users must be at least 1.")
        from trustrepair.celery import app

        self.app = app
        self.options = options
        self.log_dir = Path(settings.VAR_DIR) / "bench"
        self.log_dir.mkdir(parents=True, exist_ok=True)

        if "bench" in connection.settings_dict["NAME"]:
            # A dedicated benchmark database (make bench-prompts): create and migrate it on a fresh machine.
            if database.ensure_exists():
                self.say(f"Created database {connection.settings_dict['NAME']}.")
            call_command("migrate", interactive=False, verbosity=0)
        started = time.monotonic()
        removed = seed.clear()
        zones = seed.seed(options["users"])
        seed.refresh_statistics()
        # Bench users were created in one go: their ids span a range, which indexes well (an email LIKE does not).
        span = seed.bench_users().aggregate(first=Min("pk"), last=Max("pk"))
        self.first_user_id, self.last_user_id = span["first"], span["last"]
        self.say(
            f"Seeded {options['users']} users in {len(zones)} time zones ({removed} old ones removed) in {time.monotonic() - started:.1f} s."
        )
        self.purge()

        sink = SinkProcess().start()
        self.env = {
            **os.environ,
            "EMAIL_URL": f"smtp://127.0.0.1:{sink.port}?timeout=20",
            "DEBUG": "0",
            "DAILY_PROMPT_BATCH_SIZE": str(options["batch_size"]),
            "PYTHONUNBUFFERED": "1",
        }
        self.workers_started = 0
        self.worker = self.new_worker()
        try:
            self.worker.wait_ready(app)
            result = self.run(sink)
        finally:
            self.worker.stop()
            final = sink.stop()
            if options["clean_after"]:
                seed.clear()
        self.report(result, final)

    # --- pieces ------------------------------------------------------------------------

    def say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def new_worker(self) -> Worker:
        self.workers_started += 1
        name = f"bench{self.workers_started}"
        return Worker(name, self.env, self.log_dir / f"{name}.log", self.options["concurrency"]).start()

    def purge(self) -> None:
        with self.app.connection_for_write() as conn:
            for queue in ("daily_send", "daily_control"):
                # A queue that does not exist yet has nothing to purge.
                with contextlib.suppress(Exception):
                    conn.default_channel.queue_purge(queue)

    def bench_deliveries(self):
        return Delivery.objects.filter(user_id__gte=self.first_user_id, user_id__lte=self.last_user_id)

    def send(self, task_name: str, **kwargs) -> None:
        try:
            self.app.send_task(task_name, kwargs=kwargs, retry=False)
        except Exception as exc:  # noqa: BLE001 -- the broker may be down on purpose
            self.say(f"  (could not send {task_name}: {type(exc).__name__})")

    def run(self, sink: SinkProcess) -> dict:
        options = self.options
        expected = options["users"]
        kills_left = options["kill_worker"]
        kill_marks = [expected * (i + 1) / (kills_left + 1) for i in range(kills_left)]
        restart_mark = expected * 0.4 if options["restart_redis"] else None
        in_flight_at_kills = 0
        peak_rss = 0
        due = 0
        last_new = None
        last_distinct = 0
        next_reconcile = time.monotonic() + options["reconcile_every"]
        next_db_check = next_rss = 0.0
        stable_due = False

        t0 = time.monotonic()
        cpu0 = machine_cpu()
        services0 = cpu_seconds_of("postgres"), cpu_seconds_of("redis-server")
        self.app.send_task("exercises.tasks.tick")
        while True:
            now = time.monotonic()
            if now >= next_rss:
                next_rss = now + 0.25
                peak_rss = max(peak_rss, tree_rss_bytes(self.worker.pid))
            distinct = sink.distinct
            if distinct > last_distinct:
                last_distinct, last_new = distinct, now
            if kill_marks and distinct >= kill_marks[0]:
                kill_marks.pop(0)
                self.worker.kill()
                sending = self.bench_deliveries().filter(status=Status.SENDING).count()
                in_flight_at_kills += sending
                self.say(
                    f"  t={now - t0:5.1f}s killed worker at {distinct} delivered ({sending} rows were mid-send); restarting"
                )
                self.worker = self.new_worker()
            if restart_mark is not None and distinct >= restart_mark:
                restart_mark = None
                self.restart_redis(t0)
            if now >= next_reconcile:
                next_reconcile = now + options["reconcile_every"]
                self.send("exercises.tasks.reconcile", stale_seconds=options["stale_seconds"])
            if now >= next_db_check:
                # Cheap checks only: how many were claimed (until the tick is done), and the end.
                next_db_check = now + 1.0
                if not stable_due:
                    claimed = self.bench_deliveries().count()
                    stable_due, due = bool(claimed) and claimed == due, claimed
                if stable_due and distinct >= due:
                    unfinished = self.bench_deliveries().filter(status__in=[Status.QUEUED, Status.SENDING]).count()
                    if not unfinished:
                        break
            if now - t0 > options["timeout"]:
                self.say(f"  timed out after {options['timeout']:.0f} s")
                break
            time.sleep(0.1)
        # A moment for anything still on the wire to land (and be counted, if it is a repeat).
        time.sleep(1.0)
        busy, total = (b - a for a, b in zip(cpu0, machine_cpu(), strict=True))
        redis_used = cpu_seconds_of("redis-server") - services0[1]
        redis_cpu = f"{redis_used:.1f}" if redis_used >= 0 else "n/a (restarted)"
        self.say(
            f"machine CPU busy {100 * busy / total:.0f}% during the run; CPU seconds: last worker tree {tree_cpu_seconds(self.worker.pid):.1f}, "
            f"sink {tree_cpu_seconds(sink.process.pid):.1f}, this command {time.process_time():.1f}, "
            f"postgres {cpu_seconds_of('postgres') - services0[0]:.1f}, redis {redis_cpu}"
        )
        peak_rss = max(peak_rss, tree_rss_bytes(self.worker.pid))
        statuses = dict(self.bench_deliveries().order_by().values_list("status").annotate(n=Count("pk")))
        return {
            "due": due,
            "elapsed": (last_new or time.monotonic()) - t0,
            "peak_rss": peak_rss,
            "in_flight_at_kills": in_flight_at_kills,
            "statuses": statuses,
        }

    def restart_redis(self, t0: float) -> None:
        parts = urlsplit(settings.REDIS_URL)
        host, port = parts.hostname or "127.0.0.1", parts.port or 6379
        self.say(f"  t={time.monotonic() - t0:5.1f}s restarting Redis on {host}:{port} (shutdown nosave)")
        redis_restart(host, port)
        self.say(f"  t={time.monotonic() - t0:5.1f}s Redis is back (every queued message was lost)")

    def report(self, result: dict, final: dict) -> None:
        due, elapsed = result["due"], result["elapsed"]
        delivered, duplicates = final["distinct"], final["duplicates"]
        self.say(
            f"sink: {final['received']} messages received, {delivered} distinct Message-IDs, "
            f"{final['without_id']} without one; deliveries by status: {result['statuses']}; "
            f"workers started: {self.workers_started}"
        )
        if self.options["kill_worker"]:
            self.say(f"rows mid-send at the kills (the most that may repeat): {result['in_flight_at_kills']}")
        rate = delivered / elapsed if elapsed > 0 else 0.0
        self.say(
            f"prompts: {due} due, {delivered} delivered, {duplicates} duplicates, {elapsed:.1f} s, "
            f"{rate:.0f}/s, worker peak RSS {result['peak_rss'] / MB:.0f} MB"
        )
