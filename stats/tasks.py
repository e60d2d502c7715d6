"""The beat task that repairs what no case change announced (see :func:`stats.services.stats_refresh_recent`)."""

from celery import shared_task

from .services import stats_refresh_recent


@shared_task(name="stats.refresh", acks_late=True, ignore_result=True)
def stats_refresh_task() -> dict:
    result = stats_refresh_recent()
    return {
        "recent": result.recent,
        "missing": result.missing,
        "orphans": result.orphans,
        "changed": result.changed,
    }
