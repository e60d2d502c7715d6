"""The admin case lists for ``make bench`` (issue 8, item 5): the real changelist ``/admin/disputes/case/``, the whole
request through Django's test client (middleware, session, scope, filters, the one capped count, the template),
for a mediator and for an official, against a stock :class:`~django.contrib.admin.ModelAdmin` on a throwaway
admin site (:mod:`bench.baseline_urls`) for the same model and the same logged-in user.

- ``admin_case_list_mediator``: ``mediator_express`` on 我的案件 (the default view), 本站案件, a status filter
  and page 2 in turn;
- ``admin_case_list_official``: ``official_hrb`` on 全部可见 (the whole city), a status filter, an industry
  filter and page 2 in turn.

The stock list gets the same query strings less the 范围 parameter it does not know. Each figure also reports
``count_queries``: how many ``COUNT`` queries over the cases one page ran (ours: at most one; the stock one counts
the filtered rows and the whole table). ``ratio`` is the stock median ÷ ours.
"""

from __future__ import annotations

import re
from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

if TYPE_CHECKING:
    from bench.figures import Context

OURS = "/admin/disputes/case/"
STOCK = "/bench/stock-admin/disputes/case/"
BASELINE_SAMPLES = 20
# A count of cases (the page's own; the admin header's unread-notification count is not one).
COUNT = re.compile(r"\bCOUNT\(.*\bFROM \(?(SELECT .*)?\"disputes_case\"", re.IGNORECASE | re.DOTALL)

MEDIATOR_VIEWS = ({}, {"scope": "station"}, {"status": "in_mediation"}, {"p": "2"})
OFFICIAL_VIEWS = ({}, {"status": "closed"}, {"industry": "food_delivery"}, {"p": "2"})


def _bench():
    from bench import figures

    return figures


def _client(username: str) -> Client:
    User = get_user_model()
    try:
        user = User.objects.get(username=username)
    except User.DoesNotExist:
        raise _bench().Skip(f"no user {username}") from None
    client = Client()
    client.force_login(user)
    _second_factor_verified(client, user)
    return client


def _second_factor_verified(client: Client, user) -> None:
    """Mark the session as having passed the second factor (django-otp, when installed), as staff signing in
    do before the admin answers them: the figure times the case list, not the sign-in."""
    from django.apps import apps

    if not apps.is_installed("django_otp.plugins.otp_static"):
        return
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_static.models import StaticDevice

    device, _created = StaticDevice.objects.get_or_create(
        user=user, name="make bench", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def _get(client: Client, url: str, params: dict):
    response = client.get(url, params)
    if response.status_code != 200:
        raise RuntimeError(f"{url}?{params} answered {response.status_code}")
    return response


def _stock_params(params: dict) -> dict:
    return {k: v for k, v in params.items() if k != "scope"}


def _counts(client: Client, url: str, params: dict) -> tuple[int, int]:
    """How many queries one page ran, and how many of them were counts."""
    with CaptureQueriesContext(connection) as ctx:
        _get(client, url, params)
    return len(ctx.captured_queries), sum(1 for q in ctx.captured_queries if COUNT.search(q["sql"]))


def _measure(ctx: Context, username: str, views: tuple[dict, ...]) -> dict:
    figures = _bench()
    # The test client's host name, "testserver", is allowed as a test run would allow it.
    hosts = [*settings.ALLOWED_HOSTS, "testserver"]
    with override_settings(ROOT_URLCONF="bench.baseline_urls", DEBUG=False, ALLOWED_HOSTS=hosts):
        client = _client(username)
        ours_params = [views[i % len(views)] for i in range(ctx.iterations)]
        stock_params = [_stock_params(views[i % len(views)]) for i in range(BASELINE_SAMPLES)]
        samples = figures.timed([partial(_get, client, OURS, p) for p in ours_params])
        stock_calls = [partial(_get, client, STOCK, p) for p in stock_params]
        base = figures.summarize(figures.timed(stock_calls, warmup=2))
        queries, counts = zip(*(_counts(client, OURS, p) for p in views), strict=True)
        stock_queries, stock_counts = zip(
            *(_counts(client, STOCK, _stock_params(p)) for p in views), strict=True
        )
        first = _get(client, OURS, views[0])
        count_display = first.context_data["cl"].paginator.count_display if first.context_data else ""
    result = {
        **figures.summarize(samples),
        "user": username,
        "function": "disputes.admin.CaseAdmin.changelist_view",
        "views": [v or {"": "default"} for v in views],
        "count_queries": max(counts),
        "queries_per_page": max(queries),
        "count_shown": count_display,
        "baseline_median_ms": base["median_ms"],
        "baseline_p95_ms": base["p95_ms"],
        "baseline_samples": base["samples"],
        "baseline_count_queries": max(stock_counts),
        "baseline_queries_per_page": max(stock_queries),
        "baseline": "stock ModelAdmin on a throwaway AdminSite (bench/baseline_urls.py), same user",
    }
    result["ratio"] = round(result["baseline_median_ms"] / max(result["median_ms"], 1e-6), 1)
    return result


def admin_case_list_mediator(ctx: Context) -> dict:
    return _measure(ctx, "mediator_express", MEDIATOR_VIEWS)


def admin_case_list_official(ctx: Context) -> dict:
    return _measure(ctx, "official_hrb", OFFICIAL_VIEWS)


FIGURES = {
    "admin_case_list_mediator": admin_case_list_mediator,
    "admin_case_list_official": admin_case_list_official,
}
