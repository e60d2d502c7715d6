"""Deadlines the law lets be extended: how many days at most and on what condition (on the rule), and how many
days a case's deadline was extended (on the stored deadline). Seeds the two extendable rules:

- the award period, 45 days from acceptance, extendable by at most 15 days with the commission chair's approval
  and notice to the parties (LDMAL Art. 43);
- the mediation period, 15 days from acceptance, which the 2024 notice on one-stop mediation of
  new-employment-form disputes lets be extended once by at most 15 days with both parties' consent (a secondary
  source: legal-rules.md).
"""

from django.db import migrations, models

EXTENDABLE = {
    "arb.award": (15, "经仲裁委员会主任批准，并书面通知当事人（劳动争议调解仲裁法第四十三条）"),
    "mediation.arb_unlock": (
        15,
        "经双方当事人同意，可延长一次（人力资源社会保障部等六部门2024年新就业形态劳动纠纷一站式调解工作通知）",
    ),
}


def seed(apps, schema_editor):
    DeadlineRule = apps.get_model("disputes", "DeadlineRule")
    for code, (days, basis) in EXTENDABLE.items():
        DeadlineRule.objects.filter(code=code, max_extension_days=0).update(
            max_extension_days=days, extension_basis=basis
        )


class Migration(migrations.Migration):
    dependencies = [("disputes", "0018_caseevent_chain_tail_index")]

    operations = [
        migrations.AddField(
            model_name="deadlinerule",
            name="max_extension_days",
            field=models.PositiveSmallIntegerField(
                default=0,
                db_default=0,
                help_text="法律允许延长时，届满前可延长一次，最多的天数；0 表示不能延长。",
                verbose_name="最多可延长天数",
            ),
        ),
        migrations.AddField(
            model_name="deadlinerule",
            name="extension_basis",
            field=models.CharField(
                blank=True,
                default="",
                db_default="",
                help_text="延长须满足的条件及依据，如“经仲裁委员会主任批准（劳动争议调解仲裁法第四十三条）”。",
                max_length=200,
                verbose_name="延长条件",
            ),
        ),
        migrations.AddField(
            model_name="casedeadline",
            name="extended_days",
            field=models.PositiveSmallIntegerField(
                default=0,
                db_default=0, help_text="依法延长的天数，已计入届满日。", verbose_name="已延长天数"
            ),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
