"""Payment proofs get the evidence quarantine (mediation.scanning). Proofs already stored take the status a new one
would get now: pending when a scanner is configured (the sweeper scans them), else not scanned."""

import disputes.scanning
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('mediation', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='payment',
            name='proof_scan_signature',
            field=models.CharField(blank=True, default='', max_length=100, verbose_name='检出内容'),
        ),
        migrations.AddField(
            model_name='payment',
            name='proof_scan_status',
            field=models.CharField(choices=[('pending', '待病毒检查'), ('clean', '已通过病毒检查'), ('infected', '发现病毒，已隔离'), ('not_scanned', '未检查（未配置病毒扫描）')], default=disputes.scanning.initial_scan_status, max_length=16, verbose_name='病毒检查'),
        ),
        migrations.AddField(
            model_name='payment',
            name='proof_scanned_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='检查时间'),
        ),
    ]
