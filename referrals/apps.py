from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("移交与通知")

    def ready(self) -> None:
        from disputes import extensions

        # Register the tasks in every process (web included), so lower apps can publish them by name.
        from . import tasks  # noqa: F401
        from .events import EVENTS
        from .handoffs import handoffs_for_case_event

        for event in EVENTS:
            extensions.register_recorded_event(event)
        # A transition that hands the case over writes its handoff in the same transaction (docs/outbox.md).
        extensions.register_case_effect(handoffs_for_case_event)

        # Legal aid, re-employment, counselling and the check-ins after closure: their history events, the clock
        # that starts when a legal-aid centre grants aid, and their sections of the worker's /track/ page.
        from . import aftercare, legal_aid, panels

        for event in [*legal_aid.EVENTS, *aftercare.EVENTS]:
            extensions.register_recorded_event(event)
        extensions.register_case_effect(legal_aid.legal_aid_on_case_event)
        for panel in panels.PANELS:
            extensions.register_worker_panel(panel)

        # Retention: notifications, handoff packets and the aftercare rows are anonymised with the case.
        from disputes.retention import register_anonymiser

        from .retention import referrals_anonymise

        register_anonymiser(referrals_anonymise)
