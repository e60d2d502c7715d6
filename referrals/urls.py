"""The worker's pages for legal aid, re-employment, counselling and check-ins, beside /track/ (referrals.views)."""

from django.urls import path

from . import views

app_name = "referrals"

urlpatterns = [
    path("track/legal-aid/", views.track_legal_aid, name="track-legal-aid"),
    path("track/jobs/", views.track_reemployment, name="track-reemployment"),
    path("track/counselling/", views.track_counselling, name="track-counselling"),
    path("track/check-in/", views.track_checkin, name="track-checkin"),
]
