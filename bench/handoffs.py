"""The handoff figures of ``make bench``: how many deliveries two worker processes make per second, and how long a
committed case change waits for its handoff to be delivered.

    python -m bench.handoffs [--count 5000] [--latency-count 1000] [--rate 100]   # prints the figures as JSON

It needs a broker and workers, which the rest of the benchmark does without, so it runs as a child process of its
own (:func:`measure` starts it): the child starts a Redis of its own on a spare loopback port (no persistence,
killed at the end; the machine's Redis is never used), points Django at it, and starts two Celery worker
processes on the ``handoffs`` queue, as deployed (``celery -A config``, ``--loglevel INFO``; each keeps its
database connection, ``CELERY_DB_REUSE_MAX``, config/celery.py).

- ``handoff_throughput``: ``count`` handoffs to the arbitration commission with their inbox deliveries are written
  in bulk and, as ``handoff_create`` does after each commit, one ``referrals.deliver_handoff`` message per handoff
  is published (``config.celery.enqueue``) before the workers start. ``per_s`` is ``count`` divided by the time
  from the first message a worker received (its log) to the last ``delivered_at``. A task fills its batch with
  other due inbox rows (``HANDOFF_BATCH_SIZE``), so most messages find their row delivered already;
  ``messages_per_s`` is how fast the workers got through all ``count`` messages (first received to last
  succeeded). For scale, ``baseline_trivial_per_s`` is the same two workers running as many trivial built-in
  tasks (``celery.accumulate``), timed from the workers' own log.
- ``handoff_latency``: ``latency_count`` handoffs made one at a time at ``rate`` per second by
  ``referrals.handoffs.handoff_create``, each in its own transaction (the case history row, the handoff, its
  delivery, published on commit), as a service that hands a case over does; the latency of each is its delivery's
  ``delivered_at`` minus the moment its transaction committed (taken by the first on-commit callback). Median,
  p95, p99 and max in milliseconds.

Every handoff is written to the database the bench runs on (a dedicated one for ``make bench``) and left there.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECEIVER = "wz-arb"  # the demo directory's arbitration commission: its staff get the inbox messages
WORKERS = 2
TRIVIAL_TASK = "celery.accumulate"
_LOGGED = re.compile(
    r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}): INFO/[^\]]*\] Task (\S+)\[.*\] (received|succeeded)"
)


class Unavailable(Exception):
    """The figures cannot be measured here (no redis-server); the message says why."""


# --- The parent side (bench.run, the smoke test) -------------------------------------------------------------
def measure(
    *, count: int, latency_count: int | None = None, rate: float = 100.0, timeout: float = 1800, log=print
) -> dict:
    """Run the measurement in a child process on the database Django is configured with (committed data only:
    the workers are other processes) and return ``{"handoff_throughput": {...}, "handoff_latency": {...}}``."""
    from django.conf import settings

    if not shutil.which("redis-server"):
        raise Unavailable("redis-server is not installed (apt-get install redis-server)")
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise Unavailable("needs PostgreSQL")
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        DJANGO_SETTINGS_MODULE=os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.local"),
        PYTHONUNBUFFERED="1",
    )
    args = [sys.executable, "-m", "bench.handoffs", "--count", str(count), "--rate", str(rate)]
    if latency_count is not None:
        args += ["--latency-count", str(latency_count)]
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)  # noqa: S603
    for line in result.stderr.splitlines():
        if line.startswith("bench: "):
            log("  " + line.removeprefix("bench: "))
    if result.returncode != 0:
        raise RuntimeError(f"bench.handoffs failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- The child: servers and workers ---------------------------------------------------------------------------
def _say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(predicate, *, timeout: float, interval: float = 0.2, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not done in {timeout:.0f} s")
        time.sleep(interval)


class _Redis:
    def __init__(self, directory: Path):
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        args = [
            shutil.which("redis-server") or "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(directory),
        ]
        args += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        self.process = subprocess.Popen(  # noqa: S603 (our own arguments)
            args, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True
        )

        def answers():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    return sock.recv(16).startswith(b"+PONG")
            except OSError:
                return False

        _wait(answers, timeout=15, what="redis-server")

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


class _Workers:
    """``WORKERS`` Celery workers on the ``handoffs`` queue, one process each (the solo pool), as deployed
    otherwise (config.celery's app and settings): INFO logging, acks late, prefetch 1, connections kept."""

    def __init__(self, directory: Path, env: dict, *, app: str = "config", name: str = "deployed"):
        self.env, self.app = env, app
        self.logs = [directory / f"worker-{name}-{n}.log" for n in range(WORKERS)]
        self.processes: list[subprocess.Popen] = []

    def start(self) -> None:
        for log in self.logs:
            args = [
                sys.executable,
                "-m",
                "celery",
                "-A",
                self.app,
                "worker",
                "-Q",
                "handoffs",
                "--pool",
                "solo",
            ]
            args += ["-n", f"bench-{uuid.uuid4().hex[:6]}@%h", "--without-gossip", "--without-mingle"]
            args += ["--without-heartbeat", "--loglevel", "INFO"]
            with log.open("w") as out:
                self.processes.append(
                    subprocess.Popen(  # noqa: S603 (our own arguments)
                        args,
                        cwd=ROOT,
                        env=self.env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )

    def wait_ready(self) -> None:
        def ready():
            for process, log in zip(self.processes, self.logs, strict=True):
                if process.poll() is not None:
                    raise RuntimeError(f"a worker exited:\n{log.read_text()[-3000:]}")
            return all("ready." in log.read_text() for log in self.logs)

        _wait(ready, timeout=120, what="workers")

    def succeeded(self, task: str) -> list[float]:
        """Wall-clock times at which the workers logged a success of ``task``."""
        return self.logged(task, "succeeded")

    def logged(self, task: str, event: str) -> list[float]:
        """Wall-clock times at which the workers logged ``event`` (received, succeeded) of ``task``."""
        times = []
        for log in self.logs:
            for line in log.read_text(errors="replace").splitlines():
                match = _LOGGED.match(line)
                if match and match.group(2) == task and match.group(3) == event:
                    times.append(datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp())
        return sorted(times)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


# --- The child: the measurements ------------------------------------------------------------------------------
def _percentile(sorted_values: list[float], fraction: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))]


