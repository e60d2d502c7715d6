"""The Celery application, and the one way the web process hands work to it.

Web code never calls ``.delay()`` on a task directly: it writes a row first (a case event, a notification, a
handoff) and calls :func:`enqueue_on_commit` with the row's id. The publish happens only after the transaction
commits, and a broker that is down costs the request at most the short connection timeout: the row stays
pending and the beat sweeper of its app publishes it again.
"""

import logging
import os

from celery import Celery
from django.db import transaction

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("onestop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)


def enqueue(task_name: str, **kwargs: int | str) -> bool:
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


def enqueue_on_commit(task_name: str, **kwargs: int | str) -> None:
    """Publish the task once the current transaction commits; nothing is published if it rolls back."""
    transaction.on_commit(lambda: enqueue(task_name, **kwargs))
