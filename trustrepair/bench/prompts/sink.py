"""An SMTP sink that counts what it receives by Message-ID, honestly: every DATA is counted, nothing is de-duplicated.

``SinkStats`` keeps the tally; ``CountingHandler`` feeds it (and can be told
to answer some recipients with a temporary or permanent refusal, for tests);
``run_in_thread`` starts a sink in this process (tests), ``SinkProcess`` in a
process of its own (the benchmark, so its CPU is not the command's).

Nothing here imports Django: the sink process starts fast and stays small.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import re
import socket
import threading
from collections import Counter
from dataclasses import dataclass, field

MESSAGE_ID = re.compile(rb"^message-id:\s*(<[^>\s]+>)", re.IGNORECASE | re.MULTILINE)


def message_id_of(content: bytes) -> str:
    head = content.split(b"\r\n\r\n", 1)[0]
    match = MESSAGE_ID.search(head)
    return match.group(1).decode("ascii", "replace") if match else ""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class SinkStats:
    received: int = 0
    by_id: Counter = field(default_factory=Counter)
    recipients: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, message_id: str, recipients: list[str]) -> None:
        with self.lock:
            self.received += 1
            self.by_id[message_id] += 1
            for address in recipients:
                self.recipients[address] += 1

    @property
    def distinct(self) -> int:
        return len(self.by_id)

    @property
    def duplicates(self) -> int:
        return self.received - self.distinct

    def snapshot(self) -> dict:
        with self.lock:
            return {
                "received": self.received,
                "distinct": len(self.by_id),
                "duplicates": self.received - len(self.by_id),
                "repeated_ids": sorted(mid for mid, count in self.by_id.items() if count > 1),
                "without_id": self.by_id.get("", 0),
            }


@dataclass
class Refusal:
    """Answer ``code text`` to ``address`` at ``stage`` ("rcpt" or "data") for the first ``times`` tries (0: always)."""

    address: str
    code: int
    text: str
    stage: str = "rcpt"
    times: int = 0
    seen: int = 0

    def applies(self) -> bool:
        self.seen += 1
        return self.times == 0 or self.seen <= self.times


class CountingHandler:
    def __init__(self, stats: SinkStats, refusals: list[Refusal] | None = None, on_message=None, delay: float = 0.0):
        self.stats = stats
        self.refusals = {r.address.lower(): r for r in refusals or []}
        self.on_message = on_message
        self.delay = delay  # seconds per message: a slow server, so a batch is still going when a test kills it

    def _refusal(self, address: str, stage: str) -> str | None:
        rule = self.refusals.get(address.lower())
        if rule is not None and rule.stage == stage and rule.applies():
            return f"{rule.code} {rule.text}"
        return None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        answer = self._refusal(address, "rcpt")
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        for address in envelope.rcpt_tos:
            answer = self._refusal(address, "data")
            if answer:
                return answer
        self.stats.record(message_id_of(envelope.original_content or envelope.content), list(envelope.rcpt_tos))
        if self.on_message is not None:
            self.on_message()
        return "250 OK"


PLAIN_ADDRESS = re.compile(r"\s*<([A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+)>(.*)", re.DOTALL)


def lean_server_class():
    """aiosmtpd's server with a fast path for plain ``<local@domain>`` addresses in MAIL and RCPT.

    aiosmtpd parses every address with the email package's full RFC 5322
    parser, which is two thirds of its CPU per message here; this sink shares
    two cores with the workers it measures. Anything but a plain address still
    goes through aiosmtpd's own parser. Counting is unaffected.
    """
    from aiosmtpd.smtp import SMTP

    class LeanSMTP(SMTP):
        def _getaddr(self, arg):
            match = PLAIN_ADDRESS.match(arg) if arg else None
            if match:
                return match.group(1), match.group(2)
            return super()._getaddr(arg)

    return LeanSMTP


def start_controller(handler, port: int, *, fast_loop: bool = False):
    """An aiosmtpd server on 127.0.0.1:``port`` in a thread; with ``fast_loop`` on uvloop (if installed) and lean."""
    from aiosmtpd.controller import Controller

    server_class = lean_server_class() if fast_loop else None

    class SinkController(Controller):
        def factory(self):
            return server_class(self.handler, **self.SMTP_kwargs) if server_class else super().factory()

    loop = None
    if fast_loop:
        try:
            import uvloop

            loop = uvloop.new_event_loop()
        except ImportError:
            loop = None
    controller = SinkController(handler, hostname="127.0.0.1", port=port, ready_timeout=10, loop=loop)
    controller.start()
    return controller


def run_in_thread(refusals: list[Refusal] | None = None, port: int | None = None):
    """(controller, stats, port) of a sink running in this process; ``controller.stop()`` ends it."""
    stats = SinkStats()
    port = port or free_port()
    controller = start_controller(CountingHandler(stats, refusals), port)
    return controller, stats, port


# --- In a process of its own (the benchmark) ------------------------------------------


def _serve(port: int, conn, received, distinct) -> None:
    stats = SinkStats()

    def publish():
        received.value = stats.received
        distinct.value = len(stats.by_id)

    controller = start_controller(CountingHandler(stats, on_message=publish), port, fast_loop=True)
    conn.send("ready")
    try:
        while True:
            command = conn.recv()
            if command == "stats":
                conn.send(stats.snapshot())
            elif command == "stop":
                conn.send(stats.snapshot())
                break
    finally:
        controller.stop()


class SinkProcess:
    """A sink in a child process; ``received``/``distinct`` are live counters, ``stop()`` returns the final tally."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        context = multiprocessing.get_context("spawn")
        self._received = context.Value("q", 0, lock=False)
        self._distinct = context.Value("q", 0, lock=False)
        self._conn, child = context.Pipe()
        self.process = context.Process(
            target=_serve, args=(self.port, child, self._received, self._distinct), daemon=True, name="smtp-sink"
        )

    def start(self, timeout: float = 20) -> SinkProcess:
        self.process.start()
        if not self._conn.poll(timeout) or self._conn.recv() != "ready":
            raise RuntimeError("The SMTP sink did not start.")
        return self

    @property
    def received(self) -> int:
        return self._received.value

    @property
    def distinct(self) -> int:
        return self._distinct.value

    def stats(self) -> dict:
        self._conn.send("stats")
        return self._conn.recv()

    def stop(self) -> dict:
        self._conn.send("stop")
        final = self._conn.recv()
        self.process.join(10)
        return final
