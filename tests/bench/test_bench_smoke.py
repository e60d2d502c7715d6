"""The benchmark harness end to end on a tiny load in the test database (never onestop_bench): the report has
the shape other tools read. Benchmarks are not tests: no time is asserted."""

import json
import os
import shutil

import pytest

from bench.run import report_markdown, run_benchmarks

pytestmark = pytest.mark.postgres


def test_bench_harness_writes_the_report(postgres, tmp_path):
    report = run_benchmarks(cases=3_000, out_dir=tmp_path, iterations=20, log=lambda message: None)

    saved = json.loads((tmp_path / "report.json").read_text())
    assert saved == json.loads(json.dumps(report))
    assert saved["cases"] == 3_000 == saved["cases_in_database"]
    assert {"commit", "generated_at", "machine", "figures"} <= set(saved)
    figures = saved["figures"]
    # Every figure of the harness was measured; the consultation assistant's (bench/knowledge_figures.py) needs
    # its question set, which a test database may not have.
    assert set(saved["skipped"]) <= {"consult_recall_at_3"}, saved["skipped"]
    assert {"generate_cases", "related_cases", "triage", "staff_case_list_mediator"} <= set(figures)
    assert figures["generate_cases"]["rows"] > 3_000 and figures["generate_cases"]["rows_per_s"] > 0
    for name in ("related_cases", "triage", "staff_case_list_mediator", "staff_case_list_official"):
        assert {"median_ms", "p95_ms"} <= set(figures[name]), name
        assert figures[name]["samples"] == 20
    assert "disputes_case" in figures["related_cases"]["plan"]
    # The statistics (bench/stats_figures.py): built from the loaded cases, measured against a baseline.
    for name in ("stats_summary", "stats_series", "stats_page"):
        assert {"median_ms", "p95_ms"} <= set(figures[name]) and figures[name]["samples"] == 20, name
    for name in ("stats_summary", "stats_series"):
        assert figures[name]["baseline_median_ms"] > 0 and figures[name]["ratio"] > 0, name
        assert "stats_fact" in figures[name]["plan"] and figures[name]["seq_scan"] is False, name
    assert figures["stats_summary"]["rebuild"]["cases"] == 3_000
    assert saved["steps"]["stats_rebuild_seconds"] >= 0
    assert figures["triage"]["function"]
    # The load wrote agreements, instalments and payments for the cases whose history records them.
    assert figures["generate_cases"]["agreements"] > 0 and figures["generate_cases"]["payments"] > 0
    # The admin changelists (bench/admin_lists.py): the real pages answered, against a stock ModelAdmin, with at
    # most one (capped) count per page where the stock list counts twice.
    for name in ("admin_case_list_mediator", "admin_case_list_official"):
        f = figures[name]
        assert {"median_ms", "p95_ms", "baseline_median_ms", "ratio"} <= set(f), name
        assert f["samples"] == 20 and f["baseline_median_ms"] > 0 and f["ratio"] > 0, name
        assert f["count_queries"] <= 1 < f["baseline_count_queries"], name
    assert "intake_post" not in figures  # needs committed data: run by make bench, tested below

    markdown = (tmp_path / "report.md").read_text()
    assert markdown == report_markdown(saved)
    assert "EXPLAIN (ANALYZE, BUFFERS)" in markdown and "related_cases" in markdown
    assert "## Against the plain alternative" in markdown and "| admin_case_list_official |" in markdown


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_bench_intake_post_under_gunicorn(postgres):
    """intake_post end to end for two seconds a run: gunicorn on the test database, wrk (or the Python client),
    the bare baseline; real cases were filed through the API, the baseline's bare rows are gone afterwards, and
    the report renders the section."""
    from bench import intake_load
    from disputes import synthetic
    from disputes.models import Case, RoutingRule

    if not shutil.which("redis-server"):
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail("redis-server is not installed")
        pytest.skip("redis-server is not installed")
    synthetic.generate_cases(count=20)

    figures = intake_load.measure(seconds=2, log=lambda message: None)

    f = figures["intake_post"]
    assert f["rps"] > 0 and f["baseline_rps"] > 0 and f["ratio"] == round(f["rps"] / f["baseline_rps"], 2)
    assert f["saturation"]["failed"] == 0 == f["baseline_saturation"]["failed"]
    assert f["latency_at_half_load"]["failed"] == 0
    assert 0 < f["latency_at_half_load"]["median_ms"] <= f["p99_ms"] == f["latency_at_half_load"]["p99_ms"]
    assert f["without_persistent_connections"]["rps"] > 0
    filed = Case.objects.exclude(tracking_code__startswith="L")
    assert (
        filed.count() >= f["saturation"]["requests"]
        and not filed.filter(tracking_code__startswith="0").exists()
    )
    assert filed.filter(events__transition="submit").exists()  # through the services, with their history
    # Routed as deployed: the demo city's rules were active for the run (generate_cases adds none), then removed.
    assert f["active_rules"] > 0 and f["rules_added_by_bench"] is True
    assert filed.filter(events__transition="triage", status="assigned").exists()
    assert not RoutingRule.objects.exists()

    report = {
        "cases_in_database": 20,
        "machine": {"cpus": 2, "postgresql": "15"},
        "commit": "test",
        "generated_at": "now",
        "figures": json.loads(json.dumps(figures)),
        "skipped": {},
    }
    markdown = report_markdown(report)
    assert "## Intake" in markdown and f"| `POST /api/v1/intake/` | {f['rps']} |" in markdown
    assert f"Every claim is routed: {f['active_rules']} active routing rules" in markdown


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_bench_handoffs_measures_two_real_workers(postgres):
    """The handoff section end to end on a handful of handoffs: its own Redis, two workers, the figures' shape,
    every handoff delivered once; and the report renders them."""
    from bench import handoffs as bench_handoffs
    from disputes import synthetic
    from referrals.models import HandoffDelivery, Notification
    from referrals.states import DeliveryStatus

    if not shutil.which("redis-server"):
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail("redis-server is not installed")
        pytest.skip("redis-server is not installed")
    synthetic.generate_cases(count=20)

    figures = bench_handoffs.measure(
        count=30, latency_count=10, rate=20, timeout=600, log=lambda message: None
    )

    throughput, latency = figures["handoff_throughput"], figures["handoff_latency"]
    assert throughput["deliveries"] == 30 and throughput["per_s"] > 0 and throughput["attempts"] == [1]
    assert throughput["messages_per_s"] > 0 and throughput["baseline_trivial_per_s"] > 0
    assert latency["samples"] == 10
    assert 0 < latency["median_ms"] <= latency["p95_ms"] <= latency["p99_ms"] <= latency["max_ms"]
    deliveries = HandoffDelivery.objects.all()
    assert deliveries.count() == 30 + 10
    assert set(deliveries.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}
    # The inbox's messages: one per handoff and staff member of the commission, never two.
    receiver = synthetic.directory_ensure().orgs[bench_handoffs.RECEIVER]
    staff = receiver.memberships.filter(user__is_active=True).values("user").distinct().count()
    assert staff >= 1
    assert Notification.objects.filter(idempotency_key__startswith="handoff:").count() == 40 * staff

    report = {
        "cases_in_database": 20,
        "machine": {"cpus": 2, "postgresql": "15"},
        "commit": "test",
        "generated_at": "now",
        "figures": json.loads(json.dumps(figures)),
        "skipped": {},
    }
    markdown = report_markdown(report)
    assert "## Handoffs" in markdown and f"| {throughput['per_s']:,} |" in markdown
