import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from disputes import synthetic


class Command(BaseCommand):
    help = (
        "Load N synthetic cases (PostgreSQL only, with COPY) filed over the last --years years, each with its "
        "claims and a consistent history ending at its status, for load tests and benchmarks. Uses (and "
        "creates where missing) the demo directory and its staff accounts. ID numbers and phones are real "
        "Fernet tokens and keyed hashes, but encrypted once per worker of a pool (--workers) and reused: "
        "workers file several cases, which also exercises the related-case checks. Tracking codes start with "
        "L (never used by live cases); synthetic cases have no PIN and no deadlines rows. Cases whose history "
        "records an agreement get it (signed and in force), its schedule and the payment recorded. Afterwards the "
        "statistics' summary tables are rebuilt (stats_refresh --full), timed apart; --no-stats leaves that out."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True, help="how many cases to add")
        parser.add_argument("--seed", type=int, default=2026, help="random seed (same seed, same cases)")
        parser.add_argument(
            "--years",
            type=float,
            default=synthetic.DEFAULT_YEARS,
            help="filed over this many years up to now",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="distinct workers in the pool (default: count/20, between 1,000 and 50,000)",
        )
        parser.add_argument(
            "--batch-size", type=int, default=synthetic.BATCH_SIZE, help="cases per COPY batch"
        )
        parser.add_argument(
            "--bulk",
            action="store_true",
            help=(
                "several times faster, for a dedicated database (make bench uses it): one transaction with the "
                "case, claim and event tables locked, their plain indexes and foreign keys dropped during the "
                "load and rebuilt (and re-checked) before commit; all or nothing"
            ),
        )
        parser.add_argument(
            "--no-stats",
            action="store_true",
            help="do not rebuild the statistics' summary tables afterwards (run stats_refresh --full yourself)",
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="load even under production settings (synthetic cases mix with real ones)",
        )

    def handle(
        self, *args, count, seed, years, workers, batch_size, bulk, no_stats, allow_production, **options
    ):
        if settings.SETTINGS_MODULE.endswith(".production") and not allow_production:
            raise CommandError("拒绝在生产配置下写入合成案件。确需如此，请加 --allow-production。")
        verbose = options["verbosity"] >= 1
        started = time.monotonic()

        shown = 0

        def progress(done: int, total: int) -> None:
            nonlocal shown
            if verbose and total > synthetic.PROGRESS_EVERY and done - shown >= synthetic.PROGRESS_EVERY:
                shown = done
                rate = done / max(time.monotonic() - started, 1e-9)
                self.stdout.write(f"  {done:,}/{total:,} cases ({rate:,.0f}/s)")

        try:
            result = synthetic.generate_cases(
                count=count,
                seed=seed,
                years=years,
                workers=workers,
                batch_size=batch_size,
                bulk=bulk,
                progress=progress,
            )
        except synthetic.SyntheticError as exc:
            raise CommandError(str(exc)) from exc
        if verbose:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded {result.cases:,} cases, {result.claims:,} claims, {result.events:,} events "
                    f"({result.rows_per_s:,.0f} rows/s, {result.cases_per_s:,.0f} cases/s over "
                    f"{result.load_seconds:.1f} s; {result.prepare_seconds:.1f} s preparing "
                    f"{result.workers:,} workers and {result.employers:,} employers"
                    + (f"; index rebuild {result.index_seconds:.1f} s" if bulk else "")
                    + ")."
                )
            )
            m = result.mediation
            if m is not None and m.agreements:
                self.stdout.write(
                    f"  {m.agreements:,} agreements, {m.instalments:,} instalments, {m.payments:,} payments "
                    f"({m.seconds:.1f} s of the load)."
                )
        if no_stats:
            return
        # The rows were copied past the services that keep the summary tables current: rebuild them. By name, as
        # the command line would: disputes does not import the stats app.
        stats_started = time.monotonic()
        call_command("stats_refresh", full=True, verbosity=options["verbosity"], stdout=self.stdout)
        if verbose:
            self.stdout.write(f"  statistics rebuilt in {time.monotonic() - stats_started:.1f} s.")
