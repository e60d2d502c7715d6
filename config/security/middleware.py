"""Middleware that enforces staff sign-in rules and response headers on every request.

``StaffSessionMiddleware`` (after ``AuthenticationMiddleware`` and django-otp's ``OTPMiddleware``):
1. ends a signed-in session past ``SESSION_ABSOLUTE_SECONDS`` since sign-in (config/security/sessions.py);
2. under ``OTP_REQUIRED_PATH_PREFIXES`` (the admin, /stats/, the API), a member of staff whose session has not
   passed two-factor verification is sent to verify (or, with no authenticator yet, to enrol) and then back; a
   session-authenticated API call gets 403 with a Chinese message instead. Requests that authenticate with an API
   token (``Authorization: Token …``: other agencies' systems) are left to DRF: the session plays no part in them.

``NoStoreMiddleware`` marks responses under ``NO_STORE_PATH_PREFIXES`` ``Cache-Control: no-store``, errors
included.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext

from .sessions import session_is_past_absolute_limit
from .twofactor import otp_required_for, user_has_confirmed_device


class StaffSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and session_is_past_absolute_limit(request.session):
            logout(request)
            messages.info(request, gettext("登录已超过最长时限，请重新登录。"))
            return self.get_response(request)
        if otp_required_for(user) and not user.is_verified() and self._guarded(request):
            return self._refuse(request, user)
        return self.get_response(request)

    @staticmethod
    def _guarded(request) -> bool:
        path = request.path_info
        if not path.startswith(tuple(settings.OTP_REQUIRED_PATH_PREFIXES)):
            return False
        # Signing in as someone else and signing out stay possible half-way through.
        if path in (reverse("admin:login"), reverse("admin:logout")):
            return False
        # A token call is DRF's to authenticate; the session's user is not the caller.
        return not request.META.get("HTTP_AUTHORIZATION", "").startswith("Token ")

    @staticmethod
    def _refuse(request, user):
        if request.path_info.startswith("/api/"):
            return JsonResponse(
                {"detail": gettext("请先完成两步验证，再使用工作人员接口。"), "code": "otp_required"},
                status=403,
                json_dumps_params={"ensure_ascii": False},
            )
        target = "security:otp-verify" if user_has_confirmed_device(user) else "security:otp-enrol"
        query = urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(f"{reverse(target)}?{query}")


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Replaces whatever caching the view allowed: these pages carry people's data or a staff session.
        if request.path_info.startswith(tuple(settings.NO_STORE_PATH_PREFIXES)) and "no-store" not in (
            response.headers.get("Cache-Control", "")
        ):
            response["Cache-Control"] = "no-store, private"
        return response
