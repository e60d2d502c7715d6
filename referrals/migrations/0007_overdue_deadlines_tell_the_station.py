"""A deadline that passes tells the station's administrators and mediators, not only the case's mediator: a case
that nobody has taken yet (the acceptance deadline) has no mediator, and its overdue reminder reached nobody."""

from django.db import migrations

RULE = {
    "event": "deadline_overdue",
    "audience": "station_staff",
    "channel": "in_app",
}


def seed(apps, schema_editor):
    apps.get_model("referrals", "NotificationRule").objects.update_or_create(
        **RULE,
        defaults={
            "template_key": "staff_recorded",
            "description": "期限届满未办结时告知调解组织的管理员和调解员",
            "is_active": True,
        },
    )


def unseed(apps, schema_editor):
    apps.get_model("referrals", "NotificationRule").objects.filter(**RULE).delete()


class Migration(migrations.Migration):
    dependencies = [("referrals", "0006_aftercare")]

    operations = [migrations.RunPython(seed, unseed)]
