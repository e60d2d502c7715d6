"""The mediation desk as a link on the staff case page (disputes.extensions.register_staff_desk): agreements are
recorded there, with both parties' signatures, never by a bare button."""

from django.urls import reverse
from django.utils.translation import gettext as _

from disputes.permissions import can_mediate
from disputes.states import CaseStatus

S = CaseStatus
# From acceptance until the agreement is honoured (or mediation fails and the worker's consent is recorded).
DESK_STATES = {S.ACCEPTED, S.IN_MEDIATION, S.MEDIATION_FAILED, S.AGREEMENT_REACHED, S.CONFIRMED, S.FULFILLED}


def mediation_desk(*, case, user) -> list[tuple[str, str]]:
    if case.status not in DESK_STATES or not can_mediate(case, user):
        return []
    return [
        (
            _("调解工作台：会谈、协议与签字、履行"),
            reverse("admin:mediation_mediationcase_change", args=[case.pk]),
        )
    ]
