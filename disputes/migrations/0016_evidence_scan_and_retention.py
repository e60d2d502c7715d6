"""Evidence gets its virus-scan status (disputes.scanning; rows already stored take the status a new file would
get now: pending when a scanner is configured, so the sweeper scans them, else not scanned), and a case the
moment its people's data was anonymised (disputes.retention)."""

import disputes.scanning
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('disputes', '0015_case_history_hash_chain'),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='anonymised_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='个人信息已匿名化'),
        ),
        migrations.AddField(
            model_name='evidence',
            name='scan_signature',
            field=models.CharField(blank=True, default='', max_length=100, verbose_name='检出内容'),
        ),
        migrations.AddField(
            model_name='evidence',
            name='scan_status',
            field=models.CharField(choices=[('pending', '待病毒检查'), ('clean', '已通过病毒检查'), ('infected', '发现病毒，已隔离'), ('not_scanned', '未检查（未配置病毒扫描）')], default=disputes.scanning.initial_scan_status, max_length=16, verbose_name='病毒检查'),
        ),
        migrations.AddField(
            model_name='evidence',
            name='scanned_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='检查时间'),
        ),
    ]
