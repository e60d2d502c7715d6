"""Verify the hash chains of the case history (disputes.history_chain); exit status 1 when any is broken."""

from django.core.management.base import BaseCommand, CommandError

from disputes.history_chain import verify_cases


class Command(BaseCommand):
    help = "校验案件记录的哈希链（防篡改）：发现断链、被改动的记录或未入链的证据时以非零状态退出。"

    def add_arguments(self, parser):
        parser.add_argument("--case", type=int, action="append", dest="cases", help="只校验这些案件（id）")
        parser.add_argument("--batch", type=int, default=2000, help="每批读取的案件数")
        parser.add_argument("--show", type=int, default=50, help="最多列出多少处问题")

    def handle(self, *args, cases=None, batch=2000, show=50, **options):
        report = verify_cases(cases, batch=batch)
        for item in report.breaks[:show]:
            self.stderr.write(str(item))
        if len(report.breaks) > show:
            self.stderr.write(f"... and {len(report.breaks) - show} more")
        summary = (
            f"cases={report.cases} events={report.events} redacted={report.redacted} "
            f"evidence={report.evidence} breaks={len(report.breaks)}"
        )
        if not report.ok:
            broken = len({item.case_id for item in report.breaks})
            raise CommandError(f"history chain broken in {broken} case(s): {summary}", returncode=1)
        self.stdout.write(self.style.SUCCESS(f"history chain intact: {summary}"))
