"""/api/v1/arbitration/…: the commission's and the court's queues and decisions, and the documents they issue."""

from django.urls import path

from . import views

urlpatterns = [
    path("reviews/", views.ReviewQueueListApi.as_view(), name="api-arbitration-reviews"),
    path(
        "reviews/<int:case_id>/approve/",
        views.ReviewApproveApi.as_view(),
        name="api-arbitration-review-approve",
    ),
    path(
        "reviews/<int:case_id>/refuse/", views.ReviewRefuseApi.as_view(), name="api-arbitration-review-refuse"
    ),
    path("cases/", views.ArbitrationQueueListApi.as_view(), name="api-arbitration-cases"),
    path("cases/<int:case_id>/accept/", views.ArbitrationAcceptApi.as_view(), name="api-arbitration-accept"),
    path(
        "cases/<int:case_id>/decline/", views.ArbitrationDeclineApi.as_view(), name="api-arbitration-decline"
    ),
    path("cases/<int:case_id>/hearings/", views.HearingCreateApi.as_view(), name="api-arbitration-hearings"),
    path("cases/<int:case_id>/award/", views.AwardCreateApi.as_view(), name="api-arbitration-award"),
    path("cases/<int:case_id>/close/", views.ArbitrationCloseApi.as_view(), name="api-arbitration-close"),
    path(
        "cases/<int:case_id>/documents/",
        views.CaseDocumentListApi.as_view(),
        name="api-arbitration-documents",
    ),
    path("confirmations/", views.ConfirmationQueueListApi.as_view(), name="api-court-confirmations"),
    path(
        "confirmations/<int:case_id>/confirm/",
        views.ConfirmationConfirmApi.as_view(),
        name="api-court-confirmation-confirm",
    ),
    path(
        "confirmations/<int:case_id>/refuse/",
        views.ConfirmationRefuseApi.as_view(),
        name="api-court-confirmation-refuse",
    ),
    path("enforcements/", views.EnforcementQueueListApi.as_view(), name="api-court-enforcements"),
    path(
        "enforcements/<int:case_id>/register/",
        views.EnforcementRegisterApi.as_view(),
        name="api-court-enforcement-register",
    ),
    path(
        "enforcements/<int:case_id>/recoveries/",
        views.RecoveryCreateApi.as_view(),
        name="api-court-enforcement-recoveries",
    ),
    path(
        "enforcements/<int:case_id>/end/", views.EnforcementEndApi.as_view(), name="api-court-enforcement-end"
    ),
    path(
        "legal-aid/<int:case_id>/enforcement/",
        views.LegalAidEnforcementApplyApi.as_view(),
        name="api-legal-aid-enforcement",
    ),
    path(
        "documents/<int:document_id>/pdf/",
        views.DocumentPdfApi.as_view(),
        name="api-arbitration-document-pdf",
    ),
]
