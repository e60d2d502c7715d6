"""Public pages for workers: the claim form, its confirmation, and the tracking page (SPEC.md: /intake/, /track/)."""

from django.urls import path

from . import verify_views, views

app_name = "disputes"

urlpatterns = [
    path("intake/", views.intake, name="intake"),
    path("intake/s/<slug:org_code>/", views.intake, name="intake-station"),
    path("intake/done/", views.intake_done, name="intake-done"),
    path("track/", views.track, name="track"),
    path("track/evidence/", views.track_evidence, name="track-evidence"),
    path("track/withdraw/", views.track_withdraw, name="track-withdraw"),
    path("track/arbitration/", views.track_arbitration, name="track-arbitration"),
    path("track/exit/", views.track_exit, name="track-exit"),
    path("verify/", verify_views.verify, name="verify"),
]
