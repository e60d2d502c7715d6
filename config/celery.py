"""The Celery application, and the one way the web process hands work to it.

Web code never calls ``.delay()`` on a task directly: it writes a row first (a case event, a notification, a
handoff) and calls :func:`enqueue_on_commit` with the row's id. The publish happens only after the transaction
commits, and a broker that is down costs the request at most the short connection timeout: the row stays
pending and the beat sweeper of its app publishes it again.
"""

import logging
import os

from celery import Celery, signals
from django.db import close_old_connections, transaction

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("onestop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)

TaskArgument = int | str | list[int]


# --- Workers keep their database connection -------------------------------------------------------------------
# Celery's Django fixup closes every database connection before and after each task unless CELERY_DB_REUSE_MAX is
# set (it reads the Django setting of that exact name, whatever the namespace), so each task would open a new
# PostgreSQL connection: more than a delivery's own queries cost. With it set (config/settings/base.py), the
# fixup closes them only every that many tasks, and a worker does what Django does around each web request:
# close_old_connections() before and after each task replaces a connection that broke (the database restarted:
# CONN_HEALTH_CHECKS checks a kept one before its first use in the task) or is older than WORKER_CONN_MAX_AGE.
@signals.worker_init.connect
def _workers_keep_connections(**kwargs) -> None:
    """In a worker process (never the web), connections live ``WORKER_CONN_MAX_AGE`` seconds. Runs before the
    pool forks, so prefork children inherit it; connections made earlier keep the age they were opened with."""
    from django.conf import settings
    from django.db import connections

    for alias in settings.DATABASES:
        settings.DATABASES[alias]["CONN_MAX_AGE"] = settings.WORKER_CONN_MAX_AGE
        connections.settings[alias]["CONN_MAX_AGE"] = settings.WORKER_CONN_MAX_AGE


def _close_old_connections(sender=None, **kwargs) -> None:
    # A task run in-process (eager: the demo, unit tests) runs inside a request or a test's transaction, whose
    # connection is not the task's to close.
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return
    close_old_connections()


signals.task_prerun.connect(_close_old_connections, weak=False)
signals.task_postrun.connect(_close_old_connections, weak=False)


def enqueue(task_name: str, **kwargs: TaskArgument) -> bool:
    """Publish one task by name now; return False (and log) instead of raising when the broker is unreachable.

    Tasks are named, not imported, so that a lower app (``disputes``) can nudge a task that lives in an upper
    app (``referrals``) without importing it. In-process (eager) mode runs the task here and now.
    """
    try:
        app.signature(task_name, kwargs=kwargs).apply_async()
    except Exception:  # the broker is down or refused us: the sweeper will publish the row again
        logger.warning("could not publish %s %s; left for the sweeper", task_name, kwargs, exc_info=True)
        return False
    return True


def enqueue_on_commit(task_name: str, **kwargs: TaskArgument) -> None:
    """Publish the task once the current transaction commits; nothing is published if it rolls back."""
    transaction.on_commit(lambda: enqueue(task_name, **kwargs))
