"""Benchmark the web app under load, the way it runs in production.

    python manage.py bench_web --couples 10000 --seconds 60     (make bench)

1. Uses a dedicated PostgreSQL database (its name must contain "bench";
   created and migrated here) and seeds it once: ``--couples`` couples with
   ``--days`` days of activity and therapists with caseloads
   (``trustrepair/bench/web/seed.py``). A later run with the same size skips the
   seeding; ``--reseed`` drops the database and starts again.
2. Counts the SQL queries and the in-process time of each kind of page of the
   mix (``var/bench_web/queries.txt``; ``trustrepair/bench/web/queries.py``).
3. Serves the app with gunicorn in production mode (DEBUG off, a fresh secret
   key, secure cookies, CSP, PostgreSQL with CONN_MAX_AGE=60, Redis) on a free
   127.0.0.1 port, with signed-in sessions made for a sample of partners and
   therapists (the sessions of an earlier run are deleted, from the cache too),
   and checks that every kind of request answers as expected
   (``web/preflight.py``).
4. Drives the app with wrk (a second process, loopback only, bounded in time):
   a warm-up of the mix, then the mix (``--seconds`` in all), the 5-query
   reference view with the same partners' sessions and the reference view
   without a session (``--compare-seconds`` each) in alternating slices
   (``--rounds``), so that a change in the machine's background load cannot
   favour one side of the ratio. The mix (``web/mix.py``): dashboard, exercise
   page, exercise list, check-in post, progress, journey, questions log,
   agreements, therapist caseload and therapist couple view.
5. Prints, per kind of page, its share of the mix, its queries and in-process
   time, and its server p50/p95 under the mix (from gunicorn's access log).

The last line printed is the summary:
``web: mix R req/s, mix p95 P ms, errors E, mix/reference ratio Z, slowest PAGE S ms``.
R and P are the mix's throughput and p95 latency as wrk saw them; E counts
responses other than 2xx/3xx and socket errors over every run, plus any GET
answered with a redirect (a session that did not work); Z is mix req/s over
reference req/s, both sent with the same signed-in partners' sessions and
connections, so both pay the same middleware work (session, user, session
policy); PAGE is the kind of page with the highest server p95 under the mix and
S that p95. The session-less reference is printed on its own line before the
summary. The command exits 1 when a target (0 errors, mix p95 < 100 ms,
Z >= 0.35) is missed, unless ``--report-only``.
"""

from __future__ import annotations

import os
import string
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.crypto import get_random_string

from trustrepair.bench import database
from trustrepair.bench.web import mix as request_mix
from trustrepair.bench.web import queries as page_queries
from trustrepair.bench.web import report, seed
from trustrepair.bench.web.driver import WrkResult, run_wrk, wrk_path
from trustrepair.bench.web.preflight import preflight
from trustrepair.bench.web.server import HOST, Server, collectstatic, free_port, production_env
from trustrepair.bench.web.sessions import SessionFile, consented_couples, exercise_paths, write_session_file

LABELS = request_mix.LABELS


