"""A task the integration tests load into a real worker (``celery worker --include``): it reports which database
connection the worker's task ran on. Never imported by the application."""

from celery import shared_task
from django.db import connection


@shared_task(name="tests.database_backend_pid")
def database_backend_pid(path: str) -> int:
    """Append this task's PostgreSQL backend pid to ``path`` (one line per run) and return it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with open(path, "a") as out:
        out.write(f"{pid}\n")
    return pid
