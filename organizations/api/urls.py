from django.urls import path

from .views import OrganizationListApi

urlpatterns = [path("", OrganizationListApi.as_view(), name="api-organization-list")]
