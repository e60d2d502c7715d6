"""The commission's and the court's queues as links on the staff case page
(disputes.extensions.register_staff_desk): decisions are made there, where their documents are issued."""

from django.urls import reverse
from django.utils.translation import gettext as _

from disputes.permissions import can_arbitrate, can_enforce, can_review_confirmation
from disputes.states import CaseStatus, ConfirmationRoute

S = CaseStatus


def arbitration_desks(*, case, user) -> list[tuple[str, str]]:
    if case.status == S.CONFIRMATION_REQUESTED and can_review_confirmation(case, user):
        if case.confirmation_route == ConfirmationRoute.JUDICIAL_CONFIRMATION:
            return [
                (
                    _("司法确认：确认或不予确认"),
                    reverse("admin:arbitration_judicialconfirmationcase_change", args=[case.pk]),
                )
            ]
        return [
            (
                _("仲裁审查确认：确认或不予确认"),
                reverse("admin:arbitration_reviewcase_change", args=[case.pk]),
            )
        ]
    if case.status in (S.REFERRED_TO_ARBITRATION, S.ARBITRATION_ACCEPTED) and can_arbitrate(case, user):
        return [
            (
                _("仲裁案件：立案、开庭、裁决与结案"),
                reverse("admin:arbitration_arbitrationcase_change", args=[case.pk]),
            )
        ]
    if case.status == S.ENFORCEMENT and can_enforce(case, user):
        return [
            (
                _("强制执行：登记、执行到位与终结"),
                reverse("admin:arbitration_enforcementqueuecase_change", args=[case.pk]),
            )
        ]
    return []
