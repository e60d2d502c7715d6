"""Triage API: routing rules (officials), the routing tester, and two case operations for station staff —
correcting the facts routing reads, and assigning the mediator. One view per operation (a path with two methods
has one operation per method); each starts from a scoped selector and writes through :mod:`disputes.triage`.

Routes (included from :mod:`disputes.api.urls`, so under ``/api/v1/cases/``): ``{case_id}/assign/``,
``{case_id}/correct/``, ``routing/rules/``, ``routing/rules/{rule_id}/``, ``routing/preview/``.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import error_responses, request_object
from organizations.models import Organization, Region
from organizations.states import Industry, OrgType

from ..exceptions import TransitionConflict
from ..models import RoutingRule, YesNoAny
from ..permissions import can_assign_mediator, can_correct_routing
from ..selectors import case_get_visible
from ..states import OPEN_STATES, Category, Service
from ..triage import (
    ASSIGNABLE_STATES,
    case_assign_mediator,
    case_routing_correct,
    routing_preview,
    routing_rule_create,
    routing_rule_list_visible_to,
    routing_rule_update,
    routing_targets_for,
)
from .common import CASE_NOT_VISIBLE, case_answer
from .serializers import CaseDetailSerializer

_RULE_NOT_VISIBLE = "规则不存在或其目标不在您的主管范围内"


def _require_perm(request, perm: str, message: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied(message)


# --- Routing rules --------------------------------------------------------------------------------------------
# The same choice set under two field names would get two enum components (a schema warning): the industry list
# is an inline enum, yes/no/any a pattern.
@extend_schema_field({"type": "string", "enum": list(Industry.values)})
class _IndustryItemField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Industry.choices, **kwargs)


@extend_schema_field({"type": "string", "pattern": "^(any|yes|no)$", "default": YesNoAny.ANY.value})
class _YesNoAnyField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=YesNoAny.choices, default=YesNoAny.ANY, **kwargs)


class RoutingRuleSerializer(serializers.Serializer):
    """A routing rule. Empty lists and nulls are conditions that match anything."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=100)
    priority = serializers.IntegerField(min_value=0, default=100, help_text="数字越小越先匹配")
    is_active = serializers.BooleanField(default=True)
    is_fallback = serializers.BooleanField(default=False, help_text="兜底规则：其他规则都不匹配时才使用")
    industries = serializers.ListField(child=_IndustryItemField(), default=list)
    regions = serializers.ListField(
        child=serializers.CharField(), default=list, help_text="区域代码；匹配该区域及其下级区域"
    )
    categories = serializers.ListField(child=serializers.ChoiceField(choices=Category.choices), default=list)
    amount_min = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, allow_null=True, default=None
    )
    amount_max = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, allow_null=True, default=None
    )
    services = serializers.ListField(child=serializers.ChoiceField(choices=Service.choices), default=list)
    chosen_station = serializers.CharField(
        allow_null=True, default=None, help_text="劳动者选择的调解组织代码（不能受理时匹配）"
    )
    collective = _YesNoAnyField(help_text="集体申请：yes / no / any")
    confidential = _YesNoAnyField(help_text="保密申请：yes / no / any")
    target = serializers.CharField(help_text="分派至的调解组织代码（须在您的主管范围内且受理申请）")
    description = serializers.CharField(allow_blank=True, default="")
    updated_at = serializers.DateTimeField(read_only=True)

    class Meta:
        ref_name = "RoutingRule"

    def to_representation(self, rule):
        return {
            "id": rule.pk,
            "name": rule.name,
            "priority": rule.priority,
            "is_active": rule.is_active,
            "is_fallback": rule.is_fallback,
            "industries": list(rule.industries),
            "regions": sorted(r.code for r in rule.regions.all()),
            "categories": list(rule.categories),
            "amount_min": None if rule.amount_min is None else f"{rule.amount_min:.2f}",
            "amount_max": None if rule.amount_max is None else f"{rule.amount_max:.2f}",
            "services": list(rule.services),
            "chosen_station": rule.chosen_station.code if rule.chosen_station_id else None,
            "collective": rule.collective,
            "confidential": rule.confidential,
            "target": rule.target.code,
            "description": rule.description,
            "updated_at": serializers.DateTimeField().to_representation(rule.updated_at),
        }

    def validate_regions(self, codes):
        found = {r.code: r for r in Region.objects.filter(code__in=codes)}
        unknown = sorted(set(codes) - set(found))
        if unknown:
            raise serializers.ValidationError(_("未知区域代码：%(c)s") % {"c": "、".join(unknown)})
        return [found[c] for c in dict.fromkeys(codes)]

    def validate_chosen_station(self, code):
        if not code:
            return None
        org = Organization.objects.filter(code=code, type__in=OrgType.mediation_types()).first()
        if org is None:
            raise serializers.ValidationError(_("“%(c)s”不是调解组织。") % {"c": code})
        return org

    def validate_target(self, code):
        org = routing_targets_for(user=self.context["request"].user).filter(code=code).first()
        if org is None:
            raise serializers.ValidationError(_("只能分派至您主管范围内受理申请的调解组织。"))
        return org

    def validate(self, data):
        low = data.get("amount_min", getattr(self.instance, "amount_min", None))
        high = data.get("amount_max", getattr(self.instance, "amount_max", None))
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"amount_max": [_("金额上限不能小于下限。")]})
        return data


