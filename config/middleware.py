"""Site-wide middleware."""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import gettext

logger = logging.getLogger(__name__)


class ChineseFirstLocaleMiddleware(MiddlewareMixin):
    """Simplified Chinese unless the visitor chose another language with the site's switch (the language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, so a phone or kiosk set to English
    would open the service in English without anyone choosing it; the contract is Chinese by default.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


class DatabaseUnavailableMiddleware(MiddlewareMixin):
    """A database that cannot be reached (stopped, restarting, the network to it down) answers **503** at once,
    never a 500 and never a hang: the API's error shape with ``code: service_unavailable`` under ``/api/``, a
    Chinese page elsewhere, both with ``Retry-After``.

    Only ``OperationalError`` and ``InterfaceError`` are mapped: the errors of a connection that failed or broke,
    and transient refusals (a deadlock, a server starting up) that a later retry can succeed. How long a request
    may wait for the database is bounded by ``DATABASE_CONNECT_TIMEOUT`` (settings); Django drops the broken
    connection at the end of the request and ``CONN_HEALTH_CHECKS`` checks a kept one before reuse, so the first
    request after the database is back succeeds. Errors raised outside the view (a middleware's own queries)
    still reach the 500 handler.
    """

    RETRY_AFTER_SECONDS = 5

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning(
            "database unavailable (%s) on %s %s", type(exception).__name__, request.method, request.path
        )
        headers = {"Retry-After": str(self.RETRY_AFTER_SECONDS)}
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"detail": gettext("服务暂时不可用，请稍后重试。"), "code": "service_unavailable"},
                status=503,
                headers=headers,
                json_dumps_params={"ensure_ascii": False},
            )
        # Rendered without the request: the context processors (user, messages) could reach for the database.
        return HttpResponse(render_to_string("503.html"), status=503, headers=headers)
