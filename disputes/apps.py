from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "disputes"
    verbose_name = _("劳动争议案件")

    def ready(self) -> None:
        from . import tasks  # noqa: F401  (registered in every process, for publishing by name)