class RoutingRuleCollectionApi(APIView):
    """The routing rules whose target you oversee (GET), or a new one (POST). Officials only."""

    @extend_schema(
        operation_id="routing_rule_list",
        tags=["routing"],
        description="Active and retired rules in the order they are tried: ordinary rules, then fallbacks, "
        "each by priority then id.",
        responses={200: RoutingRuleSerializer(many=True), **error_responses(401, 403)},
    )
    def get(self, request):
        _require_perm(request, "disputes.view_routingrule", _("只有主管部门工作人员可以查看分流规则。"))
        rules = routing_rule_list_visible_to(user=request.user)
        return Response(RoutingRuleSerializer(rules, many=True, context={"request": request}).data)

    @extend_schema(
        operation_id="routing_rule_create",
        tags=["routing"],
        request=RoutingRuleSerializer,
        responses={
            201: RoutingRuleSerializer,
            **error_responses(
                400, 401, 403, 415, s400="字段错误，或目标不在您的主管范围内", s403="无权新增分流规则"
            ),
        },
    )
    def post(self, request):
        _require_perm(request, "disputes.add_routingrule", _("您没有权限新增分流规则。"))
        serializer = RoutingRuleSerializer(data=request_object(request), context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        rule = routing_rule_create(actor=request.user, regions=data.pop("regions"), **data)
        rule = routing_rule_list_visible_to(user=request.user).get(pk=rule.pk)
        return Response(
            RoutingRuleSerializer(rule, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


class RoutingRuleDetailApi(APIView):
    """One routing rule (GET) or a change to some of its fields (PATCH). Rules are never deleted: set
    ``is_active`` to false to retire one."""

    def _rule(self, request, rule_id: int) -> RoutingRule:
        try:
            return routing_rule_list_visible_to(user=request.user).get(pk=rule_id)
        except RoutingRule.DoesNotExist:
            raise Http404(_("未找到该分流规则。")) from None

    @extend_schema(
        operation_id="routing_rule_retrieve",
        tags=["routing"],
        responses={200: RoutingRuleSerializer, **error_responses(401, 403, 404, s404=_RULE_NOT_VISIBLE)},
    )
    def get(self, request, rule_id: int):
        _require_perm(request, "disputes.view_routingrule", _("只有主管部门工作人员可以查看分流规则。"))
        rule = self._rule(request, rule_id)
        return Response(RoutingRuleSerializer(rule, context={"request": request}).data)

    @extend_schema(
        operation_id="routing_rule_update",
        tags=["routing"],
        request=RoutingRuleSerializer(partial=True),
        responses={
            200: RoutingRuleSerializer,
            **error_responses(
                400,
                401,
                403,
                404,
                415,
                s400="字段错误，或目标不在您的主管范围内",
                s403="无权修改分流规则",
                s404=_RULE_NOT_VISIBLE,
            ),
        },
    )
    def patch(self, request, rule_id: int):
        _require_perm(request, "disputes.view_routingrule", _("只有主管部门工作人员可以查看分流规则。"))
        rule = self._rule(request, rule_id)
        _require_perm(request, "disputes.change_routingrule", _("您没有权限修改分流规则。"))
        serializer = RoutingRuleSerializer(
            rule, data=request_object(request), partial=True, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        rule = routing_rule_update(rule=rule, actor=request.user, regions=data.pop("regions", None), **data)
        rule = routing_rule_list_visible_to(user=request.user).filter(pk=rule.pk).first() or rule
        return Response(RoutingRuleSerializer(rule, context={"request": request}).data)


class RoutingPreviewApi(APIView):
    """The tester: which station would get a case with these routing facts, and by which rule. Creates
    nothing."""

    class InputSerializer(serializers.Serializer):
        industry = serializers.ChoiceField(choices=Industry.choices, default=Industry.OTHER)
        region = serializers.CharField(required=False, allow_blank=True, help_text="劳动合同履行地区域代码")
        categories = serializers.ListField(
            child=serializers.ChoiceField(choices=Category.choices), default=list
        )
        amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, default=0)
        services = serializers.ListField(child=serializers.ChoiceField(choices=Service.choices), default=list)
        station = serializers.CharField(
            required=False, allow_blank=True, help_text="劳动者选择的调解组织代码（可不填）"
        )
        collective = serializers.BooleanField(default=False)
        confidential = serializers.BooleanField(default=False)

        class Meta:
            ref_name = "RoutingPreviewInput"

        def validate_region(self, code):
            if not code:
                return None
            region = Region.objects.filter(code=code).first()
            if region is None:
                raise serializers.ValidationError(_("未知区域代码：%(c)s") % {"c": code})
            return region

        def validate_station(self, code):
            if not code:
                return None
            org = (
                Organization.objects.select_related("parent")
                .filter(code=code, type__in=OrgType.mediation_types())
                .first()
            )
            if org is None:
                raise serializers.ValidationError(_("“%(c)s”不是调解组织。") % {"c": code})
            return org

    class OutputSerializer(serializers.Serializer):
        station = serializers.CharField(
            allow_null=True, help_text="分派至的组织代码；null 表示无匹配，停留在已提交"
        )
        station_name = serializers.CharField(allow_null=True)
        rule = serializers.IntegerField(allow_null=True, help_text="匹配的规则 id；劳动者选择时为 null")
        rule_name = serializers.CharField(allow_null=True)
        is_fallback = serializers.BooleanField()
        honoured_choice = serializers.BooleanField(help_text="按劳动者的选择分派")
        choice_refused = serializers.CharField(help_text="劳动者的选择不能受理的原因（否则为空）")
        note = serializers.CharField(help_text="分派时写入办理记录的说明：规则名称或“劳动者选择”")

        class Meta:
            ref_name = "RoutingPreview"

    @extend_schema(
        operation_id="routing_preview",
        tags=["routing"],
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            **error_responses(400, 401, 403, 415, s403="只有主管部门工作人员可以使用分流测试"),
        },
    )
    def post(self, request):
        _require_perm(request, "disputes.view_routingrule", _("只有主管部门工作人员可以使用分流测试。"))
        serializer = self.InputSerializer(data=request_object(request))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["chosen_station"] = data.pop("station", None)
        data["region"] = data.get("region")
        result = routing_preview(**data)
        return Response(
            {
                "station": result.station.code if result.station else None,
                "station_name": result.station.name if result.station else None,
                "rule": result.rule.pk if result.rule else None,
                "rule_name": result.rule.name if result.rule else None,
                "is_fallback": bool(result.rule and result.rule.is_fallback),
                "honoured_choice": result.honoured_choice,
                "choice_refused": str(result.choice_refused),
                "note": result.note,
            }
        )


# --- Case operations ------------------------------------------------------------------------------------------
class CaseAssignApi(APIView):
    """Assign (or re-assign) the case's mediator: an available mediator of the case's own station. Recorded in
    the history; the state does not change."""

    class InputSerializer(serializers.Serializer):
        mediator = serializers.CharField(help_text="调解员用户名（须为本调解组织在岗调解员）")
        note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")

        class Meta:
            ref_name = "CaseAssignInput"

    @extend_schema(
        operation_id="case_assign_mediator",
        tags=["cases"],
        description="The checks answer in this order: the case is not visible to you (404), the case is not "
        "assigned, accepted or in mediation (409), you are not an administrator of its station (403), the "
        "mediator is not an available mediator of the station (400).",
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
                s400="不是本调解组织在岗的调解员，或已是承办人",
                s403="只有调解组织管理员可以指派调解员",
                s404=CASE_NOT_VISIBLE,
                s409="案件当前状态不能指派调解员",
            ),
        },
    )
    def post(self, request, case_id: int):
        case = case_get_visible(user=request.user, case_id=case_id)
        if case.status not in ASSIGNABLE_STATES or case.station_id is None:
            raise TransitionConflict(
                name="assign_mediator", current_state=case.status, current_label=case.get_status_display()
            )
        if not can_assign_mediator(case, request.user):
            raise PermissionDenied(_("只有调解组织管理员可以指派调解员。"))
        serializer = self.InputSerializer(data=request_object(request))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        mediator = get_user_model().objects.filter(username=data["mediator"].strip()).first()
        case_assign_mediator(case_id=case.pk, mediator=mediator, actor=request.user, note=data["note"])
        return case_answer(request, case.pk)


