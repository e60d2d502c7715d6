"""The statistics' figures for ``make bench`` (issue 8, item 5): how long officials wait for ``/stats/`` and the
stats API on a large database, against the straightforward alternative of grouping over the cases table.

- ``stats_summary``: the API's summary answer (filters parsed, scope read afresh as on each request, every key
  figure, the median, deadline compliance, the funnel, warnings) for a rotation of filter combinations, periods
  and users; ``baseline_*``: one ``GROUP BY``-free aggregate over ``disputes_case`` for the same filters (counts
  and sums of the case row only, fewer figures than the real answer).
- ``stats_series``: one breakdown (month, industry, station, category, channel, region, funnel) per call, same
  rotation; ``baseline_*``: the same breakdown as an ORM ``GROUP BY`` over ``disputes_case``.
- ``stats_page``: the whole ``/stats/`` page (six breakdowns, the summary, the template), rendered in process.

The generated cases are loaded by COPY, past the services, so the summary tables are built first with
``stats_rebuild`` (timed: ``rebuild`` in ``stats_summary``). ``ratio`` is baseline median ÷ median.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.test import RequestFactory
from django.utils import timezone

if TYPE_CHECKING:
    from bench.figures import Context


def _bench():
    """bench.figures (imported when measuring: it imports this module at its end to register the figures)."""
    from bench import figures

    return figures


BASELINE_SAMPLES = 20
USERS = ("official_hrb", "admin_express", "official_union")
SERIES = ("month", "industry", "station", "category", "channel", "region", "funnel")


def _combinations(today: date) -> list[dict]:
    """Filter combinations people use, over the periods they ask for: each filter alone, a few together, all of
    them; this month, last month, twelve months, this year, a whole past year, odd dates, one day, everything."""
    year = today.year
    periods = [
        {},
        {"from": today.replace(day=1).isoformat(), "to": today.isoformat()},
        {"from": (today.replace(day=1) - timedelta(days=1)).replace(day=1).isoformat(),
         "to": (today.replace(day=1) - timedelta(days=1)).isoformat()},
        {"from": date(year, 1, 1).isoformat(), "to": today.isoformat()},
        {"from": date(year - 1, 1, 1).isoformat(), "to": date(year - 1, 12, 31).isoformat()},
        {"from": date(year - 2, 3, 15).isoformat(), "to": (today - timedelta(days=40)).isoformat()},
        {"from": (today - timedelta(days=9)).isoformat(), "to": (today - timedelta(days=9)).isoformat()},
        {"from": "2000-01-01", "to": today.isoformat()},
    ]  # fmt: skip
    filters = [
        {},
        {"region": "wenzhou-lucheng"},
        {"station": "lc-express"},
        {"industry": "food_delivery"},
        {"channel": "hotline"},
        {"category": "wages"},
        {"industry": "express_delivery", "channel": "qr_web"},
        {"region": "wenzhou-ouhai", "category": "work_injury"},
        {"station": "oh-food", "industry": "food_delivery", "channel": "qr_web", "category": "overtime"},
        {"region": "wenzhou", "station": "lc-gov", "industry": "other", "channel": "walk_in",
         "category": "dismissal"},
    ]  # fmt: skip
    return [{**p, **f} for f in filters for p in periods]


def summary_tables_build(ctx: Context) -> dict:
    """Build the summary tables once for the run (the cases were loaded past the services)."""
    done = getattr(ctx, "stats_rebuild", None)
    if done is not None:
        return done
    from disputes.models import Case
    from stats.models import Fact
    from stats.services import stats_rebuild

    if not Case.objects.exists():
        raise _bench().Skip("no cases")
    result = stats_rebuild()
    ctx.stats_rebuild = {
        "seconds": round(result.seconds, 1),
        "snapshots_seconds": round(result.snapshots_seconds, 1),
        "tables_seconds": round(result.tables_seconds, 1),
        "cases": result.cases,
        "summary_rows": result.cells,
        "fact_rows": Fact.objects.count(),
    }
    return ctx.stats_rebuild


def _users() -> list:
    User = get_user_model()
    users = list(User.objects.filter(username__in=USERS).order_by("username"))
    if not users:
        raise _bench().Skip("no official or station admin (the demo directory's staff)")
    return users


def _fresh(user):
    """The per-request user: its scope is not cached yet."""
    return get_user_model().objects.get(pk=user.pk)


def _calls(ctx: Context, make) -> list:
    users = _users()
    combos = _combinations(timezone.localdate())
    calls = []
    for i in range(ctx.iterations):
        user = users[i % len(users)]
        calls.append(make(i, _params_for(user, combos[(i * 7) % len(combos)]), user))
    return calls


def _params_for(user, params: dict) -> dict:
    """``params``, less a region or station outside ``user``'s scope (which would be a 403, not a figure)."""
    from stats.selectors import stats_filters_parse, stats_scope_for

    try:
        stats_filters_parse(params=params, scope=stats_scope_for(user))
    except PermissionDenied:
        return {k: v for k, v in params.items() if k not in ("region", "station")}
    return params


def _scope_and_filters(user, params):
    from stats.selectors import stats_filters_parse, stats_scope_for

    scope = stats_scope_for(_fresh(user))
    return scope, stats_filters_parse(params=params, scope=scope)


