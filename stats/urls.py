from django.urls import path

from . import views

app_name = "stats"

urlpatterns = [
    path("", views.stats_page, name="page"),
    path("export.csv", views.stats_export_csv, name="export-csv"),
    path("export.xlsx", views.stats_export_xlsx, name="export-xlsx"),
]