class Command(BaseCommand):
    help = "Seed a benchmark database, serve the app with gunicorn (production settings) and load it with wrk."

    def add_arguments(self, parser):
        parser.add_argument("--couples", type=int, default=10_000)
        parser.add_argument("--days", type=int, default=90, help="Days of check-ins and activity per couple.")
        parser.add_argument("--seconds", type=int, default=60, help="Seconds of the mix, in all slices.")
        parser.add_argument(
            "--compare-seconds",
            type=int,
            default=20,
            help="Seconds of reference-only load, with sessions and without (each, in all slices).",
        )
        parser.add_argument(
            "--rounds",
            type=int,
            default=4,
            help="Alternating slices the mix and the reference are split into (the machine's speed drifts "
            "within seconds: shorter slices cancel more of that drift).",
        )
        parser.add_argument("--warmup-seconds", type=int, default=5)
        parser.add_argument("--reseed", action="store_true", help="Drop the benchmark database and seed again.")
        parser.add_argument("--connections", type=int, default=16)
        parser.add_argument("--threads", type=int, default=2, help="wrk threads.")
        parser.add_argument("--timeout", type=int, default=5, help="wrk's per-request timeout, seconds.")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers.")
        parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
        parser.add_argument("--worker-threads", type=int, default=4, help="Threads per worker with gthread.")
        parser.add_argument("--partners", type=int, default=500, help="Signed-in partners the load rotates through.")
        parser.add_argument("--therapists", type=int, default=20, help="Signed-in therapists.")
        parser.add_argument("--port", type=int, default=0, help="Loopback port (default: a free one).")
        parser.add_argument("--profile", action="store_true", help="Also cProfile 200 dashboards in-process.")
        parser.add_argument("--report-only", action="store_true", help="Exit 0 even when a target is missed.")

    def say(self, text: str = "") -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def handle(self, *args, **options):
        self.options = options
        if options["couples"] < 10 or options["seconds"] < 1 or options["compare_seconds"] < 1:
            raise CommandError("Use at least 10 couples and runs of at least a second.")
        wrk_path()
        self.log_dir = Path(settings.VAR_DIR) / "bench_web"
        self.log_dir.mkdir(parents=True, exist_ok=True)

        self.prepare_database()
        weights, missing = request_mix.available_weights()
        for kind in missing:
            self.say(f"Note: no {LABELS[kind]} URL in this tree yet; the mix goes on without it.")
        paths = request_mix.fixed_paths()
        queries = self.count_queries(paths)

        secret_key = get_random_string(64, string.ascii_letters + string.digits + "!#%&()*+,-./:;<=>?@[]^_{|}~")
        port = options["port"] or free_port()
        env = production_env(secret_key=secret_key, port=port, var_dir=self.log_dir / "server")
        self.say("Collecting static files for production settings…")
        collectstatic(env, self.log_dir / "collectstatic.log")
        sessions = write_session_file(
            path=self.log_dir / "sessions.tsv",
            secret_key=secret_key,
            origin=f"http://{HOST}:{port}",
            partners=options["partners"],
            therapists=options["therapists"],
            weights=weights,
        )
        for kind in weights.keys() - sessions.weights.keys():
            self.say(f"Note: no therapist (or no consented couple) in the benchmark database; no {LABELS[kind]}.")
        self.say(
            f"Sessions: {len(sessions.partners)} partners, {len(sessions.therapists)} therapists "
            f"({sum(len(c) for _, _, c in sessions.therapists)} consented couples); "
            f"{sessions.forgotten} cached sessions of earlier runs forgotten."
        )
        server = Server(
            port=port,
            env=env,
            log_dir=self.log_dir,
            workers=options["workers"],
            worker_class=options["worker_class"],
            threads=options["worker_threads"],
        )
        self.say(f"Starting {server.describe()} (DJANGO_ENV=production, CONN_MAX_AGE=60)…")
        server.start()
        try:
            server.wait_ready()
            self.say(preflight(server, sessions, paths))
            results, phases = self.load(server, sessions)
        finally:
            server.stop()
        self.report(results, phases, queries)

    # --- 1. database ------------------------------------------------------------------------------

    def prepare_database(self) -> None:
        options = self.options
        name = database.check_dedicated()
        if database.ensure_exists(recreate=options["reseed"]):
            self.say(f"Created database {name}.")
        call_command("migrate", interactive=False, verbosity=0)
        couples, days = options["couples"], options["days"]
        if not options["reseed"] and seed.is_seeded(couples, days):
            self.say(f"Database {name} already holds the benchmark seed ({couples} couples, {days} days): not seeding.")
            return
        if not options["reseed"] and (database.marker() or self.has_people()):
            self.say(f"Database {name} holds another seed or a half-finished one: recreating it.")
            database.ensure_exists(recreate=True)
            call_command("migrate", interactive=False, verbosity=0)
        started = time.monotonic()
        self.say(f"Seeding {couples} couples with {days} days of activity…")
        counts = seed.seed(couples=couples, days=days, say=self.say)
        rows = sum(counts.values())
        big = ", ".join(f"{name} {n:,}" for name, n in sorted(counts.items(), key=lambda kv: -kv[1])[:6])
        self.say(f"Seeded {rows:,} rows in {time.monotonic() - started:.0f} s ({big}, …).")

    @staticmethod
    def has_people() -> bool:
        from accounts.models import User

        return User.objects.filter(email__endswith=f"@{seed.BENCH_DOMAIN}").exists()

    # --- 2. queries per request ---------------------------------------------------------------------

    def count_queries(self, paths: dict) -> dict[str, page_queries.Measured]:
        people = page_queries.sample_partners()
        exercise_path = None
        if "far along" in people:
            couple = people["far along"].memberships.filter(left_at__isnull=True).first().couple_id
            exercise_path = exercise_paths([couple]).get(couple)
        therapist_couple_path = None
        therapist = page_queries.first_therapist()
        if therapist is not None:
            couples = consented_couples([therapist.pk]).get(therapist.pk)
            if couples:
                therapist_couple_path = request_mix.optional_url("therapist:couple", couples[0])
        measured = page_queries.count_queries(
            paths=paths, exercise_path=exercise_path, therapist_couple_path=therapist_couple_path, log_dir=self.log_dir
        )
        self.say("Queries per request (in-process, through the middleware; SQL in var/bench_web/queries.txt):")
        for name, m in measured.items():
            self.say(
                f"  {LABELS.get(name, name):<26} {m.queries:>3} queries  {m.sql_ms:6.1f} ms SQL  "
                f"{m.total_ms:6.1f} ms in all  HTTP {m.status}"
            )
        if self.options["profile"] and "far along" in people:
            self.say("  " + page_queries.profile_dashboard(people["far along"], self.log_dir / "dashboard-profile.txt"))
        return measured

    # --- 3. the load ------------------------------------------------------------------------------------

    def load(self, server: Server, sessions: SessionFile) -> tuple[dict[str, WrkResult], dict[str, list[str]]]:
        """Warm-up, then the mix and the reference in alternating slices.

        Alternating (mix, reference, session-less reference, mix, …) keeps a change in the
        machine's background load from landing on one side of the ratio only.
        """
        options = self.options
        rounds = max(1, options["rounds"])
        mix_seconds = max(1, round(options["seconds"] / rounds))
        compare_seconds = max(1, round(options["compare_seconds"] / rounds))
        plan = [("warmup", "mix", options["warmup_seconds"])]
        for _ in range(rounds):
            plan += [("mix", "mix", mix_seconds)]
            plan += [(kind, kind, compare_seconds) for kind in request_mix.REFERENCE_KINDS]
        runs: dict[str, list[WrkResult]] = {}
        phases: dict[str, list[str]] = {}
        self.say(
            f"Machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} before the load "
            f"(other processes on the machine compete for the same cores). wrk: {options['connections']} "
            f"connections, {options['threads']} threads, 127.0.0.1 only."
        )
        for name, mode, seconds in plan:
            if seconds <= 0:
                continue
            start = server.access_log_size()
            result = run_wrk(
                name=f"{name}-{len(runs.get(name, [])) + 1}",
                url=server.url,
                sessions_file=sessions.path,
                mode=mode,
                seconds=seconds,
                connections=options["connections"],
                threads=options["threads"],
                timeout=options["timeout"],
                log_dir=self.log_dir,
            )
            time.sleep(0.2)  # let the workers write their last access-log lines
            runs.setdefault(name, []).append(result)
            phases.setdefault(name, []).extend(server.access_lines(start))
            self.say(f"  {name:<19} {seconds:>3} s: {result.line()} (load average {os.getloadavg()[0]:.2f})")
        results = {name: WrkResult.combine(name, parts) if len(parts) > 1 else parts[0] for name, parts in runs.items()}
        return results, phases

    # --- 4. the report --------------------------------------------------------------------------------------

    def report(self, results: dict[str, WrkResult], phases: dict, queries: dict) -> None:
        mix, reference = results["mix"], results["reference"]
        self.say()
        unexpected = 0
        stats: dict[str, report.RouteStats] = {}
        for name in phases:
            phase_stats, bad = report.access_stats(phases[name])
            unexpected += bad
            if name == "mix":
                stats = phase_stats
        self.say(
            f"Mix ({mix.slices} × {mix.seconds / mix.slices:.0f} s): {mix.rps:.1f} req/s, "
            f"p50 {mix.ms('p50_us'):.1f} ms, p95 {mix.ms('p95_us'):.1f} ms, p99 {mix.ms('p99_us'):.1f} ms "
            "(wrk's side). Per page: queries and time in-process, server time under the mix (access log):"
        )
        for line in report.page_table(stats, queries, mix.issued()):
            self.say(line)
        others = {kind: s for kind, s in stats.items() if kind not in request_mix.KINDS}
        for kind, route_stats in others.items():
            self.say(f"  also in the mix: {route_stats.line(kind)}")
        self.say(
            f"Reference only (5 × SELECT 1 with the same partners' sessions as the mix; "
            f"{reference.slices} × {reference.seconds / reference.slices:.0f} s): "
            f"{reference.rps:.1f} req/s, p50 {reference.ms('p50_us'):.1f} ms, "
            f"p95 {reference.ms('p95_us'):.1f} ms; {queries['reference'].queries} queries."
        )
        anonymous = results.get("reference_anonymous")
        if anonymous is not None:
            self.say(
                f"Reference only without a session (5 × SELECT 1, no cookie; "
                f"{anonymous.slices} × {anonymous.seconds / anonymous.slices:.0f} s): {anonymous.rps:.1f} req/s, "
                f"p50 {anonymous.ms('p50_us'):.1f} ms, p95 {anonymous.ms('p95_us'):.1f} ms; "
                f"mix/session-less reference ratio {mix.rps / anonymous.rps if anonymous.rps else 0:.2f}."
            )
        http_errors = sum(r.http_errors for r in results.values())
        socket_errors = sum(r.socket_errors for r in results.values())
        errors = http_errors + socket_errors + unexpected
        self.say(
            f"Errors over all runs: {http_errors} responses other than 2xx/3xx, {socket_errors} socket errors, "
            f"{unexpected} GETs answered with a redirect."
        )
        ratio = mix.rps / reference.rps if reference.rps else 0.0
        page, page_p95 = report.slowest(stats)
        text, met = report.targets(errors, mix, ratio)
        self.say(text)
        self.say(f"Logs: {self.log_dir}")
        self.say(report.summary_line(mix=mix, errors=errors, ratio=ratio, slowest_page=page, slowest_ms=page_p95))
        if not met and not self.options["report_only"]:
            sys.exit(1)
