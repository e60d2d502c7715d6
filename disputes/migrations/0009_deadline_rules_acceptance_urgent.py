"""Deadline rules for the station's decision on a case it received (one rule per event that puts a case in front
of a station: the engine starts a rule from the last event of its trigger) and for the special urgent joint
consultation. Platform rules, not statutory periods: their source says so. Creates missing rules only, so
officials' edits stay."""

from django.db import migrations

ACCEPTANCE_MET = ["accept", "reject", "transfer", "dispatch_to_branch", "move_to_government_station"]
_ACCEPTANCE = {
    "name": "调解组织受理期限（三个工作日）",
    "worker_text": "调解组织应在三个工作日内决定是否受理您的申请",
    "source": "本平台分流工作规范（非法定期限）",
    "source_status": "unverified",
    "period_days": 3,
    "day_type": "working",
    "active_states": ["assigned"],
    "remind_days_before": [1],
    "consequence": "逾期未决定的，每日提醒调解组织，直至受理、派至网点、转交或不予受理。",
}
RULES = [
    {**_ACCEPTANCE, "code": "station.acceptance", "trigger": "triage", "met_by": ACCEPTANCE_MET},
    *(
        {
            **_ACCEPTANCE,
            "code": f"station.acceptance.{suffix}",
            "trigger": trigger,
            "met_by": [name for name in ACCEPTANCE_MET if name != trigger],
        }
        for suffix, trigger in (
            ("transfer", "transfer"),
            ("dispatch", "dispatch_to_branch"),
            ("move", "move_to_government_station"),
        )
    ),
    {
        "code": "urgent.consultation",
        "name": "特事急诊会商期限（三个工作日）",
        "worker_text": "您的案件已列为特事急诊，联合会商将在三个工作日内制定处理方案",
        "source": "本平台特事急诊工作规则（非法定期限）",
        "source_status": "unverified",
        "trigger": "escalate_urgent",
        "period_days": 3,
        "day_type": "working",
        "active_states": [],
        "met_by": ["record_urgent_plan"],
        "remind_days_before": [1],
        "consequence": "逾期未形成一案一策的，提醒调解站管理员和主管部门督办。",
    },
]


def seed_rules(apps, schema_editor):
    DeadlineRule = apps.get_model("disputes", "DeadlineRule")
    for rule in RULES:
        DeadlineRule.objects.get_or_create(code=rule["code"], defaults=rule)


class Migration(migrations.Migration):
    dependencies = [("disputes", "0008_triage_related_urgent")]

    operations = [migrations.RunPython(seed_rules, migrations.RunPython.noop)]
