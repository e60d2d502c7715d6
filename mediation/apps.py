"""Mediation: sessions, agreements and their signatures, payments followed up (the mediator's workbench).

Drives cases through ``disputes.services``; never the other way round.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    name = "mediation"
    verbose_name = _("调解")

    def ready(self) -> None:
        from disputes.extensions import register_recorded_event, register_staff_desk, register_worker_panel
        from referrals.handoffs import register_packet_section

        from . import tasks  # noqa: F401  (registered by name in every process)
        from .desks import mediation_desk
        from .events import EVENTS
        from .handoff_packet import agreement_packet_section
        from .tracking import worker_panel

        for event in EVENTS:
            register_recorded_event(event)
        register_worker_panel(worker_panel)
        register_staff_desk(mediation_desk)  # the case page links the desk where agreements are recorded
        register_packet_section(agreement_packet_section)

        # Retention: the case's mediation rows are anonymised with it, the packet section's personal parts too.
        from disputes.retention import register_anonymiser
        from referrals.retention import register_packet_personal_paths

        from .retention import PACKET_PERSONAL_PATHS, mediation_anonymise

        register_anonymiser(mediation_anonymise)
        register_packet_personal_paths(*PACKET_PERSONAL_PATHS)
