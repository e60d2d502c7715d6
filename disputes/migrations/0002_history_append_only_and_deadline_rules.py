"""The database itself refuses to edit or delete case history (PostgreSQL), and the legal deadline rules are seeded
from shared/legal-reference.md Appendix A. Officials may edit the rules in the admin afterwards; re-running this
migration does not overwrite their edits (it only creates missing rules)."""

from django.db import migrations

APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION disputes_caseevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'disputes_caseevent is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS disputes_caseevent_append_only ON disputes_caseevent;
CREATE TRIGGER disputes_caseevent_append_only
    BEFORE UPDATE OR DELETE ON disputes_caseevent
    FOR EACH ROW EXECUTE FUNCTION disputes_caseevent_append_only();
"""
DROP_SQL = """
DROP TRIGGER IF EXISTS disputes_caseevent_append_only ON disputes_caseevent;
DROP FUNCTION IF EXISTS disputes_caseevent_append_only();
"""

BEFORE_AGREEMENT = ["submitted", "assigned", "accepted", "in_mediation", "mediation_failed"]

RULES = [
    {
        "code": "limitation.general",
        "name": "仲裁时效（一年）",
        "worker_text": "申请劳动仲裁的时效为一年，从您知道或者应当知道权利被侵害之日起计算",
        "source": "劳动争议调解仲裁法第二十七条第一款",
        "source_status": "verified",
        "trigger": "knowledge_date",
        "period_years": 1,
        "active_states": ["submitted"],
        "met_by": ["refer_to_arbitration"],
        "wage_arrears_exempt": True,
        "remind_days_before": [60, 30, 7],
        "consequence": "时效届满不影响受理，但对方可能以超过时效抗辩；申请调解即构成时效中断，时效重新计算。",
    },
    {
        "code": "limitation.restarted",
        "name": "仲裁时效（申请调解后重新计算）",
        "worker_text": "您申请调解后，仲裁时效从申请之日起重新计算一年",
        "source": "劳动争议调解仲裁法第二十七条第二款",
        "source_status": "verified",
        "trigger": "submit",
        "period_years": 1,
        "active_states": BEFORE_AGREEMENT,
        "met_by": ["refer_to_arbitration"],
        "wage_arrears_exempt": True,
        "remind_days_before": [60, 30, 7],
        "consequence": "届满前应申请仲裁或再次主张权利。",
    },
    {
        "code": "limitation.wages_after_exit",
        "name": "拖欠劳动报酬的仲裁时效（离职后一年）",
        "worker_text": "劳动关系终止后，追讨拖欠工资应在离职之日起一年内申请仲裁",
        "source": "劳动争议调解仲裁法第二十七条第四款",
        "source_status": "verified",
        "trigger": "employment_ended_on",
        "period_years": 1,
        "categories": ["wages"],
        "active_states": BEFORE_AGREEMENT,
        "met_by": ["refer_to_arbitration"],
        "remind_days_before": [60, 30, 7],
        "consequence": "在职期间拖欠劳动报酬不受一年时效限制。",
    },
    {
        "code": "mediation.arb_unlock",
        "name": "调解期限（十五日）",
        "worker_text": "调解组织受理后十五日内未达成协议的，您可以申请劳动仲裁",
        "source": "劳动争议调解仲裁法第十四条第三款",
        "source_status": "verified",
        "trigger": "accept",
        "period_days": 15,
        "active_states": ["accepted", "in_mediation"],
        "met_by": ["record_agreement", "record_failure", "refer_to_arbitration"],
        "remind_days_before": [5, 1],
        "consequence": "期满未达成调解协议的，当事人可以依法申请仲裁。",
    },
    {
        "code": "agreement.arb_review_window",
        "name": "申请仲裁审查确认期限（十五日）",
        "worker_text": "调解协议生效后十五日内，双方可以共同申请仲裁审查确认",
        "source": "劳动人事争议仲裁办案规则第七十四条",
        "source_status": "secondary",
        "trigger": "record_agreement",
        "period_days": 15,
        "active_states": ["agreement_reached"],
        "met_by": ["request_confirmation", "record_fulfilment"],
        "remind_days_before": [5],
        "consequence": "逾期不予受理仲裁审查确认申请，仍可申请司法确认（三十日内）或在不履行时申请仲裁。",
    },
    {
        "code": "agreement.jc_window",
        "name": "申请司法确认期限（三十日）",
        "worker_text": "调解协议生效后三十日内，双方可以共同向人民法院申请司法确认",
        "source": "民事诉讼法第二百零五条；人民调解法第三十三条",
        "source_status": "verified",
        "trigger": "record_agreement",
        "period_days": 30,
        "active_states": ["agreement_reached"],
        "met_by": ["request_confirmation", "record_fulfilment"],
        "remind_days_before": [10],
        "consequence": "逾期不能申请司法确认。",
    },
    {
        "code": "arb.acceptance_decision",
        "name": "仲裁委决定是否受理（五日）",
        "worker_text": "仲裁委员会应在收到申请之日起五日内决定是否受理",
        "source": "劳动争议调解仲裁法第二十九条（按工作日计算依据：仲裁办案规则附则，待核实）",
        "source_status": "verified",
        "trigger": "refer_to_arbitration",
        "period_days": 5,
        "day_type": "working",
        "active_states": ["referred_to_arbitration"],
        "met_by": ["accept_arbitration", "decline_arbitration"],
        "remind_days_before": [1],
        "consequence": "逾期未作出决定或决定不予受理的，申请人可以就该劳动争议事项向人民法院提起诉讼。",
    },
    {
        "code": "arb.award",
        "name": "仲裁审理期限（四十五日）",
        "worker_text": "仲裁委员会应在受理之日起四十五日内结束仲裁，经批准可延长不超过十五日",
        "source": "劳动争议调解仲裁法第四十三条",
        "source_status": "verified",
        "trigger": "accept_arbitration",
        "period_days": 45,
        "active_states": ["arbitration_accepted"],
        "met_by": ["close_arbitration"],
        "remind_days_before": [5],
        "consequence": "逾期未作出仲裁裁决的，当事人可以就该劳动争议事项向人民法院提起诉讼。",
    },
]


def seed_rules(apps, schema_editor):
    DeadlineRule = apps.get_model("disputes", "DeadlineRule")
    for rule in RULES:
        DeadlineRule.objects.get_or_create(code=rule["code"], defaults=rule)


def append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY_SQL, params=None)


def drop_append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [("disputes", "0001_initial")]

    operations = [
        migrations.RunPython(append_only, drop_append_only),
        migrations.RunPython(seed_rules, migrations.RunPython.noop),
    ]
