"""The API's answers that no view writes, made to match the schema (issue 10: schemathesis finds what differs).

- A URL under ``/api/`` that matches no route (``/api/v1/cases/abc/``: the path converters refuse it before any
  view runs) is a JSON 404 in the API's error shape, not the site's HTML page.
- The schema says so: every operation with a path parameter, or a ``page`` (a page past the last one is DRF's
  404), documents the 404 with the error body, where its view did not already.
"""

from django.utils.translation import gettext as _
from django.views import defaults

API_PREFIX = "/api/"
_ERROR_REF = {"$ref": "#/components/schemas/Error"}


def page_not_found(request, exception=None, **kwargs):
    """``handler404``: JSON under ``/api/`` (the shape of :class:`config.api.ErrorSerializer`), the site's page
    elsewhere."""
    if request.path.startswith(API_PREFIX):
        from django.http import JsonResponse

        return JsonResponse({"detail": _("未找到。"), "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception, **kwargs)


def document_not_found(result, generator, request, public):
    """drf-spectacular post-processing hook: add the 404 (error body) to operations that can answer it and do not
    say so. Returns the schema, changed in place."""
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete") or not isinstance(operation, dict):
                continue
            parameters = operation.get("parameters", [])
            pathed = any(p.get("in") == "path" for p in parameters)
            paged = any(p.get("in") == "query" and p.get("name") == "page" for p in parameters)
            responses = operation.setdefault("responses", {})
            if (pathed or paged) and "404" not in responses:
                responses["404"] = {
                    "content": {"application/json": {"schema": _ERROR_REF}},
                    "description": "不存在或不在您的职责范围内" if pathed else "没有这一页",
                }
    return result
