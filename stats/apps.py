"""Statistics for officials: summary tables kept current with every case change, the /stats/ page, its exports and
the stats API. Reads the lower apps; nothing imports it."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "stats"
    verbose_name = _("统计")

    def ready(self) -> None:
        from disputes.extensions import register_batch_flush, register_case_effect

        from . import tasks  # noqa: F401  (registered by name in every process)
        from .services import stats_batch_flush, stats_case_changed

        # Runs inside every case-changing transaction: the figures change when, and only if, the case does.
        register_case_effect(stats_case_changed)
        register_batch_flush(stats_batch_flush)
