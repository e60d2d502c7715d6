from django.urls import path

from .views import (
    ArticleDetailApi,
    ArticleListApi,
    ArticleSearchApi,
    ConsultApi,
    ConsultContractApi,
    ConsultVoteApi,
    LessonListApi,
)

urlpatterns = [
    path("knowledge/articles/", ArticleListApi.as_view(), name="api-knowledge-article-list"),
    path("knowledge/articles/<slug:slug>/", ArticleDetailApi.as_view(), name="api-knowledge-article-detail"),
    path("knowledge/search/", ArticleSearchApi.as_view(), name="api-knowledge-search"),
    path("knowledge/consult/", ConsultApi.as_view(), name="api-knowledge-consult"),
    path(
        "knowledge/consult/<uuid:consultation_id>/vote/",
        ConsultVoteApi.as_view(),
        name="api-knowledge-consult-vote",
    ),
    path("knowledge/classes/", LessonListApi.as_view(), name="api-knowledge-lesson-list"),
    path(
        "consult/", ConsultContractApi.as_view(), name="api-consult"
    ),  # SPEC.md's name for the same operation
]
