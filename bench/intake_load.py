"""``intake_post`` for ``make bench`` (issue 8): claims per second through ``POST /api/v1/intake/`` under gunicorn,
against a bare DRF create endpoint on the same model, and the p99 latency at half our saturation load.

- gunicorn, two sync workers (two beat four on two cores), ``bench.settings`` (the local settings plus the
  bench-only URLconf :mod:`bench.baseline_urls` with the baseline), on the benchmark's database, with persistent
  database connections (``CONN_MAX_AGE=600``; ``CONN_HEALTH_CHECKS`` is always on) and a Redis of its own as the
  Celery broker, so the tasks a filing enqueues are queued as deployed and nobody runs them during the
  measurement. The intake throttle is lifted for the run (``API_INTAKE_RATE``/``API_ANON_RATE`` set to a
  million a second): one loopback client would otherwise be refused after 20 claims.
- Saturation: ``wrk`` (Debian's, one thread, 4 connections, :file:`bench/intake.lua`: every request a different
  worker with a valid ID number) for ``BENCH_INTAKE_SECONDS`` (default 15) on each endpoint; claims per second
  that answered 201. Without wrk, a Python closed-loop client (threads) does it, and ``load_generator`` says so.
- Latency: a Python open-loop client at half our saturation rate, each request timed from its scheduled start
  (a slow answer delays no later request's clock), for the same duration: ``p99_ms``.
- ``without_persistent_connections``: our saturation again with ``CONN_MAX_AGE=0`` (one connection per request),
  the trap the issue names.

The cases filed stay in the benchmark database (they are real filings); the baseline's bare rows (tracking codes
starting with ``0``) are deleted afterwards. Needs committed data: not run inside a test's transaction.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
OURS = "/api/v1/intake/"
BASELINE = "/bench/baseline/cases/"
GOAL_RATIO = 0.5
GOAL_P99_MS = 25


class Unavailable(Exception):
    """The figure cannot be measured here (no gunicorn, no database to serve); the message says why."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(predicate, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not ready in {timeout:.0f} s")
        time.sleep(0.2)


def _database_url() -> str:
    db = settings.DATABASES["default"]
    auth = db.get("USER") or ""
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{db['NAME']}"


# --- Claims ------------------------------------------------------------------------------------------------
_NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄勇", "周杰", "吴霞", "徐强", "孙丽"]
_EMPLOYERS = [
    ("温州市鹿城区顺达速运有限公司", "express_delivery", "wages"),
    ("温州市瓯海区食速即时配送有限公司", "food_delivery", "overtime"),
    ("温州市鹿城区畅行出行科技有限公司", "ride_hailing", "wages"),
    ("温州市瓯海区安心家政服务有限公司", "domestic_services", "social_insurance"),
    ("温州市龙湾区精工鞋业有限公司", "manufacturing", "work_injury"),
    ("温州市鹿城区宏建建筑劳务有限公司", "construction", "wages"),
]


def claim_body(rng: random.Random) -> bytes:
    """One worker's claim as the API takes it (the same shape as bench/intake.lua's)."""
    from disputes.validators import id_number_check_digit

    born = date(1970, 1, 1) + timedelta(days=rng.randrange(35 * 365))
    first17 = f"330302{born:%Y%m%d}{rng.randrange(1000):03d}"
    employer, industry, category = rng.choice(_EMPLOYERS)
    body = {
        "worker_name": rng.choice(_NAMES),
        "worker_id_number": first17 + id_number_check_digit(first17),
        "worker_phone": f"13{rng.randrange(10**9):09d}",
        "employer_name": employer,
        "industry": industry,
        "categories": [category],
        "amount_claimed": f"{rng.randint(1, 40) * 500}.00",
        "facts": f"{employer}拖欠我{rng.randint(1, 6)}个月工资，多次催要未果，请求依法调解。",
        "consent": True,
    }
    return json.dumps(body, ensure_ascii=False).encode()


