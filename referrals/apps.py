from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("移交与通知")

    def ready(self) -> None:
        # Register the tasks in every process (web included), so lower apps can publish them by name.
        from . import tasks  # noqa: F401
