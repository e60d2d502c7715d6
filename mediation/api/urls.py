"""Mounted at /api/v1/cases/ (config/api_urls.py): the mediation records of one case."""

from django.urls import path

from .views import (
    AgreementApi,
    AgreementEmployerSignatureApi,
    AgreementPdfApi,
    ContactCollectionApi,
    PaymentCollectionApi,
    SessionCollectionApi,
)

urlpatterns = [
    path("<int:case_id>/sessions/", SessionCollectionApi.as_view(), name="api-mediation-sessions"),
    path("<int:case_id>/contacts/", ContactCollectionApi.as_view(), name="api-mediation-contacts"),
    path("<int:case_id>/agreement/", AgreementApi.as_view(), name="api-mediation-agreement"),
    path("<int:case_id>/agreement/pdf/", AgreementPdfApi.as_view(), name="api-mediation-agreement-pdf"),
    path(
        "<int:case_id>/agreement/employer-signature/",
        AgreementEmployerSignatureApi.as_view(),
        name="api-mediation-agreement-employer-signature",
    ),
    path("<int:case_id>/payments/", PaymentCollectionApi.as_view(), name="api-mediation-payments"),
]
