"""Seed the notification rules and message templates so that the fan-out does exactly what the hard-coded code did
before rules were data (referrals.services.case_event_dispatch up to migration 0004):

- the worker: an SMS on every state change, the filing included; on the filing, the confirmation with the PIN;
- the station's administrators and mediators, in-app, when a case arrives at (or changes in) their station;
- the handling organization's arbitrators, court clerks and legal-aid staff, in-app, when a case arrives there;
- the officials of the case's region, in-app, on a group-dispute warning;
- the members of a special urgent consultation, in-app, on its events;
- the case's mediator, in-app, on every event (never on their own step: the code skips the actor).

The texts are those of the code and of its English catalogue. Confirmation SMS written before this migration are
marked as carrying the PIN, so staff never see their body and the clean-up empties them.
"""

from django.db import migrations

TEMPLATES = [
    (
        "worker_filed",
        "劳动者：提交申请后的确认短信（含查询码和查询密码）",
        "【一站式劳动争议调处】已收到您的申请。查询码 {code}，查询密码 {pin}，请妥善保管，"
        "凭此在“进度查询”查看办理情况。",
        "[One-Stop Labor Dispute Resolution] We have received your application. Tracking code {code}, "
        'access PIN {pin}. Please keep them safe and use them under "Track progress" to follow your case.',
    ),
    (
        "worker_status",
        "劳动者：案件状态变化短信",
        "【一站式劳动争议调处】您的申请（查询码 {code}）：{status}。请凭查询码和密码查看详情。",
        "[One-Stop Labor Dispute Resolution] Your application (tracking code {code}): {status}. "
        "Use your tracking code and PIN to see details.",
    ),
    (
        "staff_transition",
        "工作人员：案件状态变化",
        "案件 {code}：{step}，当前状态：{status}",
        "Case {code}: {step}; current status: {status}",
    ),
    (
        "staff_recorded",
        "工作人员：不改变状态的记录事件",
        "案件 {code}：{step}",
        "Case {code}: {step}",
    ),
]

ALL_TRANSITIONS = "*transition"
ALL_RECORDED = "*recorded"

# Events that put a case in front of a station (transitions, then recorded events).
STATION_TRANSITIONS = ["submit", "triage", "dispatch_to_branch", "transfer", "move_to_government_station"]
STATION_RECORDED = ["add_evidence", "acceptance_overdue"]
HANDLER_TRANSITIONS = ["request_confirmation", "refer_to_arbitration", "open_enforcement"]
URGENT_RECORDED = ["escalate_urgent", "record_urgent_plan"]

RULES = [
    (ALL_TRANSITIONS, "worker", "sms", "worker_status", "每次状态变化短信告知劳动者"),
    (
        "submit",
        "worker",
        "sms",
        "worker_filed",
        "提交申请后短信告知查询码和查询密码；密码已清除时改用状态短信",
    ),
    *[
        (name, "station_staff", "in_app", "staff_transition", "案件到达调解组织")
        for name in STATION_TRANSITIONS
    ],
    *[(name, "station_staff", "in_app", "staff_recorded", "案件到达调解组织") for name in STATION_RECORDED],
    *[
        (name, "handler_staff", "in_app", "staff_transition", "案件到达承办机构")
        for name in HANDLER_TRANSITIONS
    ],
    ("group_warning", "region_officials", "in_app", "staff_recorded", "群体性争议预警告知主管部门"),
    *[
        (name, "consultation_members", "in_app", "staff_recorded", "特事急诊会商成员")
        for name in URGENT_RECORDED
    ],
    (ALL_TRANSITIONS, "case_mediator", "in_app", "staff_transition", "案件的每次状态变化告知其调解员"),
    (ALL_RECORDED, "case_mediator", "in_app", "staff_recorded", "案件的每个记录事件告知其调解员"),
]


def seed(apps, schema_editor):
    MessageTemplate = apps.get_model("referrals", "MessageTemplate")
    NotificationRule = apps.get_model("referrals", "NotificationRule")
    Notification = apps.get_model("referrals", "Notification")
    for key, description, zh_hans, en in TEMPLATES:
        for language, body in (("zh-hans", zh_hans), ("en", en)):
            MessageTemplate.objects.update_or_create(
                key=key, language=language, defaults={"body": body, "description": description}
            )
    for event, audience, channel, template_key, description in RULES:
        NotificationRule.objects.update_or_create(
            event=event,
            audience=audience,
            channel=channel,
            defaults={"template_key": template_key, "description": description, "is_active": True},
        )
    Notification.objects.filter(to_worker=True, channel="sms", event__transition="submit").update(
        carries_pin=True
    )


def unseed(apps, schema_editor):
    apps.get_model("referrals", "NotificationRule").objects.filter(
        event__in=[rule[0] for rule in RULES]
    ).delete()
    apps.get_model("referrals", "MessageTemplate").objects.filter(key__in=[t[0] for t in TEMPLATES]).delete()


class Migration(migrations.Migration):
    dependencies = [("referrals", "0004_notification_rules")]

    operations = [migrations.RunPython(seed, unseed)]
