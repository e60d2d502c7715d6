"""The history events of mediation that are not transitions (registered in :class:`mediation.apps.MediationConfig`).

Each has a staff label and, unless staff only, the sentence the worker reads on ``/track/``. A sentence uses the
event's payload (public facts: dates, amounts, the agreement's number), never its note or who recorded it.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disputes import wording
from disputes.extensions import RecordedEvent

from .states import Remedy, SessionMode

SESSION_RECORD = "session_record"
CONTACT_RECORD = "contact_record"
AGREEMENT_DRAFTED = "agreement_drafted"
AGREEMENT_VOIDED = "agreement_voided"
AGREEMENT_SIGNED_WORKER = "agreement_signed_worker"
AGREEMENT_SIGNED_EMPLOYER = "agreement_signed_employer"
PAYMENT_RECORDED = "payment_recorded"
PAYMENT_DUE_SOON = "payment_due_soon"
PAYMENT_MISSED = "payment_missed"
REMEDY_CHOSEN = "remedy_chosen"
MEDIATION_LIMIT_PASSED = "mediation_limit_passed"
SATISFACTION = "satisfaction"
REOPEN_REQUEST = "reopen_request"
REOPEN_HANDLED = "reopen_handled"


def _session(event) -> str:
    payload = event.payload or {}
    modes = dict(SessionMode.choices)
    mode = modes.get(payload.get("mode"), _("调解"))
    day = wording.day(payload.get("held_at"))
    if day:
        return _("%(day)s进行了一次%(mode)s。") % {"day": day, "mode": mode}
    return _("进行了一次%(mode)s。") % {"mode": mode}


def _drafted(event) -> str:
    amount = wording.money((event.payload or {}).get("total"))
    if amount:
        return _("调解员拟定了调解协议（协议金额 %(amount)s 元），请在本页阅读协议并签署。") % {
            "amount": amount
        }
    return _("调解员拟定了调解协议，请在本页阅读协议并签署。")


def _voided(event) -> str:
    return _("调解员作废了尚未生效的调解协议，如有新的协议会请您重新签署。")


def _signed_worker(event) -> str:
    return _("您确认并签署了调解协议。")


def _signed_employer(event) -> str:
    return _("用人单位签署了调解协议。")


def _payment(event) -> str:
    payload = event.payload or {}
    amount, paid, total = (
        wording.money(payload.get("amount")),
        wording.money(payload.get("paid")),
        wording.money(payload.get("total")),
    )
    if amount and paid and total:
        return _("用人单位支付了 %(amount)s 元（累计已付 %(paid)s 元，协议金额 %(total)s 元）。") % {
            "amount": amount,
            "paid": paid,
            "total": total,
        }
    return _("用人单位按协议支付了一笔款项。")


def _missed(event) -> str:
    payload = event.payload or {}
    return _(
        "用人单位没有在%(day)s前付清协议约定的款项（尚欠 %(amount)s 元）。您可以在本页选择下一步怎么办。"
    ) % {
        "day": wording.day(payload.get("due_on")) or _("约定日期"),
        "amount": wording.money(payload.get("outstanding")),
    }


def _remedy(event) -> str:
    labels = dict(Remedy.choices)
    label = labels.get((event.payload or {}).get("remedy"))
    if label:
        return _("您选择了“%(remedy)s”，我们已为您办理。") % {"remedy": label}
    return _("您选择了下一步的办理途径。")


def _limit(event) -> str:
    return _("调解期限（十五日）已满，仍未达成调解协议。您可以申请劳动仲裁，也可以继续调解。")


def _satisfaction(event) -> str:
    return _("您对这次调解服务作出了评价，谢谢。")


def _reopen(event) -> str:
    return _("您反映调解协议没有履行，申请调解组织重新处理。调解组织会联系您。")


def _reopen_handled(event) -> str:
    return _("调解组织已处理您的重新处理申请，请留意调解员的电话或短信。")


EVENTS = [
    RecordedEvent(SESSION_RECORD, gettext_lazy("记录调解过程"), _session),
    RecordedEvent(CONTACT_RECORD, gettext_lazy("记录与用人单位的联系"), None),
    RecordedEvent(AGREEMENT_DRAFTED, gettext_lazy("拟定调解协议（提交双方签署）"), _drafted),
    RecordedEvent(AGREEMENT_VOIDED, gettext_lazy("作废未生效的调解协议"), _voided),
    RecordedEvent(AGREEMENT_SIGNED_WORKER, gettext_lazy("劳动者签署调解协议"), _signed_worker),
    RecordedEvent(AGREEMENT_SIGNED_EMPLOYER, gettext_lazy("记录用人单位签署调解协议"), _signed_employer),
    RecordedEvent(PAYMENT_RECORDED, gettext_lazy("记录协议款项支付"), _payment),
    RecordedEvent(PAYMENT_DUE_SOON, gettext_lazy("协议付款即将到期提醒"), None),
    RecordedEvent(PAYMENT_MISSED, gettext_lazy("协议付款逾期"), _missed),
    RecordedEvent(REMEDY_CHOSEN, gettext_lazy("劳动者选择付款逾期后的救济途径"), _remedy),
    RecordedEvent(MEDIATION_LIMIT_PASSED, gettext_lazy("调解期限届满未达成协议"), _limit),
    RecordedEvent(SATISFACTION, gettext_lazy("劳动者评价调解服务"), _satisfaction),
    RecordedEvent(REOPEN_REQUEST, gettext_lazy("劳动者申请重新处理（协议未履行）"), _reopen),
    RecordedEvent(REOPEN_HANDLED, gettext_lazy("处理重新处理申请"), _reopen_handled),
]
