"""One exception handler for the whole API: each domain error becomes one status with a message in the user's
language (STYLE.md: conflict 409, permission 403, not visible 404, validation 400)."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from disputes.exceptions import TransitionConflict, UnknownTransition


class ErrorSerializer(serializers.Serializer):
    """The body of every error answer."""

    detail = serializers.CharField()
    code = serializers.CharField(required=False)
    current_state = serializers.CharField(required=False)
    errors = serializers.DictField(required=False)


def exception_handler(exc, context):
    if isinstance(exc, TransitionConflict):
        body = {"detail": str(exc), "code": "conflict", "current_state": exc.current_state}
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, TransitionNotAllowed | ConcurrentTransition):
        return Response(
            {"detail": _("案件已被他人更新，请刷新后重试。"), "code": "conflict"}, status=status.HTTP_409_CONFLICT
        )
    if isinstance(exc, UnknownTransition):
        return Response({"detail": str(exc), "code": "not_found"}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(
            {"detail": _("提交的内容有误，请检查。"), "code": "invalid", "errors": errors},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("未找到。"))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or _("您没有权限执行此操作。"))
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": _("提交的内容有误，请检查。"), "code": "invalid", "errors": response.data}
    elif response is not None and isinstance(exc, exceptions.APIException):
        response.data = {"detail": str(exc.detail), "code": exc.get_codes() if isinstance(exc.get_codes(), str) else "error"}
    return response
