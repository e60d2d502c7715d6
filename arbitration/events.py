"""The history events of the arbitration app that are not transitions (registered in
:meth:`arbitration.apps.ArbitrationConfig.ready`).

Each has a staff label and, unless staff only, the sentence the worker reads on ``/track/``. A sentence uses the
event's payload (public facts: dates, places, amounts, document numbers), never its note or who recorded it.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disputes import wording
from disputes.extensions import RecordedEvent

from .states import HearingKind

REVIEW_FILED = "arbitration_review_filed"
JUDICIAL_FILED = "judicial_confirmation_filed"
HEARING_SCHEDULED = "hearing_scheduled"
AWARD_RECORDED = "award_recorded"
ENFORCEMENT_REGISTERED = "enforcement_registered"
ENFORCEMENT_RECOVERY = "enforcement_recovery"


def _hearing(event) -> str:
    payload = event.payload or {}
    kind = dict(HearingKind.choices).get(payload.get("kind"), _("开庭"))
    when = wording.moment(payload.get("at"))
    place = str(payload.get("place") or "")[:200]
    if when and place:
        return _(
            "仲裁委员会已安排%(kind)s：%(when)s，地点：%(place)s。请携带身份证件和证据原件按时参加。"
        ) % {
            "kind": kind,
            "when": when,
            "place": place,
        }
    return _("仲裁委员会已安排%(kind)s，请留意通知。") % {"kind": kind}


def _award(event) -> str:
    payload = event.payload or {}
    amount = wording.money(payload.get("amount"))
    final = _("终局裁决") if payload.get("is_final") else _("非终局裁决")
    text = _("仲裁委员会已作出裁决（%(final)s）") % {"final": final}
    if amount:
        text += _("，裁决金额 %(amount)s 元") % {"amount": amount}
    text += _("。您可以在本页下载裁决书。")
    if payload.get("is_final"):
        text += _("终局裁决自作出之日起生效。")
    else:
        effective = wording.day(payload.get("effective_on"))
        if effective:
            text += _("双方在法定期限内都不起诉的，裁决自%(day)s起生效。") % {"day": effective}
    return text


def _registered(event) -> str:
    number = str((event.payload or {}).get("number") or "")[:64]
    if number:
        return _("人民法院已立案执行，执行案号 %(number)s。") % {"number": number}
    return _("人民法院已立案执行。")


def _recovery(event) -> str:
    payload = event.payload or {}
    amount = wording.money(payload.get("amount"))
    total = wording.money(payload.get("total"))
    if amount and total:
        return _("人民法院执行到位 %(amount)s 元，累计执行到位 %(total)s 元。") % {
            "amount": amount,
            "total": total,
        }
    return _("人民法院执行到位一笔款项。")


EVENTS = [
    # Staff only: the filing of an agreement for review or confirmation starts the body's decision period
    # (the deadline rules arb_review.decision and jc.decision count from these).
    RecordedEvent(REVIEW_FILED, gettext_lazy("仲裁委员会收到审查确认申请"), None),
    RecordedEvent(JUDICIAL_FILED, gettext_lazy("人民法院收到司法确认申请"), None),
    RecordedEvent(HEARING_SCHEDULED, gettext_lazy("安排开庭"), _hearing),
    RecordedEvent(AWARD_RECORDED, gettext_lazy("作出仲裁裁决"), _award),
    RecordedEvent(ENFORCEMENT_REGISTERED, gettext_lazy("法院立案执行"), _registered),
    RecordedEvent(ENFORCEMENT_RECOVERY, gettext_lazy("执行到位"), _recovery),
]
