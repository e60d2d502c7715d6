from django.urls import path

from . import views

urlpatterns = [
    path("summary/", views.StatsSummaryApi.as_view(), name="stats-summary"),
    path("series/<str:dimension>/", views.StatsSeriesApi.as_view(), name="stats-series"),
    path("definitions/", views.StatsDefinitionsApi.as_view(), name="stats-definitions"),
]