class CaseCorrectApi(APIView):
    """Correct the case's industry, region or claim categories. Recorded in the history; if the case is still
    submitted or assigned and the routing rules now choose another station, it is triaged or transferred there
    (the rule in the note)."""

    class InputSerializer(serializers.Serializer):
        industry = serializers.ChoiceField(choices=Industry.choices, required=False)
        region = serializers.CharField(required=False, help_text="劳动合同履行地区域代码")
        categories = serializers.ListField(
            child=serializers.ChoiceField(choices=Category.choices), required=False, min_length=1
        )
        note = serializers.CharField(max_length=2000, help_text="更正说明（必填）")

        class Meta:
            ref_name = "CaseCorrectInput"

        def validate_region(self, code):
            region = Region.objects.filter(code=code).first()
            if region is None:
                raise serializers.ValidationError(_("未知区域代码：%(c)s") % {"c": code})
            return region

    @extend_schema(
        operation_id="case_routing_correct",
        tags=["cases"],
        description="The checks answer in this order: the case is not visible to you (404), the case is "
        "closed (409), you do not work the case (403), the body is invalid or changes nothing (400).",
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
                s400="字段错误，或没有需要更正的内容",
                s403="只有办理该案件的工作人员可以更正",
                s404=CASE_NOT_VISIBLE,
                s409="案件已结束",
            ),
        },
    )
    def post(self, request, case_id: int):
        case = case_get_visible(user=request.user, case_id=case_id)
        if case.status not in OPEN_STATES:
            raise TransitionConflict(
                name="routing_correct", current_state=case.status, current_label=case.get_status_display()
            )
        if not can_correct_routing(case, request.user):
            raise PermissionDenied(_("只有办理该案件的工作人员可以更正。"))
        serializer = self.InputSerializer(data=request_object(request))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        case_routing_correct(
            case_id=case.pk,
            actor=request.user,
            industry=data.get("industry"),
            region=data.get("region"),
            categories=data.get("categories"),
            note=data["note"],
        )
        return case_answer(request, case.pk)


urlpatterns = [
    path("<int:case_id>/assign/", CaseAssignApi.as_view(), name="api-case-assign"),
    path("<int:case_id>/correct/", CaseCorrectApi.as_view(), name="api-case-correct"),
    path("routing/rules/", RoutingRuleCollectionApi.as_view(), name="api-routing-rule-list"),
    path("routing/rules/<int:rule_id>/", RoutingRuleDetailApi.as_view(), name="api-routing-rule-detail"),
    path("routing/preview/", RoutingPreviewApi.as_view(), name="api-routing-preview"),
]
