from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "disputes"
    verbose_name = _("劳动争议案件")

    def ready(self) -> None:
        from config.security_log import connect_signals

        from . import tasks  # noqa: F401  (registered in every process, for publishing by name)

        # Sign-ins and failed sign-ins go to the security log: a record of what happened, not domain flow.
        connect_signals()
