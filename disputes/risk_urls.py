"""The public risk-report page, mounted at ``/report-risk/`` (config/urls.py)."""

from django.urls import path

from . import risk_views

urlpatterns = [
    path("", risk_views.risk_report_new, name="risk_report_new"),
    path("done/", risk_views.risk_report_done, name="risk_report_done"),
]
