"""``config.celery``'s app for the benchmark's comparison run, in which each worker keeps its database connection
from one task to the next (``celery -A bench.worker_app worker``, with ``CONN_MAX_AGE`` set).

Celery's Django fixup closes every database connection before and after each task unless ``CELERY_DB_REUSE_MAX``
is set, so as deployed each delivery opens a new PostgreSQL connection, which costs more than the delivery itself.
Here the fixup is told to keep connections, and Django's own ``close_old_connections()`` runs before and after
each task, as it does around every web request: a connection that broke (the database restarted) or is older than
``CONN_MAX_AGE`` is still replaced, and ``CONN_HEALTH_CHECKS`` still checks a kept one before use. The benchmark
reports this next to the deployed figure; production does not use this module.
"""

from celery import signals
from django.conf import settings
from django.db import close_old_connections

from config.celery import app

settings.CELERY_DB_REUSE_MAX = 1_000_000  # read by the fixup when the worker starts (after this import)


def _close_old_connections(**kwargs) -> None:
    close_old_connections()


signals.task_prerun.connect(_close_old_connections, weak=False)
signals.task_postrun.connect(_close_old_connections, weak=False)

__all__ = ["app"]
