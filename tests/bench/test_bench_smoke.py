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
    assert saved["skipped"] == {}
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
    assert figures["triage"]["function"]

    markdown = (tmp_path / "report.md").read_text()
    assert markdown == report_markdown(saved)
    assert "EXPLAIN (ANALYZE, BUFFERS)" in markdown and "related_cases" in markdown


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
    for run in (throughput, throughput["reusing_connections"]):
        assert run["deliveries"] == 30 and run["deliveries_per_s"] > 0 and run["attempts"] == [1]
    assert throughput["baseline_trivial_per_s"] > 0
    for run in (latency, latency["reusing_connections"]):
        assert run["samples"] == 10
        assert 0 < run["median_ms"] <= run["p95_ms"] <= run["p99_ms"] <= run["max_ms"]
    deliveries = HandoffDelivery.objects.all()
    assert deliveries.count() == 2 * (30 + 10)
    assert set(deliveries.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}
    # The inbox's messages: one per handoff and staff member of the commission, never two.
    receiver = synthetic.directory_ensure().orgs[bench_handoffs.RECEIVER]
    staff = receiver.memberships.filter(user__is_active=True).values("user").distinct().count()
    assert staff >= 1
    assert Notification.objects.filter(idempotency_key__startswith="handoff:").count() == 80 * staff

    report = {
        "cases_in_database": 20,
        "machine": {"cpus": 2, "postgresql": "15"},
        "commit": "test",
        "generated_at": "now",
        "figures": json.loads(json.dumps(figures)),
        "skipped": {},
    }
    markdown = report_markdown(report)
    assert "## Handoffs" in markdown and f"| {throughput['deliveries_per_s']:,} |" in markdown
