"""Fixtures for the integration and fault tests of referrals: real processes, bounded in time, loopback only.

- :func:`subprocess_env`: the environment of a child process (a worker, beat, the web server) on the test database.
- ``redis_broker``: the shared Redis of the suite (``REDIS_URL``) as broker of this process and its children.
- ``throwaway_redis`` / ``throwaway_postgres``: servers of the test's own on spare ports, which the test may stop
  and start; the machine's shared PostgreSQL (5432) and Redis (6379) are never stopped.
- ``spawn``: starts workers, beat and the web server in their own process groups and stops every one of them at
  teardown, whatever the test did.
- ``webhook_receiver``: a receiving agency's system on 127.0.0.1 that checks each message's signature itself,
  applies each ``Idempotency-Key`` once and answers as the test tells it.

With ``REQUIRE_SERVICES=1`` (CI) a missing tool or service is a failure, never a skip.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import redis
from django.conf import settings

from config.celery import app as celery_app

from ..conftest import require_service

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


# --- Helpers -----------------------------------------------------------------------------------------------------
def missing(message: str):
    """A tool or service the test needs is not there: a failure in CI (REQUIRE_SERVICES=1), else a skip."""
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(message)
    pytest.skip(message)


def tool(name: str) -> str:
    """The path of an executable: on PATH, or (PostgreSQL's server tools) under /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    for directory in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        candidate = Path(directory) / name
        if candidate.exists():
            return str(candidate)
    missing(f"{name} is not installed")
    raise AssertionError("unreachable")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, *, timeout: float, interval: float = 0.1) -> bool:
    """Poll ``predicate`` until it is true (True) or ``timeout`` seconds have passed (False)."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def subprocess_env(**overrides: str) -> dict:
    """The environment of a child process: the test settings on the test database, tasks through the broker, and
    no SMS quiet hours (the suite runs at any hour; tests/referrals/test_notifications_quiet_hours.py covers them)."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        CELERY_TASK_ALWAYS_EAGER="0",
        PYTHONUNBUFFERED="1",
        SMS_QUIET_HOURS="",
    )
    env.update(overrides)
    return env


# --- Processes ---------------------------------------------------------------------------------------------------
class Process:
    """A child process in its own session (so a signal reaches it and its children, nothing else), its output in a
    log file."""

    def __init__(self, name: str, args: list[str], *, env: dict, log: Path, ready_text: str = ""):
        self.name, self.args, self.env, self.log = name, args, env, log
        self.ready_text = ready_text
        self.popen: subprocess.Popen | None = None

    def start(self) -> Process:
        with self.log.open("a") as out:
            self.popen = subprocess.Popen(
                self.args,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def wait_for_output(self, text: str, *, timeout: float) -> None:
        def ready():
            assert self.alive(), f"{self.name} exited:\n{self.output()[-4000:]}"
            return text in self.output()

        assert wait_until(ready, timeout=timeout, interval=0.1), (
            f"{self.name} not ready in {timeout} s:\n{self.output()[-4000:]}"
        )

    def wait_ready(self, *, timeout: float = 60) -> Process:
        """Wait until the process says it is ready (a worker consuming, beat started)."""
        self.wait_for_output(self.ready_text, timeout=timeout)
        return self

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to the whole process group (a prefork worker and its pool, gunicorn and its workers)."""
        if self.popen is None or self.popen.poll() is not None:
            return
        try:
            os.killpg(self.popen.pid, sig)
        except ProcessLookupError:
            return
        if sig == signal.SIGKILL:
            self.popen.wait(timeout=10)

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM to the group, SIGKILL if it is still there after ``timeout`` seconds."""
        if self.popen is None or self.popen.poll() is not None:
            self._reap_group()
            return
        self.kill(signal.SIGTERM)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill(signal.SIGKILL)
        self._reap_group()

    def _reap_group(self) -> None:
        # Pool children orphaned by a killed parent: the group id is the leader's pid, ours alone.
        if self.popen is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.popen.pid, signal.SIGKILL)


