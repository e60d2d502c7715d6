"""The answer to a sign-in attempt refused by django-axes (``AXES_LOCKOUT_CALLABLE``)."""

import math

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext


def _minutes() -> int:
    return max(1, math.ceil(float(settings.AXES_COOLOFF_TIME) * 60))


def lockout_response(request, original_response=None, credentials=None):
    """429 with a Chinese message: JSON under /api/, a page elsewhere. It names neither whether the account
    exists nor how many attempts were counted, only how long to wait; and it applies to this username from this
    address only, so the same member of staff can still sign in from their own office."""
    minutes = _minutes()
    message = gettext("登录失败次数过多，此账号在当前网络暂时被锁定，请 %(minutes)s 分钟后再试。") % {
        "minutes": minutes
    }
    if request.path_info.startswith("/api/"):
        return JsonResponse(
            {"detail": message, "code": "locked_out"},
            status=429,
            headers={"Retry-After": str(minutes * 60)},
            json_dumps_params={"ensure_ascii": False},
        )
    response = render(request, "otp/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
