from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config import health

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("", include("disputes.urls")),  # /intake/ and /track/: the public pages for workers
    path("", include("referrals.urls")),  # /track/legal-aid/, /track/jobs/, …: legal aid and aftercare
    path("", include("mediation.urls")),  # /track/agreement/...: the worker signs and follows the agreement
    path("", include("arbitration.urls")),  # /track/enforcement/, /track/documents/<id>/
    path("readyz", health.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("staff/", include("config.security.urls")),  # two-factor verification and enrolment for staff
    path("o/", include("organizations.urls")),
    path("report-risk/", include("disputes.risk_urls")),
    path("stats/", include("stats.urls")),  # officials' statistics and their exports
    path("knowledge/", include("knowledge.urls")),  # laws, guides, classes and the consultation assistant
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file (no inline script); its page keeps a small
    # inline <style>, so this one page allows inline styles and nothing else.
    path(
        "api/docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
]

handler404 = "config.api_schema.page_not_found"  # JSON under /api/, the site's page elsewhere

admin.site.site_header = "一站式劳动争议多元化解平台"
admin.site.site_title = "OneStop 工作台"
admin.site.index_title = "工作台"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.STATIC_URL, document_root=settings.STATIC_ROOT)
