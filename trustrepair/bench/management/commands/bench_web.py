"""Benchmark the web app under load, the way it runs in production.

    python manage.py bench_web --couples 10000 --seconds 60     (make bench)

1. Uses a dedicated PostgreSQL database (its name must contain "bench";
   created and migrated here) and seeds it once: ``--couples`` couples with
   ``--days`` days of activity and therapists with caseloads
   (``trustrepair/bench/web/seed.py``). A later run with the same size skips the
   seeding; ``--reseed`` drops the database and starts again.
2. Counts the SQL queries of each page in this process (``var/bench_web/queries.txt``).
3. Serves the app with gunicorn in production mode (DEBUG off, a fresh secret
   key, secure cookies, CSP, PostgreSQL with CONN_MAX_AGE=60, Redis) on a free
   127.0.0.1 port, with signed-in sessions made for a sample of people.
4. Requests every signed-in partner's dashboard once (the cache starts cold;
   see ``prime_dashboards``), then drives the app with wrk (a second process,
   loopback only, bounded in time): a warm-up, the mix (dashboard, exercise
   pages, check-in posts, therapist caseloads) for ``--seconds``, then the
   dashboard alone, the 5-query reference view alone with the same partners'
   sessions, and the reference view without a session (``--compare-seconds``
   each, same connections and threads), in alternating slices (``--rounds``) so
   that a change in the machine's background load cannot favour one side of the
   ratio.

The last line printed is the summary:
``web: R req/s overall, dashboard p50 X ms, p95 Y ms, errors E, dashboard/reference throughput ratio Z``.
R is from the mix; X and Y from the dashboard-only run; E counts responses
other than 2xx/3xx and socket errors over every run, plus any GET answered with
a redirect (a session that did not work); Z is dashboard-only req/s over
reference-only req/s, both sent with the same signed-in partners' sessions, so
both go through the same middleware work (session, user, session policy) and Z
compares the dashboard's own work with five trivial queries. The session-less
reference is printed on its own line before the summary (with the ratio to it),
so nothing is hidden. The command exits 1 when a target (0 errors, p95 < 50 ms,
Z >= 0.8) is missed, unless ``--report-only``.
"""

from __future__ import annotations

import http.client
import os
import string
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.crypto import get_random_string

from trustrepair.bench import database
from trustrepair.bench.web import report, seed
from trustrepair.bench.web.driver import WrkResult, run_wrk, wrk_path
from trustrepair.bench.web.server import HOST, Server, collectstatic, free_port, production_env
from trustrepair.bench.web.sessions import SessionFile, optional_url, write_session_file

# Share of each kind of request in the mix, in percent (kinds without a URL yet are left out).
MIX = {"dashboard": 40, "exercise": 20, "exercises": 10, "checkin": 20, "caseload": 10}
LABELS = {
    "dashboard": "dashboard",
    "exercise": "exercise page",
    "exercises": "exercise list",
    "checkin": "check-in post",
    "caseload": "therapist caseload",
}


def forget_cached_pages() -> int:
    """Delete the couple caches (``accounts.couple_cache``) and cached sessions left by an earlier run.

    Every run then starts as a freshly started server would, and two runs in a row measure the same
    thing. Only those keys go: the rest of the cache (rate limits and the like) is left alone.
    """
    from django.contrib.sessions.backends.cached_db import KEY_PREFIX
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    from accounts import couple_cache

    backend = caches["default"]  # the backend itself: ``django.core.cache.cache`` is a proxy
    if not isinstance(backend, RedisCache):
        return 0
    client = backend._cache.get_client(write=True)
    patterns = [backend.make_key(f"{couple_cache.KEY_ROOT}*"), backend.make_key(f"{KEY_PREFIX}*")]
    keys = [key for pattern in patterns for key in client.scan_iter(match=pattern, count=1000)]
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start : start + 1000])
    return len(keys)


