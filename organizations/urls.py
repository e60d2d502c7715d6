"""Public pages of the directory, mounted at ``/o/`` (config/urls.py)."""

from django.urls import path

from . import views

app_name = "organizations"

urlpatterns = [
    path("<slug:code>/", views.organization_page, name="page"),
    path("<slug:code>/poster.pdf", views.poster_pdf, name="poster_pdf"),
    path("<slug:code>/poster.png", views.poster_png, name="poster_png"),
    path("<slug:code>/poster.svg", views.poster_svg, name="poster_svg"),
]