def _receiver_and_cases(limit: int):
    from disputes import synthetic
    from disputes.models import Case

    receiver = synthetic.directory_ensure().orgs[RECEIVER]
    cases = list(Case.objects.order_by("-id")[:limit])
    if not cases:
        raise RuntimeError("no cases in the database: load some first (generate_cases)")
    return receiver, cases


def throughput(*, count: int, workers: _Workers, baseline: bool = True) -> dict:
    """Bulk-write ``count`` handoffs with inbox deliveries, publish one message per handoff as ``handoff_create``
    does, start the workers, time the deliveries."""
    from django.conf import settings
    from django.db import transaction
    from django.db.models import Max, Min
    from django.utils import timezone

    from config.celery import enqueue
    from referrals.handoffs import DELIVER_TASK, handoff_packet
    from referrals.models import Handoff, HandoffDelivery
    from referrals.states import DeliveryChannel, DeliveryStatus, HandoffKind

    receiver, cases = _receiver_and_cases(200)
    packets = {
        case.pk: json.dumps(
            handoff_packet(case=case, kind=HandoffKind.ARBITRATION),
            ensure_ascii=False,
            sort_keys=True,
            default=str,
        )
        for case in cases
    }
    run = uuid.uuid4().hex[:8]
    now = timezone.now()
    with transaction.atomic():
        handoffs = Handoff.objects.bulk_create(
            [
                Handoff(
                    case=cases[n % len(cases)],
                    kind=HandoffKind.ARBITRATION,
                    from_org_id=cases[n % len(cases)].station_id,
                    to_org=receiver,
                    packet_json=packets[cases[n % len(cases)].pk],
                    idempotency_key=f"bench:{run}:{n}",
                    created_at=now,
                )
                for n in range(count)
            ],
            batch_size=1000,
        )
        deliveries = HandoffDelivery.objects.bulk_create(
            [
                HandoffDelivery(
                    handoff=handoff,
                    channel=DeliveryChannel.INBOX,
                    idempotency_key=f"handoff:{handoff.pk}:{DeliveryChannel.INBOX}",
                )
                for handoff in handoffs
            ],
            batch_size=1000,
        )
    ids = [d.pk for d in deliveries]
    started = time.monotonic()
    for pk in ids:
        if not enqueue(DELIVER_TASK, delivery_ids=[pk]):
            raise RuntimeError("could not publish to the bench's Redis")
    published_per_s = count / (time.monotonic() - started)
    _say(f"{count:,} handoffs written and published ({published_per_s:,.0f}/s); starting {WORKERS} workers")

    rows = HandoffDelivery.objects.filter(pk__gte=min(ids), pk__lte=max(ids))
    workers.start()
    workers.wait_ready()
    _wait(
        lambda: rows.filter(status=DeliveryStatus.DELIVERED).count() == count,
        timeout=max(120.0, count / 20),
        interval=0.5,
        what="handoff deliveries",
    )
    span = rows.aggregate(first=Min("delivered_at"), last=Max("delivered_at"))
    # Every message is consumed too (most find their row taken by another task's batch): then the log is complete.
    _wait(
        lambda: len(workers.succeeded(DELIVER_TASK)) >= count,
        timeout=max(120.0, count / 20),
        interval=0.5,
        what="deliver_handoff messages",
    )
    received = workers.logged(DELIVER_TASK, "received")
    started_at = min(received[:1] + [span["first"].timestamp()])
    seconds = max(span["last"].timestamp() - started_at, 1e-6)
    messages_seconds = max(workers.succeeded(DELIVER_TASK)[-1] - started_at, 1e-6)
    figure = {
        "per_s": round(count / seconds),
        "deliveries": count,
        "seconds": round(seconds, 2),
        "messages_per_s": round(count / messages_seconds),
        "batch_size": settings.HANDOFF_BATCH_SIZE,
        "workers": f"{WORKERS} worker processes (celery -A config --pool solo), queue handoffs",
        "channel": "inbox",
        "published_per_s": round(published_per_s),
        "attempts": sorted(set(rows.values_list("attempts", flat=True))),
    }
    if baseline:
        figure["baseline_trivial_per_s"] = _trivial_baseline(count=count, workers=workers)
    return figure


