"""The mediator's workbench: a proxy of the case, so the admin lists and opens cases as mediation work (sessions,
contacts, the agreement, payments) beside the case page that :mod:`disputes` owns. No table of its own."""

from django.utils.translation import gettext_lazy as _

from disputes.models import Case


class MediationCase(Case):
    class Meta:
        proxy = True
        verbose_name = _("调解工作台")
        verbose_name_plural = _("调解工作台")