class Spawner:
    """Starts the application's processes for one test and stops every one of them at teardown."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.processes: list[Process] = []

    def _start(self, name: str, args: list[str], env: dict, ready_text: str = "") -> Process:
        log = self.tmp / f"{name}-{len(self.processes)}.log"
        process = Process(name, args, env=env, log=log, ready_text=ready_text)
        self.processes.append(process)
        return process.start()

    def worker(
        self,
        env: dict,
        *,
        queues: str = "default,notifications,handoffs",
        pool: str = "solo",
        concurrency: int = 1,
        wait: bool = True,
        include: str = "",
    ) -> Process:
        """A Celery worker, returned once it is consuming (``wait=False``: at once; call ``wait_ready()``).
        ``include``: more task modules to import (a test's probe tasks), as ``celery worker -I``."""
        args = [PYTHON, "-m", "celery", "-A", "config", "worker", "-Q", queues, "--pool", pool]
        if pool == "prefork":
            args += ["--concurrency", str(concurrency)]
        if include:
            args += ["--include", include]
        args += [
            "-n",
            f"itest-{uuid.uuid4().hex[:8]}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
        ]
        process = self._start("worker", args, env, ready_text="ready.")
        return process.wait_ready() if wait else process

    def beat(self, env: dict, *, wait: bool = True) -> Process:
        """Celery beat with a schedule file of its own (every sweeper of CELERY_BEAT_SCHEDULE)."""
        schedule = self.tmp / f"beat-schedule-{uuid.uuid4().hex[:6]}"
        args = [PYTHON, "-m", "celery", "-A", "config", "beat", "-l", "INFO", "--schedule", str(schedule)]
        process = self._start("beat", args, env, ready_text="beat: Starting")
        return process.wait_ready() if wait else process

    def web(self, env: dict, *, wait: bool = True) -> WebServer:
        """The web application under gunicorn (as deployed), on a spare port, returned once it answers
        (``wait=False``: at once; call ``wait_ready()``)."""
        port = free_port()
        args = [
            PYTHON,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "8",
            "--timeout",
            "60",
        ]
        process = self._start("web", args, env)
        server = WebServer(process, f"http://127.0.0.1:{port}")
        return server.wait_ready() if wait else server

    def run(self, args: list[str], env: dict, *, timeout: float = 120) -> subprocess.CompletedProcess:
        """A one-off command (a migration), bounded in time; its failure fails the test with its output."""
        result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        return result

    def stop_all(self) -> None:
        for process in reversed(self.processes):
            process.stop()


class WebServer:
    def __init__(self, process: Process, url: str):
        self.process, self.url = process, url

    def wait_ready(self, *, timeout: float = 60) -> WebServer:
        def answers():
            assert self.process.alive(), f"web exited:\n{self.process.output()[-4000:]}"
            try:
                return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        assert wait_until(answers, timeout=timeout, interval=0.2), self.process.output()[-4000:]
        return self


# --- Throwaway servers -------------------------------------------------------------------------------------------
class RedisServer:
    """A Redis of the test's own on a spare port, without persistence: stopping it loses every queued message, as
    a crashed broker would."""

    def __init__(self, directory: Path):
        self.binary = tool("redis-server")
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.popen: subprocess.Popen | None = None

    def start(self) -> None:
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory)]
        args += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        with (self.directory / "redis.log").open("a") as out:
            self.popen = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5)

        def pong():
            try:
                return client.ping()
            except redis.RedisError:
                return False

        assert wait_until(pong, timeout=10), (self.directory / "redis.log").read_text()

    def stop(self) -> None:
        """Kill it (SIGKILL): a broker that vanishes, not one that shuts down politely."""
        if self.popen is not None and self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(timeout=10)