class Command(BaseCommand):
    help = "Seed a benchmark database, serve the app with gunicorn (production settings) and load it with wrk."

    def add_arguments(self, parser):
        parser.add_argument("--couples", type=int, default=10_000)
        parser.add_argument("--days", type=int, default=90, help="Days of check-ins and activity per couple.")
        parser.add_argument("--seconds", type=int, default=60, help="Length of the mix run.")
        parser.add_argument(
            "--compare-seconds", type=int, default=20, help="Seconds of dashboard-only and of reference-only load."
        )
        parser.add_argument(
            "--rounds",
            type=int,
            default=4,
            help="Alternating slices the comparison is split into (the machine's speed drifts within seconds: "
            "shorter slices cancel more of that drift).",
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
        paths = {
            "checkin": optional_url("daily:checkin"),
            "caseload": optional_url("therapist:caseload"),
        }
        weights = dict(MIX)
        for kind, url in paths.items():
            if url is None:
                weights.pop(kind)
                self.say(f"Note: no {LABELS[kind]} URL in this tree yet; the mix goes on without it.")

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
        if "caseload" in weights and "caseload" not in sessions.weights:
            self.say("Note: no therapists in the benchmark database; the mix goes on without caseload views.")
        weights = sessions.weights
        server = Server(
            port=port,
            env=env,
            log_dir=self.log_dir,
            workers=options["workers"],
            worker_class=options["worker_class"],
            threads=options["worker_threads"],
        )
        forgotten = forget_cached_pages()
        self.say(f"Cache: {forgotten} cached page values and sessions of earlier runs forgotten; this run starts cold.")
        self.say(f"Starting {server.describe()} (DJANGO_ENV=production, CONN_MAX_AGE=60)…")
        server.start()
        try:
            server.wait_ready()
            self.preflight(server, sessions, paths)
            primed_errors = self.prime_dashboards(server, sessions)
            results, phases = self.load(server, sessions)
        finally:
            server.stop()
        self.report(results, phases, queries, weights, primed_errors)

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

    def count_queries(self, paths: dict) -> dict[str, report.Measured]:
        from trustrepair.bench.web.sessions import _exercise_paths

        people = report.sample_partners()
        exercise_path = None
        if "far along" in people:
            couple = people["far along"].memberships.filter(left_at__isnull=True).first().couple_id
            exercise_path = _exercise_paths([couple]).get(couple)
        measured = report.count_queries(
            exercise_path=exercise_path,
            checkin_path=paths["checkin"],
            caseload_path=paths["caseload"],
            log_dir=self.log_dir,
        )
        self.say("Queries per request (in-process, through the middleware; SQL in var/bench_web/queries.txt):")
        for name, m in measured.items():
            self.say(
                f"  {name:<26} {m.queries:>3} queries  {m.sql_ms:6.1f} ms SQL  {m.total_ms:6.1f} ms in all  HTTP {m.status}"
            )
        if self.options["profile"] and "far along" in people:
            self.say("  " + report.profile_dashboard(people["far along"], self.log_dir / "dashboard-profile.txt"))
        return measured

    # --- 3. before the load: every kind of request works ----------------------------------------------

    def preflight(self, server: Server, sessions: SessionFile, paths: dict) -> None:
        """One request of each kind with the prepared sessions, checked for status, content and effect.

        A session that did not work would show as a redirect to the sign-in page and a
        CSRF problem as a 403, so the load that follows measures the real pages.
        """
        from exercises.models import CheckIn

        lines = sessions.path.read_text().splitlines()
        partner = next(line.split("\t") for line in lines if line.startswith("partner\t"))
        partner_id = sessions.partners[0][0]
        partner_cookie = f"{settings.SESSION_COOKIE_NAME}={partner[1]}"
        checks = [
            ("dashboard", "GET", "/couple/", {"Cookie": partner_cookie}, None, 200, b"Waiting for you"),
            ("exercise page", "GET", partner[2], {"Cookie": partner_cookie}, None, 200, None),
            ("exercise list", "GET", "/couple/exercises/", {"Cookie": partner_cookie}, None, 200, None),
            ("reference", "GET", "/bench/reference/", {"Cookie": partner_cookie}, None, 200, b"ok"),
            ("reference without a session", "GET", "/bench/reference/", {}, None, 200, b"ok"),
        ]
        if paths["checkin"]:
            headers = {
                "Cookie": f"{partner_cookie}; {settings.CSRF_COOKIE_NAME}={sessions.csrf_token}",
                "X-CSRFToken": sessions.csrf_token,
                "Origin": server.url,
                "Referer": server.url + paths["checkin"],
                "Content-Type": "application/x-www-form-urlencoded",
            }
            body = "mood=calm&safety=6&trust=5&need=&share=ratings&therapist_visible=on"
            checks.append(("check-in post", "POST", paths["checkin"], headers, body, 302, paths["checkin"]))
        if paths["caseload"] and sessions.therapists:
            cookie = f"{settings.SESSION_COOKIE_NAME}={sessions.therapists[0][1]}"
            checks.append(("caseload", "GET", paths["caseload"], {"Cookie": cookie}, None, 200, b"<table"))
        started = timezone.now()
        for label, method, path, headers, body, expected, marker in checks:
            conn = http.client.HTTPConnection(HOST, server.port, timeout=30)
            try:
                conn.request(method, path, body=body, headers=headers)
                reply = conn.getresponse()
                content = reply.read()
            finally:
                conn.close()
            location = reply.getheader("Location") or ""
            if expected in (301, 302, 303):
                ok = reply.status == expected and location == marker
            else:
                ok = reply.status == expected and (marker is None or marker in content)
            if not ok:
                where = location or content[:300].decode("utf-8", "replace")
                raise CommandError(
                    f"Pre-flight: {label} ({method} {path}) answered {reply.status}, expected {expected}: {where}\n"
                    f"Server log: {server.error_log}"
                )
        if paths["checkin"] and not CheckIn.objects.filter(user_id=partner_id, updated_at__gte=started).exists():
            raise CommandError("Pre-flight: the check-in post answered as expected but saved no check-in.")
        self.say(f"Pre-flight: {len(checks)} kinds of request answer as expected with the prepared sessions.")

    def prime_dashboards(self, server: Server, sessions: SessionFile) -> int:
        """Every partner's dashboard once, before any load; returns how many did not answer 200.

        The cache starts cold, and a timed warm-up reaches every partner only on a fast machine
        (500 partners, and a slow machine serves a few hundred dashboards in the warm-up and the
        mix). A page no one asked for before would otherwise be rendered for the first time
        inside the comparison, and how many are depends on the machine's speed, not on the app.
        What the mix changes (check-ins, notifications) is still rendered again in the comparison.
        """
        cookies = [
            f"{settings.SESSION_COOKIE_NAME}={key}; {settings.CSRF_COOKIE_NAME}={sessions.csrf_token}"
            for _, key in sessions.partners
        ]

        def visit(share: list[str]) -> int:
            conn = http.client.HTTPConnection(HOST, server.port, timeout=30)
            failed = 0
            try:
                for cookie in share:
                    conn.request("GET", "/couple/", headers={"Cookie": cookie})
                    reply = conn.getresponse()
                    reply.read()
                    failed += reply.status != 200
            finally:
                conn.close()
            return failed

        started = time.monotonic()
        lanes = self.options["workers"] * 2  # every worker busy, as under the load
        with ThreadPoolExecutor(max_workers=lanes) as pool:
            failed = sum(pool.map(visit, [cookies[lane::lanes] for lane in range(lanes)]))
        self.say(
            f"Primed: each of the {len(cookies)} partners' dashboards requested once in "
            f"{time.monotonic() - started:.1f} s ({failed} not answered 200), so no page is rendered "
            "for the first time during the comparison."
        )
        return failed

    # --- 4. the load ------------------------------------------------------------------------------------

    def load(self, server: Server, sessions: SessionFile) -> tuple[dict[str, WrkResult], dict[str, list[str]]]:
        """Warm-up, the mix, then the dashboard and the reference in alternating slices.

        Alternating (dashboard, reference, dashboard, reference, …) keeps a change in the
        machine's background load from landing on one side of the ratio only.
        """
        options = self.options
        rounds = max(1, options["rounds"])
        slice_seconds = max(1, round(options["compare_seconds"] / rounds))
        plan = [("warmup", "mix", options["warmup_seconds"]), ("mix", "mix", options["seconds"])]
        kinds = ("dashboard", "reference", "reference_anonymous")
        plan += [(kind, kind, slice_seconds) for _ in range(rounds) for kind in kinds]
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
            self.say(f"  {name:<9} {seconds:>3} s: {result.line()} (load average {os.getloadavg()[0]:.2f})")
        results = {name: WrkResult.combine(name, parts) if len(parts) > 1 else parts[0] for name, parts in runs.items()}
        return results, phases

    # --- 5. the report --------------------------------------------------------------------------------------

    def report(
        self, results: dict[str, WrkResult], phases: dict, queries: dict, weights: dict, primed_errors: int
    ) -> None:
        mix, dashboard, reference = results["mix"], results["dashboard"], results["reference"]
        self.say()
        issued = mix.issued()
        total = sum(issued.values()) or 1
        share = ", ".join(f"{LABELS.get(kind, kind)} {100 * n / total:.0f}%" for kind, n in issued.items())
        self.say(f"Mix ({share}), server time per route from the access log:")
        unexpected = 0
        for name in ("warmup", "mix", "dashboard", "reference", "reference_anonymous"):
            stats, bad = report.access_stats(phases.get(name, []))
            unexpected += bad
            if name == "mix":
                for route, route_stats in sorted(stats.items(), key=lambda kv: -kv[1].count):
                    self.say(f"  {route_stats.line(route)}")
        self.say(
            f"Dashboard only ({dashboard.slices} × {dashboard.seconds / dashboard.slices:.0f} s): "
            f"{dashboard.rps:.1f} req/s, p50 {dashboard.ms('p50_us'):.1f} ms, "
            f"p95 {dashboard.ms('p95_us'):.1f} ms, p99 {dashboard.ms('p99_us'):.1f} ms."
        )
        self.say(
            f"Reference only (5 × SELECT 1 with the same partners' sessions as the dashboard; "
            f"{reference.slices} × {reference.seconds / reference.slices:.0f} s): "
            f"{reference.rps:.1f} req/s, p50 {reference.ms('p50_us'):.1f} ms, "
            f"p95 {reference.ms('p95_us'):.1f} ms."
        )
        anonymous = results.get("reference_anonymous")
        if anonymous is not None:
            self.say(
                f"Reference only without a session (5 × SELECT 1, no cookie; "
                f"{anonymous.slices} × {anonymous.seconds / anonymous.slices:.0f} s): {anonymous.rps:.1f} req/s, "
                f"p50 {anonymous.ms('p50_us'):.1f} ms, p95 {anonymous.ms('p95_us'):.1f} ms; "
                f"dashboard/session-less reference ratio {dashboard.rps / anonymous.rps if anonymous.rps else 0:.2f}."
            )
        dash_q = queries.get("dashboard (far along)") or next(
            (m for name, m in queries.items() if name.startswith("dashboard")), None
        )
        if dash_q is not None:
            self.say(f"Queries: dashboard {dash_q.queries}, reference {queries['reference'].queries}.")
        http_errors = sum(r.http_errors for r in results.values())
        socket_errors = sum(r.socket_errors for r in results.values())
        errors = http_errors + socket_errors + unexpected + primed_errors
        self.say(
            f"Errors over all runs: {http_errors} responses other than 2xx/3xx, {socket_errors} socket errors, "
            f"{unexpected} GETs answered with a redirect, {primed_errors} primed dashboards not answered 200."
        )
        ratio = dashboard.rps / reference.rps if reference.rps else 0.0
        text, met = report.targets(errors, dashboard, ratio)
        self.say(text)
        self.say(f"Logs: {self.log_dir}")
        self.say(report.summary_line(mix=mix, dashboard=dashboard, errors=errors, ratio=ratio))
        if not met and not self.options["report_only"]:
            sys.exit(1)
