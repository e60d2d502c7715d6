"""A deadline extended as the law allows (disputes.services.deadline_extend, event ``extend_deadline``) is told to
the worker by SMS: the award period's extension must be notified to the parties (LDMAL Art. 43), and a worker
waiting for mediation to end should know it runs longer. The new date is on the tracking page."""

from django.db import migrations

TEMPLATE = {
    "key": "worker_deadline_extended",
    "description": "劳动者：法定期限依法延长的短信",
    "bodies": {
        "zh-hans": "【一站式劳动争议调处】您的申请（查询码 {code}）：{step}。请凭查询码和密码查看新的届满日期。",
        "en": "[One-Stop Labor Dispute Resolution] Your application (tracking code {code}): {step}. "
        "Use your tracking code and PIN to see the new due date.",
    },
}
RULE = {"event": "extend_deadline", "audience": "worker", "channel": "sms"}


def seed(apps, schema_editor):
    MessageTemplate = apps.get_model("referrals", "MessageTemplate")
    for language, body in TEMPLATE["bodies"].items():
        MessageTemplate.objects.update_or_create(
            key=TEMPLATE["key"],
            language=language,
            defaults={"body": body, "description": TEMPLATE["description"]},
        )
    apps.get_model("referrals", "NotificationRule").objects.update_or_create(
        **RULE,
        defaults={
            "template_key": TEMPLATE["key"],
            "description": "法定期限依法延长时短信告知劳动者",
            "is_active": True,
        },
    )


def unseed(apps, schema_editor):
    apps.get_model("referrals", "NotificationRule").objects.filter(**RULE).delete()
    apps.get_model("referrals", "MessageTemplate").objects.filter(key=TEMPLATE["key"]).delete()


class Migration(migrations.Migration):
    dependencies = [("referrals", "0007_overdue_deadlines_tell_the_station")]

    operations = [migrations.RunPython(seed, unseed)]
