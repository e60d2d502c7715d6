"""Fault: PostgreSQL stops abruptly while workers file claims.

The test makes a PostgreSQL cluster of its own (``initdb`` in a temporary folder, a spare port), migrates it, serves
the application from it under gunicorn, and while clients keep filing claims through ``POST /api/v1/intake/`` it
stops the cluster with ``pg_ctl stop -m immediate`` (every server process killed, as in a crash) and starts it
again. Requests must fail fast with a clear 503 (the API's error shape, a Chinese page for HTML), the application
must recover within seconds of the restart, and every receipt a client got must be in the database. A client that
got a 503 retries with the same ``Idempotency-Key`` and gets exactly one case.
"""

import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import psycopg2
import pytest

from disputes.validators import id_number_check_digit

from .conftest import PYTHON, subprocess_env, wait_until

pytestmark = pytest.mark.integration

FILERS = 4
ANSWER_WITHIN = 5.0
CJK = re.compile(r"[\u4e00-\u9fff]")


def _id_number(n: int) -> str:
    first17 = f"33030219900101{n % 1000:03d}"
    return first17 + id_number_check_digit(first17)


def _claim(n: int) -> dict:
    return {
        "worker_name": "陈静",
        "worker_id_number": _id_number(n),
        "worker_phone": f"139{n:08d}",
        "employer_name": "温州市某某餐饮管理有限公司",
        "industry": "food_delivery",
        "categories": ["wages"],
        "amount_claimed": "2600",
        "facts": "上个月工资未发放。",
        "consent": True,
    }


class Clients:
    """Filers posting claims in a loop and a browser asking for a page that reads the database, until stopped;
    every answer recorded with when it was sent and how long it took."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.claims: list[dict] = []
        self.pages: list[dict] = []
        self.counter = 0

    def _file(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=ANSWER_WITHIN * 3) as client:
            while not self.stop.is_set():
                with self.lock:
                    self.counter += 1
                    n = self.counter
                key, body = uuid.uuid4().hex, _claim(n)
                sent = time.monotonic()
                try:
                    response = client.post("/api/v1/intake/", json=body, headers={"Idempotency-Key": key})
                    status, answer = response.status_code, response.json()
                except (httpx.HTTPError, ValueError) as exc:
                    status, answer = None, repr(exc)
                with self.lock:
                    self.claims.append(
                        {
                            "key": key,
                            "body": body,
                            "status": status,
                            "answer": answer,
                            "sent": sent,
                            "seconds": time.monotonic() - sent,
                        }
                    )
                if status != 201:
                    time.sleep(0.25)  # a client waits a little before its next try

    def _browse(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=ANSWER_WITHIN * 3) as client:
            while not self.stop.is_set():
                sent = time.monotonic()
                try:
                    response = client.get(
                        "/intake/s/no-such-station/"
                    )  # looks the station up in the database
                    page = {
                        "status": response.status_code,
                        "type": response.headers.get("content-type", ""),
                        "text": response.text,
                    }
                except httpx.HTTPError as exc:
                    page = {"status": None, "text": repr(exc), "type": ""}
                page.update(sent=sent, seconds=time.monotonic() - sent)
                with self.lock:
                    self.pages.append(page)
                time.sleep(0.1)

    def start(self) -> list[threading.Thread]:
        threads = [threading.Thread(target=self._file, daemon=True) for _ in range(FILERS)]
        threads.append(threading.Thread(target=self._browse, daemon=True))
        for thread in threads:
            thread.start()
        return threads

    def receipts_since(self, moment: float) -> int:
        with self.lock:
            return sum(1 for c in self.claims if c["status"] == 201 and c["sent"] >= moment)


def _tracking_codes(url: str) -> list[str]:
    connection = psycopg2.connect(url, connect_timeout=5)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT tracking_code FROM disputes_case")
            return [row[0] for row in cursor.fetchall()]
    finally:
        connection.close()


def test_with_postgresql_stopped_requests_get_a_503_at_once_and_no_receipt_is_lost(
    throwaway_postgres, throwaway_redis, spawn
):
    env = subprocess_env(
        DATABASE_URL=throwaway_postgres.url(),
        REDIS_URL=throwaway_redis.url,  # a broker nobody consumes: publishing works, the test is about the database
        API_INTAKE_RATE="100000/hour",
        DATABASE_CONNECT_TIMEOUT="2",
    )
    spawn.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], env)
    web = spawn.web(env)
    clients = Clients(web.url)
    threads = clients.start()
    try:
        assert wait_until(lambda: clients.receipts_since(0) >= 20, timeout=60)
        throwaway_postgres.stop("immediate")
        stopped_at = time.monotonic()
        time.sleep(3)
        throwaway_postgres.start()
        started_at = time.monotonic()
        assert wait_until(lambda: clients.receipts_since(started_at) >= 1, timeout=20), "no recovery"
        recovered_at = min(
            c["sent"] + c["seconds"] for c in clients.claims if c["status"] == 201 and c["sent"] >= started_at
        )
        time.sleep(2)
    finally:
        clients.stop.set()
        for thread in threads:
            thread.join(timeout=30)

    claims, pages = list(clients.claims), list(clients.pages)
    # Fast: no request waited for a database that was not there.
    slow = [c for c in claims + pages if c["seconds"] >= ANSWER_WITHIN]
    assert not slow, slow[:3]
    # Clear: a receipt or a 503 in the API's shape, never a 500, never a broken connection.
    odd = [c for c in claims if c["status"] not in (201, 503)]
    assert not odd, odd[:3]
    unavailable = [c for c in claims if c["status"] == 503]
    assert len(unavailable) >= 10
    for c in unavailable:
        assert c["answer"]["code"] == "service_unavailable" and CJK.search(c["answer"]["detail"]), c["answer"]
        assert stopped_at - ANSWER_WITHIN <= c["sent"] <= recovered_at, "a 503 while the database was up"
    assert {p["status"] for p in pages} == {404, 503}, {p["status"] for p in pages}
    down_pages = [p for p in pages if p["status"] == 503]
    assert all(p["type"].startswith("text/html") and "服务暂时不可用" in p["text"] for p in down_pages)
    # Recovered within seconds of the restart, and for good.
    assert recovered_at - started_at < 5, recovered_at - started_at
    assert all(c["status"] == 201 for c in claims if c["sent"] >= recovered_at)

    # Every receipt a client got is a case in the database.
    in_database = _tracking_codes(throwaway_postgres.url())
    receipts = [c["answer"]["tracking_code"] for c in claims if c["status"] == 201]
    assert set(receipts) <= set(in_database)
    assert len(in_database) == len(set(in_database))
    # A client that got a 503 retries with the same key: one case per key, whether or not the first try committed.
    with (
        httpx.Client(base_url=web.url, timeout=ANSWER_WITHIN * 3) as client,
        ThreadPoolExecutor(FILERS) as pool,
    ):

        def retry(claim: dict) -> int:
            headers = {"Idempotency-Key": claim["key"]}
            return client.post("/api/v1/intake/", json=claim["body"], headers=headers).status_code

        assert set(pool.map(retry, unavailable, timeout=120)) <= {200, 201}
    assert len(_tracking_codes(throwaway_postgres.url())) == len(claims)
