"""REST API v1: each app contributes its own routes."""

from django.urls import include, path

urlpatterns = [
    path("auth/", include("organizations.api.auth_urls")),
    path("organizations/", include("organizations.api.urls")),
    path("cases/", include("disputes.api.urls")),
    path("track/", include("disputes.api.track")),
    path("intake/", include("disputes.api.intake")),
    path("", include("disputes.api.urgent")),  # cases/<id>/escalate/ and consultations/
    path("", include("disputes.api.related")),  # cases/<id>/related/ and warnings/
]