# --- The servers -------------------------------------------------------------------------------------------
class _Redis:
    """A private redis-server (no persistence) as the Celery broker of the served app."""

    def __init__(self, directory: str):
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(  # noqa: S603 (our own arguments)
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", directory, "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

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


class _Gunicorn:
    def __init__(self, *, conn_max_age: int, redis_url: str, workers: int = 2):
        gunicorn = Path(sys.executable).with_name("gunicorn")
        if not gunicorn.exists():
            raise Unavailable("gunicorn is not installed in the virtualenv")
        self.port = _free_port()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": _database_url(),
            "CONN_MAX_AGE": str(conn_max_age),
            "DEBUG": "0",
            "REDIS_URL": redis_url,
            "API_INTAKE_RATE": "1000000/second",
            "API_ANON_RATE": "1000000/second",
        }
        self.log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
        self.process = subprocess.Popen(  # noqa: S603 (our own arguments)
            [str(gunicorn), "config.wsgi:application", "--workers", str(workers), "--worker-class", "sync",
             "--bind", f"127.0.0.1:{self.port}", "--backlog", "2048", "--log-level", "warning"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

        def answers():
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {Path(self.log.name).read_text()[-2000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/")
                conn.getresponse().read()
                conn.close()
                return True
            except OSError:
                return False

        _wait(answers, timeout=60, what="gunicorn")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.log.close()
        os.unlink(self.log.name)


# --- The clients -------------------------------------------------------------------------------------------
def _post(port: int, path: str, body: bytes) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", path, body, {"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def _wrk(port: int, path: str, seconds: int, connections: int = 4) -> dict:
    """Saturation with wrk: requests per second that answered 2xx."""
    out = subprocess.run(  # noqa: S603 (our own arguments)
        [shutil.which("wrk"), "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
         "-s", str(ROOT / "bench" / "intake.lua"), f"http://127.0.0.1:{port}{path}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout  # fmt: skip
    total = int(re.search(r"(\d+) requests in", out).group(1))
    duration = re.search(r"requests in ([\d.]+)(ms|s|m)", out)
    scale = {"ms": 0.001, "s": 1, "m": 60}[duration.group(2)]
    elapsed = float(duration.group(1)) * scale
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    failed = int(bad.group(1)) if bad else 0
    return {
        "rps": round((total - failed) / elapsed, 1),
        "requests": total,
        "failed": failed,
        "socket_errors": errors.group(1).strip() if errors else "",
        "seconds": round(elapsed, 1),
    }


def _closed_loop(port: int, path: str, seconds: int, connections: int = 4) -> dict:
    """Saturation without wrk: ``connections`` threads posting back to back."""
    stop = time.perf_counter() + seconds
    counts = {"ok": 0, "failed": 0}
    lock = threading.Lock()

    def run(seed: int) -> None:
        rng = random.Random(seed)
        while time.perf_counter() < stop:
            status = _post(port, path, claim_body(rng))
            with lock:
                counts["ok" if 200 <= status < 300 else "failed"] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {
        "rps": round(counts["ok"] / elapsed, 1),
        "requests": counts["ok"] + counts["failed"],
        "failed": counts["failed"],
        "seconds": round(elapsed, 1),
    }


def _saturation(port: int, path: str, seconds: int) -> dict:
    if shutil.which("wrk"):
        return {**_wrk(port, path, seconds), "load_generator": "wrk -t1 -c4 (bench/intake.lua)"}
    return {**_closed_loop(port, path, seconds), "load_generator": "python, 4 threads (no wrk)"}


def _open_loop(port: int, path: str, *, rate: float, seconds: int, threads: int = 16) -> dict:
    """Requests at a constant ``rate``, each timed from when it was due (so a slow answer is not hidden by
    the requests it delayed): median, p95, p99 and max in ms."""
    n = max(1, int(rate * seconds))
    rng = random.Random(8)
    bodies = [claim_body(rng) for _ in range(n)]
    latencies: list[float] = []
    failed = [0]
    lock = threading.Lock()
    index = [0]
    start = time.perf_counter() + 0.2

    def run() -> None:
        while True:
            with lock:
                i = index[0]
                index[0] += 1
            if i >= n:
                return
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            try:
                status = _post(port, path, bodies[i])
            except OSError:
                status = 0
            elapsed = time.perf_counter() - due
            with lock:
                latencies.append(elapsed)
                if status != 201:
                    failed[0] += 1

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    ms = sorted(x * 1000 for x in latencies)

    def pct(p: float) -> float:
        return round(ms[min(len(ms) - 1, max(0, round(p * len(ms)) - 1))], 1)

    return {
        "median_ms": round(statistics.median(ms), 1),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "max_ms": round(ms[-1], 1),
        "samples": len(ms),
        "failed": failed[0],
        "rate_per_s": round(rate, 1),
    }


# --- The figure --------------------------------------------------------------------------------------------
def measure(*, seconds: int | None = None, log=print) -> dict:
    """``{"intake_post": {...}}``: saturation rps of ours and of the bare baseline, their ratio, the p99 at half
    our saturation, and our saturation without persistent connections."""
    if connection.in_atomic_block:
        raise Unavailable("needs committed data (not inside a test's transaction)")
    if not shutil.which("redis-server"):
        raise Unavailable("redis-server is not installed (apt-get install redis-server)")
    seconds = seconds or int(os.environ.get("BENCH_INTAKE_SECONDS", 15))
    load = [round(x, 2) for x in os.getloadavg()]
    rules, added = _routing_rules()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-intake-") as directory:
            redis = _Redis(directory)
            try:
                result = _measure(redis.url, seconds, log)
            finally:
                redis.stop()
    finally:
        if added:
            from disputes.models import RoutingRule

            RoutingRule.objects.filter(pk__in=added).delete()
    with connection.cursor() as cursor:  # the baseline's bare rows: nothing refers to them
        cursor.execute("DELETE FROM disputes_case WHERE tracking_code LIKE %s", ["0%"])
    result["active_rules"] = rules
    result["rules_added_by_bench"] = bool(added)
    result["load_average"] = [load[0], round(os.getloadavg()[0], 2)]
    result["cpus"] = os.cpu_count()
    return {"intake_post": result}


def _routing_rules() -> tuple[int, list[int]]:
    """Filings are routed as deployed: when the database has no active routing rule (``generate_cases`` adds
    none), the demo city's rules are added for the run and deleted afterwards. Returns how many rules are active
    and the ids of those added here."""
    from disputes import demo
    from disputes.models import RoutingRule
    from organizations.models import Organization

    active = RoutingRule.objects.filter(is_active=True).count()
    if active:
        return active, []
    before = set(RoutingRule.objects.values_list("pk", flat=True))
    orgs = {o.code: o for o in Organization.objects.filter(code__in=demo.ORG_BY_CODE)}
    count = demo.routing_rules_ensure(orgs)
    return count, sorted(set(RoutingRule.objects.values_list("pk", flat=True)) - before)


def _measure(redis_url: str, seconds: int, log) -> dict:
    server = _Gunicorn(conn_max_age=600, redis_url=redis_url)
    try:
        warm = random.Random(1)
        for _ in range(20):  # each worker: its connection, its imports, its caches
            for path in (OURS, BASELINE):
                status = _post(server.port, path, claim_body(warm))
                if status != 201:
                    raise RuntimeError(f"{path} answered {status} to a valid claim")
        log(f"  saturation, ours ({seconds} s)…")
        ours = _saturation(server.port, OURS, seconds)
        log(f"  saturation, bare DRF create ({seconds} s)…")
        base = _saturation(server.port, BASELINE, seconds)
        rate = max(1.0, ours["rps"] / 2)
        log(f"  latency at {rate:.0f} claims/s ({seconds} s)…")
        latency = _open_loop(server.port, OURS, rate=rate, seconds=seconds)
    finally:
        server.stop()
    log(f"  saturation without persistent connections ({seconds} s)…")
    server = _Gunicorn(conn_max_age=0, redis_url=redis_url)
    try:
        for _ in range(10):
            _post(server.port, OURS, claim_body(warm))
        no_persistent = _saturation(server.port, OURS, seconds)
    finally:
        server.stop()
    return {
        "rps": ours["rps"],
        "baseline_rps": base["rps"],
        "ratio": round(ours["rps"] / max(base["rps"], 1e-9), 2),
        "p99_ms": latency["p99_ms"],
        "goals": {"ratio": GOAL_RATIO, "p99_ms": GOAL_P99_MS},
        "latency_at_half_load": latency,
        "saturation": ours,
        "baseline_saturation": base,
        "baseline": "bench/baseline_urls.py: DRF CreateAPIView on Case (no validation, routing or notifications)",
        "server": "gunicorn config.wsgi, 2 sync workers, CONN_MAX_AGE=600 (+ CONN_HEALTH_CHECKS), Redis broker",
        "throttle": "lifted for the run (API_INTAKE_RATE, API_ANON_RATE = 1000000/second)",
        "without_persistent_connections": {"rps": no_persistent["rps"], "saturation": no_persistent},
    }
