from django.urls import include, path

from .deadlines import CaseDeadlineExtendApi
from .views import CaseDetailApi, CaseHistoryApi, CaseListApi, CaseTransitionApi

urlpatterns = [
    path("", CaseListApi.as_view(), name="api-case-list"),
    path("<int:case_id>/", CaseDetailApi.as_view(), name="api-case-detail"),
    path("<int:case_id>/history/", CaseHistoryApi.as_view(), name="api-case-history"),
    path("<int:case_id>/transitions/<str:name>/", CaseTransitionApi.as_view(), name="api-case-transition"),
    path(
        "<int:case_id>/deadlines/<str:code>/extend/",
        CaseDeadlineExtendApi.as_view(),
        name="api-case-deadline-extend",
    ),
    path("", include("disputes.api.triage")),  # {id}/assign/, {id}/correct/, routing/rules/, routing/preview/
]