def _baseline_cases(filters, scope):
    """The cases of ``filters`` and ``scope`` straight from ``disputes_case`` (filed in the period)."""
    from disputes.models import Case, Claim

    qs = Case.objects.filter(created_at__date__gte=filters.date_from, created_at__date__lte=filters.date_to)
    if not scope.everything:
        qs = qs.filter(Q(region_id__in=scope.region_ids) | Q(station_id__in=scope.station_ids))
    if filters.region_ids is not None:
        qs = qs.filter(region_id__in=filters.region_ids)
    if filters.station_ids is not None:
        qs = qs.filter(station_id__in=filters.station_ids)
    for name in ("industry", "channel"):
        if getattr(filters, name):
            qs = qs.filter(**{name: getattr(filters, name)})
    if filters.category:
        qs = qs.filter(pk__in=Claim.objects.filter(category=filters.category).values("case_id"))
    return qs


_BASELINE_SUMS = {
    "received": Count("pk"),
    "claimed": Sum("amount_claimed"),
    "agreed": Sum("amount_agreed"),
    "paid": Sum("amount_paid"),
    "closed": Count("pk", filter=Q(status="closed")),
    "withdrawn": Count("pk", filter=Q(status="withdrawn")),
    "rejected": Count("pk", filter=Q(status="rejected")),
}


def _fact_plan(make_call) -> str:
    sqls = _bench().captured_sql(make_call, table="stats_fact")
    return _bench().explain(sqls[0]) if sqls else ""


def stats_summary(ctx: Context) -> dict:
    """The API's summary answer for a rotation of filters, periods and users, against an aggregate over the
    cases table for the same filters."""
    from stats.report import summary_build

    rebuild = summary_tables_build(ctx)

    def make(_i, params, user):
        def call():
            scope, filters = _scope_and_filters(user, params)
            return summary_build(filters=filters, scope=scope).json()

        return call

    calls = _calls(ctx, make)
    samples = _bench().timed(calls)

    def baseline(_i, params, user):
        def call():
            scope, filters = _scope_and_filters(user, params)
            return _baseline_cases(filters, scope).aggregate(**_BASELINE_SUMS)

        return call

    base = _bench().summarize(_bench().timed(_calls(ctx, baseline)[:BASELINE_SAMPLES], warmup=2))
    plan = _fact_plan(calls[0])
    result = {
        **_bench().summarize(samples),
        "function": "stats.report.summary_build",
        "combinations": len(_combinations(timezone.localdate())),
        "baseline_median_ms": base["median_ms"],
        "baseline_p95_ms": base["p95_ms"],
        "baseline_samples": base["samples"],
        "baseline": "Case.objects.filter(period, filters, scope).aggregate(count, sums)",
        "rebuild": rebuild,
        "plan": plan,
        "seq_scan": _bench().seq_scans(plan, "disputes_case"),
    }
    result["ratio"] = round(result["baseline_median_ms"] / max(result["median_ms"], 1e-6), 1)
    return result


def stats_series(ctx: Context) -> dict:
    """One breakdown per call (every dimension in turn), against the same breakdown as an ORM GROUP BY over the
    cases table."""
    from stats.report import series_build

    summary_tables_build(ctx)

    def make(i, params, user):
        dimension = SERIES[i % len(SERIES)]

        def call():
            scope, filters = _scope_and_filters(user, params)
            return series_build(dimension=dimension, filters=filters, scope=scope).json()

        return call

    calls = _calls(ctx, make)
    samples = _bench().timed(calls)

    def baseline(i, params, user):
        dimension = SERIES[i % len(SERIES)]
        group = {"month": "month", "industry": "industry", "station": "station_id", "category": "claims__category",
                 "channel": "channel", "region": "region_id", "funnel": "status"}[dimension]  # fmt: skip

        def call():
            scope, filters = _scope_and_filters(user, params)
            qs = _baseline_cases(filters, scope)
            if dimension == "month":
                qs = qs.annotate(month=TruncMonth("created_at"))
            return list(qs.values(group).annotate(**_BASELINE_SUMS).order_by(group))

        return call

    base = _bench().summarize(_bench().timed(_calls(ctx, baseline)[:BASELINE_SAMPLES], warmup=2))
    plan = _fact_plan(calls[1])
    result = {
        **_bench().summarize(samples),
        "function": "stats.report.series_build",
        "dimensions": list(SERIES),
        "baseline_median_ms": base["median_ms"],
        "baseline_p95_ms": base["p95_ms"],
        "baseline_samples": base["samples"],
        "baseline": "Case.objects.filter(period, filters, scope).values(dimension).annotate(count, sums)",
        "plan": plan,
        "seq_scan": _bench().seq_scans(plan, "disputes_case"),
    }
    result["ratio"] = round(result["baseline_median_ms"] / max(result["median_ms"], 1e-6), 1)
    return result


def stats_page(ctx: Context) -> dict:
    """The whole /stats/ page rendered in process (no network, no static files) for the same rotation."""
    from stats.views import stats_page as view

    summary_tables_build(ctx)
    factory = RequestFactory()

    def make(_i, params, user):
        def call():
            request = factory.get("/stats/", params)
            request.user = _fresh(user)
            request.session = {}
            request._messages = []
            response = view(request)
            if response.status_code != 200:
                raise RuntimeError(f"/stats/ answered {response.status_code}")
            return response

        return call

    samples = _bench().timed(_calls(ctx, make))
    return {**_bench().summarize(samples), "function": "stats.views.stats_page"}


FIGURES = {
    "stats_summary": stats_summary,
    "stats_series": stats_series,
    "stats_page": stats_page,
}
