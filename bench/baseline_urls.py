"""The benchmark's baselines, served only by ``make bench`` (``ROOT_URLCONF = "bench.baseline_urls"`` in
:mod:`bench.settings`, never in production): the project's own URLs, plus

- ``/bench/stock-admin/``: a stock Django :class:`~django.contrib.admin.ModelAdmin` for ``Case`` on a throwaway
  :class:`~django.contrib.admin.AdminSite` (the stock changelist: no scope, a full count of the table twice per
  page), against which ``admin_case_list_*`` compare our changelist;
- ``/bench/baseline/cases/``: a bare DRF ``CreateAPIView`` on ``Case`` (no validation beyond the serializer's
  types, no routing, no duplicate checks, no history row, no notifications), against which ``intake_post``
  compares ``POST /api/v1/intake/``.
"""

from __future__ import annotations

import secrets

from django.contrib import admin
from django.urls import path
from rest_framework import serializers
from rest_framework.authentication import BasicAuthentication
from rest_framework.generics import CreateAPIView
from rest_framework.permissions import AllowAny

from config.urls import urlpatterns as project_urlpatterns
from disputes.models import Case
from disputes.services import TRACKING_ALPHABET

BARE_PREFIX = "0"
stock_site = admin.AdminSite(name="bench_stock")


class StockCaseAdmin(admin.ModelAdmin):
    """Stock behaviour throughout (default paginator, full result count, no scoping); only the columns, the
    page size and the order are those of ours, so both pages show the same rows' worth of work."""

    list_display = (
        "tracking_code",
        "status",
        "station",
        "worker_name",
        "employer_name",
        "amount_claimed",
        "created_at",
    )
    list_filter = ("status", "industry", "channel")
    list_select_related = ("station",)
    list_per_page = 50
    ordering = ("-created_at", "-id")


stock_site.register(Case, StockCaseAdmin)


class BareCaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Case
        fields = ("worker_name", "worker_id_number", "worker_phone", "employer_name", "industry", "facts")


class BareCaseCreateApi(CreateAPIView):
    """The plain alternative to intake: deserialize, save one row, answer its fields."""

    serializer_class = BareCaseSerializer
    permission_classes = [AllowAny]
    authentication_classes = [BasicAuthentication]  # never used: no session (and so no CSRF check)
    throttle_classes = []

    def perform_create(self, serializer):
        # The one column without a default that the bare row needs: a unique tracking code starting with "0",
        # which live codes never do (TRACKING_ALPHABET has no 0), so the bench finds and deletes these rows.
        code = BARE_PREFIX + "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(7))
        serializer.save(tracking_code=f"{code[:4]}-{code[4:]}")


urlpatterns = [
    path("bench/stock-admin/", stock_site.urls),
    path("bench/baseline/cases/", BareCaseCreateApi.as_view(), name="bench-baseline-case-create"),
    *project_urlpatterns,
]