class PostgresCluster:
    """A PostgreSQL cluster of the test's own (``initdb`` in a temporary folder, a spare port, trust on loopback),
    which the test may stop abruptly. Run as the ``postgres`` OS user when the tests run as root (initdb refuses
    root)."""

    def __init__(self):
        self.bin = {name: tool(name) for name in ("initdb", "pg_ctl")}
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="onestop-pg-"))  # not under pytest's 0700 root folders
        self.data = self.directory / "data"
        self.as_postgres: list[str] = []
        if os.geteuid() == 0:
            try:
                shutil.chown(self.directory, "postgres", "postgres")
            except LookupError:
                shutil.rmtree(self.directory, ignore_errors=True)
                missing("running as root, and there is no postgres user to run initdb as")
            self.as_postgres = [tool("runuser"), "-u", "postgres", "--"]

    def url(self, database: str = "onestop") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, timeout: float = 60) -> None:
        result = subprocess.run([*self.as_postgres, *args], capture_output=True, text=True, timeout=timeout)
        assert result.returncode == 0, result.stdout + result.stderr

    def init(self) -> None:
        self._run(
            self.bin["initdb"], "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
            "--locale=C.UTF-8",
        )  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
        self._run(
            self.bin["pg_ctl"], "-D", str(self.data), "-o", options, "-l", str(self.directory / "server.log"),
            "-w", "-t", "30", "start",
        )  # fmt: skip

    def stop(self, mode: str = "immediate") -> None:
        """``pg_ctl stop -m immediate``: every server process killed at once, recovery from the WAL at restart."""
        self._run(self.bin["pg_ctl"], "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def create_database(self, name: str) -> None:
        import psycopg2

        connection = psycopg2.connect(self.url("postgres"), connect_timeout=5)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{name}"')
        finally:
            connection.close()

    def remove(self) -> None:
        if self.running():
            self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


# --- The receiving agency's system -------------------------------------------------------------------------------
class WebhookReceiver:
    """An agency's system on 127.0.0.1, written as a careful receiver would be, not with our code:

    - the signature is checked with :mod:`hmac` over ``"<X-OneStop-Timestamp>.<body>"`` under the shared secret,
      and refused (401) when wrong or more than five minutes old;
    - the effect of a message (the agency registering the handoff) is applied once per ``Idempotency-Key``; a
      repeat is answered 200 and counted in ``duplicates``;
    - each request takes the next behaviour from ``script`` (``("status", 500)``, ``("hang", seconds)``), then
      ``default``; ``hold_at=n`` makes the n-th message wait (after its effect) until ``release`` is set, so a test
      can kill the sender while a message is in flight.
    """

    TOLERANCE = 300

    def __init__(self, secret: str = "receiver-shared-secret"):
        self.secret = secret
        self.lock = threading.Lock()
        self.requests: list[str] = []  # the Idempotency-Key of every signed request, in arrival order
        self.effects: Counter = Counter()  # key → effects applied (the receiver's guarantee: never above 1)
        self.duplicates = 0
        self.refused: list[str] = []  # why unsigned or mis-signed requests were refused
        self.answers: Counter = Counter()
        self.script: deque = deque()
        self.default: tuple = ("status", 200)
        self.hold_at: int | None = None
        self.holding = threading.Event()
        self.release = threading.Event()
        self.closing = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                # Headers and body leave in separate writes: without this, Nagle's algorithm and the sender's
                # delayed acknowledgement add 40 ms to every answer.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if (
                    len(body) < length
                ):  # the sender died mid-request (SIGKILL): nothing arrived, nothing to judge
                    self.close_connection = True
                    return
                status, hang = receiver._handle(self.headers, body)
                if hang:
                    receiver.closing.wait(hang)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"{}")
                except OSError:
                    pass  # the sender gave up (a timeout) or was killed

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/onestop/handoffs"
        self.thread = threading.Thread(target=self.server.serve_forever, name="webhook-receiver", daemon=True)

    def signature_ok(self, headers, body: bytes) -> str:
        """Empty when the request is signed with our secret and fresh; else why not."""
        stamp = headers.get("X-OneStop-Timestamp", "")
        given = headers.get("X-OneStop-Signature", "")
        try:
            age = abs(time.time() - int(stamp))
        except ValueError:
            return "no timestamp"
        if age > self.TOLERANCE:
            return "stale"
        expected = (
            "sha256="
            + hmac.new(self.secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        )
        return "" if hmac.compare_digest(expected, given) else "bad signature"

    def _handle(self, headers, body: bytes) -> tuple[int, float]:
        why = self.signature_ok(headers, body)
        key = headers.get("Idempotency-Key", "")
        if not why and json.loads(body).get("idempotency_key") != key:
            why = "key mismatch"
        with self.lock:
            if why:
                self.refused.append(why)
                return 401, 0
            self.requests.append(key)
            kind, value = self.script.popleft() if self.script else self.default
            if kind == "status" and value >= 300:
                self.answers[value] += 1
                return value, 0  # the receiver failed: nothing applied
            if self.effects[key]:
                self.duplicates += 1
            else:
                self.effects[key] = 1
            hold = self.hold_at is not None and len(self.requests) == self.hold_at
        if hold:
            self.holding.set()
            self.release.wait(60)
        if kind == "hang":
            return 200, value  # applied, but the answer comes too late for the sender
        self.answers[value] += 1
        return value, 0

    def start(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def close(self) -> None:
        self.closing.set()
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


# --- Fixtures ----------------------------------------------------------------------------------------------------
@pytest.fixture
def redis_broker(postgres):
    """The suite's Redis (``REDIS_URL``) as the broker of this process, its queues emptied of earlier runs."""
    if not settings.REDIS_URL:
        missing("REDIS_URL is not set")
    require_service("Redis", "127.0.0.1", 6379)
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete("default", "notifications", "handoffs")  # stale messages of an earlier run
    celery_app.conf.task_always_eager = False
    yield client
    celery_app.conf.task_always_eager = True
    client.delete("default", "notifications", "handoffs")


@pytest.fixture
def spawn(tmp_path):
    spawner = Spawner(tmp_path)
    yield spawner
    spawner.stop_all()


@pytest.fixture
def throwaway_redis(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def throwaway_postgres():
    """A cluster of this test's own with an empty database ``onestop``; removed at teardown."""
    cluster = PostgresCluster()
    try:
        cluster.init()
        cluster.start()
        cluster.create_database("onestop")
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture
def webhook_receiver():
    receiver = WebhookReceiver().start()
    yield receiver
    receiver.close()
