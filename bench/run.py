"""``make bench``: build a dedicated PostgreSQL database, load synthetic cases, measure, write the report.

    python -m bench.run [--cases N] [--database-url postgres://…/onestop_bench] [--out bench]

Steps: (1) drop and re-create the benchmark database — only a database whose name starts with
``onestop_bench`` and that this script created (it leaves a comment on it), never another; (2) migrate; (3) load
``N`` cases with ``generate_cases`` in bulk mode and time it; (4) VACUUM ANALYZE the case tables; (5) run each
figure of :mod:`bench.figures`; (6) write ``report.json`` (machine-readable, the shape other tools read) and
``report.md`` (with the query plans). :func:`run_benchmarks` does (3) to (6) on whatever database Django is
configured with, which is what the smoke test calls.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/onestop_bench"
MARKER = "OneStop benchmark database (make bench); dropped and re-created by every run"
ROOT = Path(__file__).resolve().parent.parent


# --- The database ------------------------------------------------------------------------------------------
def database_recreate(url: str) -> None:
    """Drop (if this script made it) and create the database named in ``url``."""
    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.startswith("onestop_bench"):
        raise SystemExit(
            f"refusing to use database {name!r}: the benchmark's name must start with onestop_bench"
        )
    admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name]
            )
            row = cursor.fetchone()
            if row is not None:
                if row[0] != MARKER:
                    raise SystemExit(
                        f"refusing to drop database {name!r}: it was not created by make bench (no marker comment)"
                    )
                cursor.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(name)))
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            cursor.execute(sql.SQL("COMMENT ON DATABASE {} IS %s").format(sql.Identifier(name)), [MARKER])
    finally:
        admin.close()


def _git_commit() -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],  # noqa: S607 (git from PATH, as make does)
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
        return commit + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _pg_version(connection) -> str | None:
    version = getattr(connection, "pg_version", None)  # 150020 → "15.20"
    return f"{version // 10000}.{version % 10000}" if version else None


# --- The run ------------------------------------------------------------------------------------------------
def run_benchmarks(
    *,
    cases: int,
    out_dir: Path,
    generate: bool = True,
    seed: int = 2026,
    iterations: int | None = None,
    handoffs: int = 0,
    intake: bool = False,
    log=print,
) -> dict:
    """Load ``cases`` synthetic cases (unless ``generate`` is false), measure every figure, write the report
    to ``out_dir``, and return it. Runs on Django's configured database. ``handoffs`` > 0 also measures the
    handoff outbox with real workers (:mod:`bench.handoffs`; needs committed data, so not inside a test's
    transaction); so does ``intake`` for ``intake_post`` (gunicorn and a load generator: :mod:`bench.intake_load`)."""
    from django.db import connection

    from bench import figures
    from bench import handoffs as bench_handoffs
    from disputes import synthetic

    report: dict = {
        "cases": cases,
        "commit": _git_commit(),
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "postgresql": _pg_version(connection),
        },
        "steps": {},
        "figures": {},
        "skipped": {},
    }
    if generate:
        log(f"Loading {cases:,} cases with generate_cases (bulk COPY)…")
        result = synthetic.generate_cases(
            count=cases,
            seed=seed,
            bulk=True,
            progress=lambda done, total: log(f"  {done:,}/{total:,}") if done % 200_000 == 0 else None,
        )
        report["figures"]["generate_cases"] = {
            "rows_per_s": round(result.rows_per_s),
            "cases_per_s": round(result.cases_per_s),
            "copy_rows_per_s": round(result.rows / max(result.load_seconds - result.index_seconds, 1e-9)),
            "rows": result.rows,
            "claims": result.claims,
            "events": result.events,
            "workers": result.workers,
            "employers": result.employers,
            "seconds": round(result.seconds, 1),
            "prepare_seconds": round(result.prepare_seconds, 1),
            "load_seconds": round(result.load_seconds, 1),
            "index_rebuild_seconds": round(result.index_seconds, 1),
            "slowest_rebuilds": [
                {"statement": statement, "seconds": round(seconds, 2)}
                for statement, seconds in sorted(result.index_timings, key=lambda x: -x[1])[:8]
            ],
        }
        if result.mediation is not None:
            report["figures"]["generate_cases"].update(
                agreements=result.mediation.agreements,
                instalments=result.mediation.instalments,
                payments=result.mediation.payments,
                agreements_seconds=round(result.mediation.seconds, 1),
            )
        log(
            f"  {result.rows:,} rows in {result.load_seconds:.1f} s: {result.rows_per_s:,.0f} rows/s, "
            f"{result.cases_per_s:,.0f} cases/s (index rebuild {result.index_seconds:.1f} s)"
        )
    started = time.monotonic()
    tables = ["disputes_case", "disputes_claim", "disputes_caseevent"]
    with connection.cursor() as cursor:
        if connection.in_atomic_block:  # a test: VACUUM cannot run in a transaction
            for table in tables:
                cursor.execute(f"ANALYZE {table}")
        else:
            cursor.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")
        cursor.execute("SELECT COUNT(*) FROM disputes_case")
        (report["cases_in_database"],) = cursor.fetchone()
    report["steps"]["vacuum_analyze_seconds"] = round(time.monotonic() - started, 1)

    ctx = figures.Context(cases=cases, seed=seed, iterations=iterations or figures.ITERATIONS)
    # The summary tables, built once from the loaded rows (they were copied past the services that keep them
    # current), as generate_cases's command does after a load; timed as a step of its own.
    from bench import stats_figures

    log("Rebuilding the statistics' summary tables (stats_rebuild)…")
    started = time.monotonic()
    try:
        stats_figures.summary_tables_build(ctx)
        report["steps"]["stats_rebuild_seconds"] = round(time.monotonic() - started, 1)
        log(f"  {report['steps']['stats_rebuild_seconds']} s")
    except figures.Skip as exc:
        log(f"  skipped: {exc}")
    for name, figure in figures.FIGURES.items():
        log(f"Measuring {name}…")
        try:
            report["figures"][name] = figure(ctx)
        except figures.Skip as exc:
            report["skipped"][name] = str(exc)
        except Exception as exc:  # a broken figure is reported, the others still run
            report["skipped"][name] = f"error: {exc.__class__.__name__}: {exc}"
            log(traceback.format_exc())
        if name in report["figures"]:
            f = report["figures"][name]
            log(f"  median {f.get('median_ms')} ms, p95 {f.get('p95_ms')} ms")
    if intake:
        from bench import intake_load

        log("Measuring intake_post (gunicorn, 2 sync workers)…")
        try:
            report["figures"].update(intake_load.measure(log=log))
            f = report["figures"]["intake_post"]
            log(
                f"  {f['rps']} claims/s vs {f['baseline_rps']} bare (ratio {f['ratio']}), p99 {f['p99_ms']} ms"
            )
        except intake_load.Unavailable as exc:
            report["skipped"]["intake_post"] = str(exc)
        except Exception as exc:  # reported, like a broken figure
            report["skipped"]["intake_post"] = f"error: {exc.__class__.__name__}: {str(exc)[-500:]}"
            log(traceback.format_exc())
    if handoffs > 0:
        log(f"Measuring handoff_throughput and handoff_latency ({handoffs:,} handoffs, 2 workers)…")
        try:
            report["figures"].update(bench_handoffs.measure(count=handoffs, log=log))
        except bench_handoffs.Unavailable as exc:
            report["skipped"]["handoff_throughput"] = report["skipped"]["handoff_latency"] = str(exc)
        except Exception as exc:  # reported, like a broken figure
            reason = f"error: {exc.__class__.__name__}: {str(exc)[-500:]}"
            report["skipped"]["handoff_throughput"] = report["skipped"]["handoff_latency"] = reason
            log(traceback.format_exc())
    try:  # the consultation assistant's retrieval quality on the held-out questions, and search latency
        from bench.knowledge_figures import consult_figures

        report["figures"].update(consult_figures())
    except Exception as exc:  # reported, like a broken figure
        report["skipped"]["consult_recall_at_3"] = f"error: {exc.__class__.__name__}: {str(exc)[-500:]}"
    write_report(report, out_dir)
    return report


# --- The report ---------------------------------------------------------------------------------------------
def write_report(report: dict, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    (out_dir / "report.md").write_text(report_markdown(report))


def report_markdown(report: dict) -> str:
    figures = report["figures"]
    lines = [
        "# OneStop benchmark",
        "",
        f"{report['cases_in_database']:,} cases in PostgreSQL {report['machine']['postgresql']}, "
        f"{report['machine']['cpus']} CPUs; commit `{report['commit']}`, {report['generated_at']}. "
        "Medians and p95 from this one run; `bench/README.md` says what each figure measures.",
        "",
    ]
    load = figures.get("generate_cases")
    if load:
        lines += [
            "## Loading (`generate_cases`, bulk COPY)",
            "",
            "| rows | rows/s | cases/s | rows/s while copying | load s | of which index rebuild s |",
            "| ---: | ---: | ---: | ---: | ---: | ---: |",
            f"| {load['rows']:,} | {load['rows_per_s']:,} | {load['cases_per_s']:,} | {load['copy_rows_per_s']:,} "
            f"| {load['load_seconds']} | {load['index_rebuild_seconds']} |",
            "",
            f"{report['cases']:,} cases, {load['claims']:,} claims, {load['events']:,} history events; "
            f"{load['workers']:,} distinct workers, {load['employers']:,} employers"
            + (
                f"; {load['agreements']:,} agreements with {load['instalments']:,} instalments and "
                f"{load['payments']:,} payments, written from the loaded cases in {load['agreements_seconds']} s "
                "of the load"
                if "agreements" in load
                else ""
            )
            + (
                f". The statistics' summary tables were then rebuilt in {report['steps']['stats_rebuild_seconds']} s"
                if "stats_rebuild_seconds" in report.get("steps", {})
                else ""
            )
            + ". Slowest rebuilds:",
            "",
        ]
        lines += [f"- {r['seconds']} s `{r['statement']}`" for r in load["slowest_rebuilds"]]
        lines.append("")
    lines += [
        "## Latencies",
        "",
        "| figure | measured | median ms | p95 ms | max ms | n | seq scan |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, f in figures.items():
        if "median_ms" not in f or name in HANDOFF_FIGURES:
            continue
        what = f.get("function") or f.get("user", "")
        scan = {True: "**yes**", False: "no"}.get(f.get("seq_scan"), "")
        lines.append(
            f"| {name} | `{what}` | {f['median_ms']} | {f['p95_ms']} | {f['max_ms']} | {f['samples']} | {scan} |"
        )
        sub = f.get("related_candidates")
        if sub:
            scan = {True: "**yes**", False: "no"}.get(sub.get("seq_scan"), "")
            lines.append(
                f"| {name} (staff side) | `{sub['function']}` | {sub['median_ms']} | {sub['p95_ms']} "
                f"| {sub['max_ms']} | {sub['samples']} | {scan} |"
            )
    lines.append("")
    if report["skipped"]:
        lines += ["Not measured:", ""]
        lines += [f"- {name}: {why}" for name, why in report["skipped"].items()]
        lines.append("")
    triage = figures.get("triage")
    if triage:
        lines += [
            f"Triage measured `{triage['function']}` ({triage['queries']} queries per case, "
            f"{triage.get('active_rules', 0)} active routing rules"
            + (
                ", the demo city's, added for the run and rolled back"
                if triage.get("rules_added_by_bench")
                else ""
            )
            + "); outcomes: "
            + ", ".join(f"{k} {v}" for k, v in triage["outcome"].items())
            + ".",
            "",
        ]
    lines += _baselines_markdown(figures)
    lines += _intake_markdown(figures)
    lines += _handoffs_markdown(figures)
    lines += ["## Query plans (EXPLAIN (ANALYZE, BUFFERS))", ""]
    for name, f in figures.items():
        for label, item in ((name, f), (f"{name} (staff side)", f.get("related_candidates") or {})):
            if item.get("plan"):
                lines += [f"### {label}", "", "```", item["plan"], "```", ""]
    return "\n".join(lines)


HANDOFF_FIGURES = ("handoff_throughput", "handoff_latency")
BASELINE_FIGURES = ("stats_summary", "stats_series", "admin_case_list_mediator", "admin_case_list_official")


def _baselines_markdown(figures: dict) -> list[str]:
    """Ours against the plain alternative, measured side by side in this run."""
    rows = [(name, figures[name]) for name in BASELINE_FIGURES if name in figures]
    if not rows:
        return []
    lines = [
        "## Against the plain alternative (same run)",
        "",
        "| figure | median ms | p95 ms | baseline median ms | baseline p95 ms | ratio | COUNT queries per page "
        "(ours / baseline) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, f in rows:
        counts = f"{f['count_queries']} / {f['baseline_count_queries']}" if "count_queries" in f else "–"
        lines.append(
            f"| {name} | {f['median_ms']} | {f['p95_ms']} | {f['baseline_median_ms']} | {f['baseline_p95_ms']} "
            f"| {f['ratio']} | {counts} |"
        )
    lines += [
        "",
        "Baselines: the stats figures against the same filters as an ORM aggregate / `GROUP BY` over "
        "`disputes_case`; the admin lists against a stock `ModelAdmin` on a throwaway admin site "
        "(`bench/baseline_urls.py`), same user, same query strings. `ratio` = baseline median ÷ ours.",
        "",
    ]
    rebuild = (figures.get("stats_summary") or {}).get("rebuild")
    if rebuild:
        lines += [
            f"Summary tables built after the load (`stats_rebuild`): {rebuild['seconds']} s "
            f"({rebuild['snapshots_seconds']} s snapshots, {rebuild['tables_seconds']} s tables), "
            f"{rebuild['summary_rows']:,} summary rows.",
            "",
        ]
    return lines


def _intake_markdown(figures: dict) -> list[str]:
    f = figures.get("intake_post")
    if not f:
        return []
    lat = f["latency_at_half_load"]
    sat, base = f["saturation"], f["baseline_saturation"]
    lines = [
        "## Intake (`bench/intake_load.py`)",
        "",
        f"{f['server']}; throttle {f['throttle']}. Goals: ratio at least {f['goals']['ratio']}, p99 at half "
        f"load under {f['goals']['p99_ms']} ms."
        + (
            f" Every claim is routed: {f['active_rules']} active routing rules"
            + (" (the demo city's, added for the run)." if f.get("rules_added_by_bench") else ".")
            if f.get("active_rules")
            else " No routing rule is active: claims stay with the intake desk."
        ),
        "",
        "| endpoint | claims/s (2xx) | requests | failed | load generator |",
        "| --- | ---: | ---: | ---: | --- |",
        f"| `POST /api/v1/intake/` | {f['rps']} | {sat['requests']:,} | {sat['failed']} | {sat['load_generator']} |",
        f"| bare DRF create (baseline) | {f['baseline_rps']} | {base['requests']:,} | {base['failed']} "
        f"| {base['load_generator']} |",
    ]
    nopersist = f.get("without_persistent_connections")
    if nopersist:
        s = nopersist["saturation"]
        lines.append(
            f"| `POST /api/v1/intake/`, CONN_MAX_AGE=0 | {nopersist['rps']} | {s['requests']:,} | {s['failed']} "
            f"| {s['load_generator']} |"
        )
    lines += [
        "",
        f"Ratio {f['ratio']}. At {lat['rate_per_s']} claims/s (half our saturation, open loop, {lat['samples']:,} "
        f"requests): median {lat['median_ms']} ms, p95 {lat['p95_ms']} ms, **p99 {lat['p99_ms']} ms**, max "
        f"{lat['max_ms']} ms, {lat['failed']} failed."
        + (
            f" 1-minute load average {f['load_average'][0]} before and {f['load_average'][1]} after "
            f"on {f.get('cpus', '?')} CPUs."
            if f.get("load_average")
            else ""
        ),
        "",
    ]
    return lines


def _handoffs_markdown(figures: dict) -> list[str]:
    throughput, latency = figures.get("handoff_throughput"), figures.get("handoff_latency")
    if not throughput or not latency:
        return []
    lines = [
        "## Handoffs (`bench/handoffs.py`)",
        "",
        f"{throughput['workers']}, {throughput['channel']} deliveries; goals: at least 500 deliveries/s, "
        "p99 from commit to delivered under 2 s.",
        "",
        "| workers | deliveries/s | messages/s | trivial Celery tasks/s | latency median ms | p95 ms | p99 ms "
        "| max ms | at handoffs/s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| as deployed (connections kept, batches of {throughput.get('batch_size', '?')}) "
        f"| {throughput['per_s']:,} | {throughput.get('messages_per_s', '–')} "
        f"| {throughput.get('baseline_trivial_per_s') or '–'} | {latency['median_ms']} | {latency['p95_ms']} "
        f"| {latency['p99_ms']} | {latency['max_ms']} | {latency['rate_per_s']} |",
    ]
    lines += [
        "",
        f"Throughput: {throughput['deliveries']:,} deliveries queued (one message each) before the workers "
        "start, timed from the first message received to the last `delivered_at`; messages/s: until every "
        "message was consumed. Latency: "
        f"{latency['samples']:,} handoffs made one at a time by `{latency['function']}` (target "
        f"{latency['target_rate_per_s']:g}/s), commit to `delivered_at`."
        + (
            f" Measured {throughput['measured_at']}, 1-minute load average {throughput['load_average'][0]} "
            f"before and {throughput['load_average'][1]} after on {throughput.get('cpus', '?')} CPUs."
            if throughput.get("load_average")
            else ""
        ),
        "",
    ]
    return lines


# --- The command line -----------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=int(os.environ.get("BENCH_CASES", 1_000_000)))
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--out", type=Path, default=ROOT / "bench")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--intake",
        type=int,
        default=int(os.environ.get("BENCH_INTAKE", 1)),
        help="1: measure intake_post under gunicorn with a load generator (0: not measured)",
    )
    parser.add_argument(
        "--handoffs",
        type=int,
        default=int(os.environ.get("BENCH_HANDOFFS", 5000)),
        help="handoffs delivered by two workers for handoff_throughput (0: not measured)",
    )
    args = parser.parse_args(argv)

    started = time.monotonic()
    print(f"Re-creating {urlsplit(args.database_url).path.lstrip('/')}…", flush=True)
    database_recreate(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ.setdefault("DEBUG", "0")  # no query log in memory
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    print("Migrating…", flush=True)
    call_command("migrate", interactive=False, verbosity=0, run_syncdb=True)
    report = run_benchmarks(
        cases=args.cases,
        out_dir=args.out,
        seed=args.seed,
        handoffs=args.handoffs,
        intake=bool(args.intake),
        log=lambda m: print(m, flush=True),
    )
    report["steps"]["total_seconds"] = round(time.monotonic() - started, 1)
    write_report(report, args.out)
    print(
        f"Wrote {args.out / 'report.json'} and {args.out / 'report.md'} ({report['steps']['total_seconds']} s)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
