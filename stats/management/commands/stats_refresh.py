from django.core.management.base import BaseCommand

from stats.services import stats_rebuild, stats_refresh_recent


class Command(BaseCommand):
    help = (
        "Bring the statistics' summary tables up to date. Without options: recompute the cases changed since the "
        "last run and any case without a snapshot (what the beat task does every few minutes). With --full: "
        "recompute every case and rebuild the tables from scratch (after generate_cases or an import that "
        "bypassed the services, or after editing a deadline rule's stages); case changes wait for the final "
        "step, readers do not. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="recompute everything and rebuild the tables")

    def handle(self, *args, full, verbosity, **options):
        if full:
            progress = None
            if verbosity > 1:
                progress = lambda done: self.stdout.write(f"  {done:,} 件")  # noqa: E731
            result = stats_rebuild(progress=progress)
            self.stdout.write(
                self.style.SUCCESS(
                    f"统计汇总表已重建：{result.cases:,} 件案件，{result.cells:,} 行汇总；"
                    f"快照 {result.snapshots_seconds:.1f} 秒，汇总表 {result.tables_seconds:.1f} 秒。"
                )
            )
            return
        result = stats_refresh_recent()
        self.stdout.write(
            self.style.SUCCESS(
                f"统计已更新：近期变动 {result.recent:,} 件，补算 {result.missing:,} 件，"
                f"清除 {result.orphans:,} 件，实际变化 {result.changed:,} 件（{result.seconds:.1f} 秒）。"
            )
        )
