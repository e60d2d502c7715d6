"""Arbitration review of agreements, cases referred to arbitration, judicial confirmation and enforcement.

Drives cases through ``disputes.services``; never the other way round.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArbitrationConfig(AppConfig):
    name = "arbitration"
    verbose_name = _("仲裁与司法确认")

    def ready(self) -> None:
        from disputes import extensions
        from disputes.confirmation import register_agreement_facts

        from .desks import arbitration_desks
        from .events import EVENTS
        from .selectors import mediation_agreement_facts
        from .services import confirmation_filed_on_case_event
        from .tracking import worker_panel

        for event in EVENTS:
            extensions.register_recorded_event(event)
        # The filing of an agreement starts the commission's or court's decision period, in its transaction.
        extensions.register_case_effect(confirmation_filed_on_case_event)
        extensions.register_worker_panel(worker_panel)
        extensions.register_staff_desk(arbitration_desks)  # the case page links the queue where it is decided
        # The filing checks learn the agreement's effective moment and payment-only term from mediation's record.
        register_agreement_facts(mediation_agreement_facts)
        # Retention: hearings' notes, the enforcement lawyer and the issued PDFs go with the case's people's data.
        from disputes.retention import register_anonymiser

        from .retention import arbitration_anonymise

        register_anonymiser(arbitration_anonymise)

    def demo_seed(self) -> None:
        """Called by ``seed_demo`` (disputes.demo): a demo minimum wage for the demo city, labelled as such."""
        from .demo import minimum_wage_demo_ensure

        minimum_wage_demo_ensure()
