"""The history rows ``referrals`` writes without changing the case's state, with the sentences the worker reads.

Registered with :mod:`disputes.extensions` in :meth:`referrals.apps.ReferralsConfig.ready`.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disputes.extensions import RecordedEvent
from organizations.models import Organization

from .states import HandoffKind


def _names(event) -> dict[str, str]:
    payload = event.payload or {}
    org = Organization.objects.filter(code=payload.get("to") or "").values_list("name", flat=True).first()
    return {
        "org": org or _("接收机构"),
        "kind": str(dict(HandoffKind.choices).get(payload.get("kind"), _("相关事项"))),
    }


def _sent(event) -> str:
    return _("您的案件已移交%(org)s办理（%(kind)s）。") % _names(event)


def _acknowledged(event) -> str:
    return _("%(org)s已签收您的案件材料（%(kind)s）。") % _names(event)


def _accepted(event) -> str:
    names = _names(event)
    reference = str((event.payload or {}).get("reference") or "")[:64]
    if reference:
        return _("%(org)s已接收办理（%(kind)s），编号 %(reference)s。") % {**names, "reference": reference}
    return _("%(org)s已接收办理（%(kind)s）。") % names


def _declined(event) -> str:
    return _("%(org)s未接收（%(kind)s）。工作人员会与您联系说明原因和其他途径。") % _names(event)


def _completed(event) -> str:
    return _("%(org)s已反馈办理结果（%(kind)s）。") % _names(event)


EVENTS = [
    RecordedEvent("handoff_sent", gettext_lazy("移交其他机构"), _sent),
    RecordedEvent("handoff_acknowledged", gettext_lazy("接收机构已签收移交"), _acknowledged),
    RecordedEvent("handoff_accepted", gettext_lazy("接收机构已接收办理"), _accepted),
    RecordedEvent("handoff_declined", gettext_lazy("接收机构不予接收"), _declined),
    RecordedEvent("handoff_completed", gettext_lazy("接收机构反馈办理结果"), _completed),
    RecordedEvent("handoff_dead_letter", gettext_lazy("移交投递失败（死信）"), None),
]
