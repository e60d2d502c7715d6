"""/knowledge/: laws, guides, the consultation assistant and the classes (public, no login)."""

from django.urls import path

from . import views

app_name = "knowledge"

urlpatterns = [
    path("", views.home, name="home"),
    path("ask/", views.ask, name="ask"),
    path("vote/", views.vote, name="vote"),
    path("a/<slug:slug>/", views.article, name="article"),
    path("classes/", views.lessons, name="lessons"),
    path("classes/<slug:slug>/", views.lesson, name="lesson"),
]
