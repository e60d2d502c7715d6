"""Reminders, one row each (disputes.reminders): a reminder is sent once per (case, key).

The acceptance alarm used to find the day's earlier alarm among the case's history events; it is now a reminder
keyed ``acceptance_overdue:<day>``. The alarms already sent get their rows here, so none is sent twice on the day
this migration runs."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def backfill_acceptance_alarms(apps, schema_editor):
    CaseEvent = apps.get_model("disputes", "CaseEvent")
    Reminder = apps.get_model("disputes", "Reminder")
    rows = []
    seen = set()
    events = CaseEvent.objects.filter(transition="acceptance_overdue").order_by("id")
    for event in events.only("id", "case_id", "payload", "created_at").iterator():
        day = (event.payload or {}).get("day")
        key = (event.case_id, f"acceptance_overdue:{day}")
        if not day or key in seen:
            continue
        seen.add(key)
        rows.append(Reminder(case_id=event.case_id, key=key[1], event_id=event.pk, created_at=event.created_at))
    Reminder.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)


class Migration(migrations.Migration):

    dependencies = [
        ('disputes', '0010_exact_match_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='Reminder',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(help_text='提醒的对象、种类和日期，例如 deadline:mediation.arb_unlock:2026-12-01:overdue。', max_length=200, verbose_name='提醒键')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='提醒时间')),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reminders', to='disputes.case')),
                ('event', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='reminder', to='disputes.caseevent', verbose_name='案件记录')),
            ],
            options={
                'verbose_name': '提醒',
                'verbose_name_plural': '提醒',
                'constraints': [models.UniqueConstraint(fields=('case', 'key'), name='reminder_once_per_key')],
            },
        ),
        migrations.RunPython(backfill_acceptance_alarms, migrations.RunPython.noop),
    ]
