"""Nothing lost when a worker is killed mid-batch or the broker restarts (slow: real worker processes).

Each test runs its own Redis on a free port (so restarting it disturbs nobody
else) and real ``celery worker`` processes against the test database, with
small batches and an SMTP sink slow enough that a kill lands mid-batch. The
test itself plays beat for the reconciler, with a threshold of a few seconds.
"""

import os
import time

import pytest
from celery import Celery
from django.db import connection
from django.db.models import Count

from exercises.models import Delivery
from tests.couple.conftest import pair
from tests.daily.conftest import due_now
from tests.factories import UserFactory
from trustrepair.bench.prompts.procs import Worker, redis_cli, redis_restart, redis_start
from trustrepair.bench.prompts.sink import CountingHandler, SinkStats, free_port, start_controller

Status = Delivery.Status
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
PEOPLE = 120
STALE_SECONDS = 3


@pytest.fixture
def private_redis(tmp_path):
    port = free_port()
    redis_start(port, data_dir=str(tmp_path), logfile=str(tmp_path / "redis.log"))
    try:
        yield port
    finally:
        redis_cli("127.0.0.1", port, "shutdown", "nosave")


@pytest.fixture
def slow_sink():
    stats, port = SinkStats(), free_port()
    controller = start_controller(CountingHandler(stats, delay=0.02), port)
    try:
        yield stats, port
    finally:
        controller.stop()


def database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def cluster(transactional_db, private_redis, slow_sink, tmp_path):
    """Start and kill real workers against the test database, the private broker and the slow sink."""
    stats, sink_port = slow_sink
    broker = f"redis://127.0.0.1:{private_redis}/0"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": broker,
        "EMAIL_URL": f"smtp://127.0.0.1:{sink_port}?timeout=10",
        "DAILY_PROMPT_BATCH_SIZE": "20",
        "DAILY_PROMPT_MARK_EVERY": "5",
        "DEBUG": "0",
    }
    # set_as_current=False: otherwise shared tasks in later tests would publish to this dead private broker.
    probe = Celery("probe", broker=broker, set_as_current=False)
    workers: list[Worker] = []

    class Cluster:
        sink = stats
        redis_port = private_redis
        redis_dir = tmp_path

        def start_worker(self) -> Worker:
            worker = Worker(f"test{len(workers) + 1}", env, tmp_path / f"worker{len(workers) + 1}.log").start()
            workers.append(worker)
            worker.wait_ready(probe)
            return worker

        def send(self, name: str, **kwargs) -> None:
            queue = "daily_control"
            for _ in range(50):
                try:
                    probe.send_task(name, kwargs=kwargs, queue=queue, retry=False)
                    return
                except Exception:  # noqa: BLE001 -- the broker may be coming back
                    time.sleep(0.1)
            raise AssertionError(f"could not send {name}")

        def run_until_delivered(self, expected: int, timeout: float = 60) -> None:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                done = Delivery.objects.filter(status=Status.SENT).count()
                if done == expected and self.sink.distinct >= expected:
                    return
                self.send("exercises.tasks.reconcile", stale_seconds=STALE_SECONDS)
                time.sleep(1)
            statuses = dict(Delivery.objects.order_by().values_list("status").annotate(n=Count("pk")))
            raise AssertionError(f"not all delivered: {statuses}, sink {self.sink.snapshot()}")

    try:
        yield Cluster()
    finally:
        for worker in workers:
            worker.kill()
        probe.close()


def people(n: int = PEOPLE) -> None:
    users = [UserFactory(verified=True, time_zone="Asia/Kolkata" if i % 2 else "America/Chicago") for i in range(n)]
    for first, second in zip(users[::2], users[1::2], strict=True):
        pair(first, second)
    for user in users:
        due_now(user)


def wait_for(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError("timed out")


def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_only_what_was_in_flight(cluster):
    people()
    worker = cluster.start_worker()
    cluster.send("exercises.tasks.tick")
    wait_for(lambda: cluster.sink.received >= 30)
    worker.kill()
    in_flight = dict(Delivery.objects.filter(status=Status.SENDING).values_list("message_id", "pk"))
    assert in_flight, "the kill should land mid-batch"
    assert len(in_flight) <= 2 * 5  # at most one step (DAILY_PROMPT_MARK_EVERY) per worker process
    before_restart = cluster.sink.received
    assert before_restart < PEOPLE

    cluster.start_worker()
    cluster.run_until_delivered(PEOPLE)
    time.sleep(1)

    final = cluster.sink.snapshot()
    assert Delivery.objects.filter(status=Status.SENT).count() == PEOPLE
    assert final["distinct"] == PEOPLE
    # Repeats only among the messages that were mid-send at the kill, each at most once more.
    assert set(final["repeated_ids"]) <= set(in_flight)
    assert final["duplicates"] <= len(in_flight)
    assert all(cluster.sink.by_id[message_id] <= 2 for message_id in in_flight)


def test_a_broker_restart_loses_nothing_and_repeats_nothing(cluster):
    people()
    cluster.start_worker()
    cluster.send("exercises.tasks.tick")
    wait_for(lambda: cluster.sink.received >= 30)
    redis_restart(
        "127.0.0.1", cluster.redis_port, data_dir=str(cluster.redis_dir), logfile=str(cluster.redis_dir / "redis.log")
    )
    assert cluster.sink.received < PEOPLE, "the restart should land mid-run"

    cluster.run_until_delivered(PEOPLE)
    time.sleep(1)
    final = cluster.sink.snapshot()
    assert Delivery.objects.filter(status=Status.SENT).count() == PEOPLE
    assert (final["distinct"], final["duplicates"]) == (PEOPLE, 0)
