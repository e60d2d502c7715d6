"""The worker's mediation actions, under /track/agreement/ (the case is the one opened in the session)."""

from django.urls import path

from . import views

app_name = "mediation"

urlpatterns = [
    path("track/agreement/pdf/", views.agreement_pdf, name="track-agreement-pdf"),
    path("track/agreement/sign/", views.agreement_sign, name="track-agreement-sign"),
    path("track/agreement/remedy/", views.agreement_remedy, name="track-agreement-remedy"),
    path("track/agreement/satisfaction/", views.satisfaction, name="track-satisfaction"),
    path("track/agreement/reopen/", views.reopen, name="track-reopen"),
]
