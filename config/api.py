"""One exception handler for the whole API: each domain error becomes one status with a message in the user's
language (STYLE.md: conflict 409, permission 403, not visible 404, validation 400).

Every error body has the same shape, described by :class:`ErrorSerializer`::

    {"detail": "<message for a person>", "code": "<machine code>",
     "errors": {field: [messages]}, "current_state": ...}

``errors`` appears on validation errors (400), ``current_state`` on conflicts (409).
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from disputes.exceptions import DeadlineConflict, TransitionConflict, UnknownTransition

NON_FIELD = "non_field_errors"


class ErrorSerializer(serializers.Serializer):
    """The body of every error answer."""

    detail = serializers.CharField(help_text="给人看的说明（随请求语言）")
    code = serializers.CharField(
        help_text="not_authenticated, permission_denied, not_found, conflict, invalid, ..."
    )
    current_state = serializers.CharField(required=False, help_text="409: the case's state now")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="400: messages by field; non_field_errors for the body as a whole",
    )

    class Meta:
        ref_name = "Error"


def error_responses(*statuses: int, **descriptions: str) -> dict:
    """Schema entries for the error answers of an operation, e.g. ``**error_responses(401, 403, 404)``;
    ``descriptions`` override the default text by ``s<status>`` (``s404="案件不存在"``)."""
    defaults = {
        400: "请求内容有误（errors 按字段列出）",
        401: "未登录或令牌无效",
        403: "无权限",
        404: "不存在或不在您的职责范围内",
        405: "不支持该请求方法",
        409: "当前状态不允许此操作，或已被他人抢先更新",
        415: "不支持的请求体格式",
        429: "请求过于频繁",
    }
    return {
        code: OpenApiResponse(ErrorSerializer, description=descriptions.get(f"s{code}", defaults[code]))
        for code in statuses
    }


def request_object(request) -> dict:
    """The request's body when it is a JSON object (or a form); a clear 400 for a list, a number or a string."""
    if not isinstance(request.data, dict):
        raise exceptions.ValidationError({NON_FIELD: [_("请求体应为 JSON 对象。")]})
    return request.data


def _error(status_code: int, detail: str, code: str, **extra) -> Response:
    set_rollback()
    return Response({"detail": detail, "code": code, **extra}, status=status_code)


def _field_errors(data) -> dict:
    """DRF's and Django's error structures as ``{field: [message, ...]}``."""
    if isinstance(data, dict):
        return {
            (NON_FIELD if key == "__all__" else key): (
                [str(m) for m in value]
                if isinstance(value, list)
                else _field_errors(value)
                if isinstance(value, dict)
                else [str(value)]
            )
            for key, value in data.items()
        }
    if isinstance(data, list):
        return {NON_FIELD: [str(m) for m in data]}
    return {NON_FIELD: [str(data)]}


def _invalid(errors: dict) -> Response:
    # A body-level error (wrong credentials, a body that is not an object) is the message itself.
    only_general = list(errors) == [NON_FIELD] and errors[NON_FIELD]
    detail = errors[NON_FIELD][0] if only_general else _("提交的内容有误，请检查。")
    return _error(status.HTTP_400_BAD_REQUEST, detail, "invalid", errors=errors)


def exception_handler(exc, context):
    if isinstance(exc, TransitionConflict):
        return _error(status.HTTP_409_CONFLICT, str(exc), "conflict", current_state=exc.current_state)
    if isinstance(exc, DeadlineConflict):
        return _error(status.HTTP_409_CONFLICT, str(exc), "conflict")
    if isinstance(exc, TransitionNotAllowed | ConcurrentTransition):
        return _error(status.HTTP_409_CONFLICT, _("案件已被他人更新，请刷新后重试。"), "conflict")
    if isinstance(exc, UnknownTransition):
        return _error(status.HTTP_404_NOT_FOUND, str(exc), "not_found")
    if isinstance(exc, DjangoValidationError):
        return _invalid(_field_errors(exc.message_dict if hasattr(exc, "error_dict") else exc.messages))
    if isinstance(exc, exceptions.ValidationError):
        return _invalid(_field_errors(exc.detail))
    if isinstance(exc, exceptions.ParseError):
        return _error(
            status.HTTP_400_BAD_REQUEST, _("请求体格式有误，无法解析（应为 JSON 对象）。"), "parse_error"
        )

    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) if exc.args else _("未找到。"))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or _("您没有权限执行此操作。"))
    response = drf_exception_handler(exc, context)  # keeps WWW-Authenticate (401) and Retry-After (429)
    if response is not None and isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        response.data = {
            "detail": str(exc.detail),
            "code": codes if isinstance(codes, str) else exc.default_code,
        }
    return response
