"""The legal periods the arbitration app starts: the commission's review decision, the court's confirmation
decision, and the worker's time to sue after an award (legal-reference.md Appendix A). Data officials may edit in
the admin; created when missing only, so an edited rule is never overwritten."""

from django.db import migrations

RULES = [
    {
        "code": "arb_review.decision",
        "name": "仲裁委审查确认决定期限（五日）",
        "worker_text": "仲裁委员会应在收到仲裁审查确认申请后五个工作日内作出决定，经批准可延长五日",
        "source": "劳动人事争议仲裁办案规则第七十六条（期间及延长待核实）",
        "source_status": "unverified",
        "trigger": "arbitration_review_filed",
        "period_days": 5,
        "day_type": "working",
        "active_states": ["confirmation_requested"],
        "met_by": ["confirm", "refuse_confirmation"],
        "remind_days_before": [1],
        "consequence": "逾期未作出决定的，仲裁委员会应说明理由；当事人可以就争议事项申请劳动仲裁。",
    },
    {
        "code": "jc.decision",
        "name": "人民法院司法确认审查期限（十五日）",
        "worker_text": "人民法院应在受理司法确认申请后十五日内作出是否确认的决定，经批准可延长十日",
        "source": "最高人民法院关于人民调解协议司法确认程序的若干规定第五条（现行效力待核实）",
        "source_status": "unverified",
        "trigger": "judicial_confirmation_filed",
        "period_days": 15,
        "day_type": "calendar",
        "active_states": ["confirmation_requested"],
        "met_by": ["confirm", "refuse_confirmation"],
        "remind_days_before": [3],
        "consequence": "法院逾期未作出决定的，可以向法院了解进度。",
    },
    {
        "code": "award.worker_suit",
        "name": "不服仲裁裁决起诉期限（十五日）",
        "worker_text": "对仲裁裁决不服的，您可以自收到裁决书之日起十五日内向人民法院提起诉讼",
        "source": "劳动争议调解仲裁法第四十八条、第五十条",
        "source_status": "verified",
        "trigger": "award_recorded",
        "period_days": 15,
        "day_type": "calendar",
        "active_states": ["arbitration_accepted"],
        "met_by": [],
        "remind_days_before": [5],
        "consequence": "期满不起诉的，非终局裁决发生法律效力；终局裁决自作出之日起已经生效。",
    },
]


def seed_rules(apps, schema_editor):
    DeadlineRule = apps.get_model("disputes", "DeadlineRule")
    for rule in RULES:
        DeadlineRule.objects.get_or_create(code=rule["code"], defaults=rule)


class Migration(migrations.Migration):
    dependencies = [
        ("arbitration", "0001_initial"),
        ("disputes", "0002_history_append_only_and_deadline_rules"),
    ]

    operations = [migrations.RunPython(seed_rules, migrations.RunPython.noop)]
