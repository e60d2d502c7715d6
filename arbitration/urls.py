"""The worker's arbitration actions, under /track/ (the case is the one opened in the session)."""

from django.urls import path

from . import views

app_name = "arbitration"

urlpatterns = [
    path("track/enforcement/", views.track_enforcement, name="track-enforcement"),
    path("track/documents/<int:document_id>/", views.track_document, name="track-document"),
]
