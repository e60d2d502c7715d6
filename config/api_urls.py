"""REST API v1: each app contributes its own routes."""

from django.urls import include, path

urlpatterns = [
    path("auth/", include("organizations.api.auth_urls")),
    path("organizations/", include("organizations.api.urls")),
    path("cases/", include("disputes.api.urls")),
    path("cases/", include("mediation.api.urls")),  # cases/<id>/sessions/, contacts/, agreement/, payments/
    path("track/", include("disputes.api.track")),
    path("intake/", include("disputes.api.intake")),
    path("", include("disputes.api.urgent")),  # cases/<id>/escalate/ and consultations/
    path("", include("disputes.api.related")),  # cases/<id>/related/ and warnings/
    path("handoffs/", include("referrals.api")),
    path("aftercare/", include("referrals.api_aftercare")),  # legal aid, jobs, counselling, check-ins
    path("documents/", include("disputes.api.documents")),
    path("stats/", include("stats.api.urls")),  # summary/, series/<dimension>/, definitions/
    path("arbitration/", include("arbitration.api.urls")),  # commission and court queues, decisions
    path(
        "", include("knowledge.api.urls")
    ),  # knowledge/articles/, knowledge/search/, knowledge/consult/, consult/
]
