"""Extending a case's legal deadline as the law allows (``POST /api/v1/cases/{id}/deadlines/{code}/extend/``):
the award period with the commission chair's approval, the one-stop mediation period with both parties'
consent. Writes through :func:`disputes.services.deadline_extend`."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from config.api import error_responses, request_object

from ..models import CaseDeadline
from ..permissions import can_extend_deadline
from ..selectors import case_get_visible
from ..services import MAX_EXTENSION_REASON, deadline_extend
from .common import CASE_NOT_VISIBLE, case_answer
from .serializers import CaseDetailSerializer


class CaseDeadlineExtendApi(APIView):
    """Extend one running deadline of the case, once, by at most what its rule allows (``extendable_days`` in
    the case's ``deadlines``), before it falls due. The approval or consent goes in ``reason`` (staff only);
    the worker reads the new due date in the history."""

    class InputSerializer(serializers.Serializer):
        days = serializers.IntegerField(min_value=1, help_text="延长的天数（不超过该期限的 extendable_days）")
        reason = serializers.CharField(
            max_length=MAX_EXTENSION_REASON, help_text="延长依据：批准人和批准日期，或双方当事人同意的情况"
        )

        class Meta:
            ref_name = "DeadlineExtendInput"

    @extend_schema(
        operation_id="case_deadline_extend",
        tags=["cases"],
        description="The checks answer in this order: the case is not visible to you, or has no deadline of this "
        "rule (404); you do not handle the case now (403); the body is malformed (400); the deadline cannot be "
        "extended now: the rule allows no extension, it is met, no longer counted, already past or already "
        "extended once (409); more days than its rule allows, or no reason (400).",
        request=InputSerializer,
        responses={
            200: CaseDetailSerializer,
            **error_responses(
                400,
                401,
                403,
                404,
                409,
                415,
                s400="延长天数超出法定上限，或未写明依据",
                s403="只有正在办理本案的工作人员可以延长期限",
                s404=CASE_NOT_VISIBLE + "，或没有该期限",
                s409="该期限不能延长：依法不能延长、已完成、不再计算、已届满或已延长过",
            ),
        },
    )
    def post(self, request, case_id: int, code: str):
        case = case_get_visible(user=request.user, case_id=case_id)
        if not CaseDeadline.objects.filter(case=case, rule__code=code).exists():
            raise Http404(_("本案没有代码为“%(code)s”的期限。") % {"code": code[:64]})
        if not can_extend_deadline(case, request.user):
            raise PermissionDenied(_("只有正在办理本案的工作人员可以延长期限。"))
        serializer = self.InputSerializer(data=request_object(request))
        serializer.is_valid(raise_exception=True)
        deadline_extend(case_id=case.pk, rule_code=code, actor=request.user, **serializer.validated_data)
        return case_answer(request, case.pk)
