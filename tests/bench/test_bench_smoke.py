"""The benchmark harness end to end on a tiny load in the test database (never onestop_bench): the report has
the shape other tools read. Benchmarks are not tests: no time is asserted."""

import json

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
    assert figures["triage"]["function"]

    markdown = (tmp_path / "report.md").read_text()
    assert markdown == report_markdown(saved)
    assert "EXPLAIN (ANALYZE, BUFFERS)" in markdown and "related_cases" in markdown
