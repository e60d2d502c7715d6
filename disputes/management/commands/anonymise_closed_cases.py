"""Anonymise the finished cases whose retention period (settings.CASE_RETENTION_DAYS) ran out (disputes.retention)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from disputes.retention import cases_anonymise_expired, cases_due_for_anonymisation


class Command(BaseCommand):
    help = "对办结超过保存期限（CASE_RETENTION_DAYS）的案件进行个人信息匿名化；统计数字保持不变。"

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只统计到期案件数，不做修改")
        parser.add_argument("--limit", type=int, default=None, help="本次最多处理多少个案件")

    def handle(self, *args, dry_run=False, limit=None, **options):
        if not settings.CASE_RETENTION_DAYS:
            self.stdout.write("retention is off (CASE_RETENTION_DAYS=0)")
            return
        if dry_run:
            self.stdout.write(f"due={cases_due_for_anonymisation().count()}")
            return
        result = cases_anonymise_expired(limit=limit)
        self.stdout.write(
            self.style.SUCCESS(
                f"anonymised={result.anonymised} files_deleted={result.files_deleted} "
                f"events_redacted={result.events_redacted}"
            )
        )