def _trivial_baseline(*, count: int, workers: _Workers) -> int | None:
    """The same workers running ``count`` trivial built-in tasks: what Celery itself costs here."""
    from config.celery import app

    before = len(workers.succeeded(TRIVIAL_TASK))
    for n in range(count):
        app.send_task(TRIVIAL_TASK, args=(n,), queue="handoffs")
    _wait(
        lambda: len(workers.succeeded(TRIVIAL_TASK)) - before >= count,
        timeout=max(60.0, count / 50),
        interval=0.5,
        what="trivial tasks",
    )
    times = workers.succeeded(TRIVIAL_TASK)[before:]
    return round((len(times) - 1) / max(times[-1] - times[0], 1e-3)) if len(times) > 1 else None


def latency(*, count: int, rate: float) -> dict:
    """``count`` handoffs made one at a time at ``rate`` per second; commit → delivered, per handoff."""
    from django.db import transaction

    from referrals.handoffs import handoff_create
    from referrals.models import HandoffDelivery
    from referrals.states import DeliveryChannel, DeliveryStatus, HandoffKind

    receiver, cases = _receiver_and_cases(count)
    run = uuid.uuid4().hex[:8]
    committed: dict[int, float] = {}  # handoff id → when its transaction committed (time.time())
    stamps: dict[int, float] = {}
    started = time.monotonic()
    for n in range(count):
        pause = started + n / rate - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        with transaction.atomic():
            # Registered first, so it runs first after COMMIT: the moment the change is committed.
            transaction.on_commit(lambda n=n: stamps.__setitem__(n, time.time()))
            handoff = handoff_create(
                case=cases[n % len(cases)],
                kind=HandoffKind.ARBITRATION,
                to_org=receiver,
                note="bench",
                idempotency_key=f"bench-latency:{run}:{n}",
            )
        committed[handoff.pk] = stamps.pop(n)
    achieved = count / (time.monotonic() - started)
    rows = HandoffDelivery.objects.filter(handoff_id__in=list(committed), channel=DeliveryChannel.INBOX)
    _wait(
        lambda: rows.filter(status=DeliveryStatus.DELIVERED).count() == len(committed),
        timeout=120,
        interval=0.5,
        what="latency deliveries",
    )
    waits = sorted(
        (delivered_at.timestamp() - committed[handoff_id]) * 1000
        for handoff_id, delivered_at in rows.values_list("handoff_id", "delivered_at")
    )
    return {
        "median_ms": round(statistics.median(waits), 1),
        "p95_ms": round(_percentile(waits, 0.95), 1),
        "p99_ms": round(_percentile(waits, 0.99), 1),
        "max_ms": round(waits[-1], 1),
        "samples": len(waits),
        "rate_per_s": round(achieved, 1),
        "target_rate_per_s": rate,
        "function": "referrals.handoffs.handoff_create",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument(
        "--latency-count", type=int, default=None, help="default: a fifth of --count, at most 1,000"
    )
    parser.add_argument("--rate", type=float, default=100.0, help="handoffs made per second for the latency")
    args = parser.parse_args(argv)
    latency_count = (
        args.latency_count if args.latency_count is not None else min(1000, max(args.count // 5, 10))
    )

    directory = Path(tempfile.mkdtemp(prefix="onestop-bench-"))
    redis = _Redis(directory)
    running: list[_Workers] = []
    try:
        os.environ.update(REDIS_URL=redis.url, CELERY_TASK_ALWAYS_EAGER="0")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        # As deployed: config.celery's app and settings (workers keep their database connection).
        running.append(_Workers(directory, dict(os.environ)))
        load_before = os.getloadavg()[0]
        figures = {"handoff_throughput": throughput(count=args.count, workers=running[-1])}
        _say(
            f"throughput {figures['handoff_throughput']['per_s']:,}/s; "
            f"latency: {latency_count:,} handoffs at {args.rate:g}/s"
        )
        figures["handoff_latency"] = latency(count=latency_count, rate=args.rate)
        _say(
            f"latency median {figures['handoff_latency']['median_ms']} ms, "
            f"p99 {figures['handoff_latency']['p99_ms']} ms"
        )
        running.pop().stop()
        # Other work on the machine slows every figure here: the 1-minute load average before and after.
        figures["handoff_throughput"]["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
        figures["handoff_throughput"]["measured_at"] = (
            datetime.now().astimezone().isoformat(timespec="seconds")
        )
        figures["handoff_throughput"]["cpus"] = os.cpu_count()
    finally:
        for workers in running:
            workers.stop()
        redis.stop()
        shutil.rmtree(directory, ignore_errors=True)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
