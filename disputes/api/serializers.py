from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..deadlines import deadline_extendable_days, deadline_state
from ..permissions import can_see_personal_data
from ..services import available_transitions
from ..states import WORKER_LABELS


class DeadlineSerializer(serializers.Serializer):
    code = serializers.CharField(source="rule.code")
    name = serializers.CharField(source="rule.name")
    source = serializers.CharField(source="rule.source")
    starts_on = serializers.DateField()
    due_on = serializers.DateField()
    provisional = serializers.BooleanField()
    extended_days = serializers.IntegerField(help_text="依法延长的天数，已计入 due_on")
    extendable_days = serializers.SerializerMethodField(help_text="还可依法延长的天数；0 表示不能延长")
    state = serializers.SerializerMethodField()
    state_display = serializers.SerializerMethodField()

    def get_extendable_days(self, obj) -> int:
        return deadline_extendable_days(obj)

    def get_state(self, obj) -> str:
        return deadline_state(obj)[0]

    def get_state_display(self, obj) -> str:
        return deadline_state(obj)[1]


class CaseEventSerializer(serializers.Serializer):
    transition = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    to_state_display = serializers.CharField(source="get_to_state_display")
    actor = serializers.SerializerMethodField()
    actor_kind = serializers.CharField()
    note = serializers.CharField()
    payload = serializers.DictField()
    created_at = serializers.DateTimeField()

    def get_actor(self, obj) -> str | None:
        return obj.actor.get_username() if obj.actor_id else None


class CaseListSerializer(serializers.Serializer):
    """A case in a list: personal data masked for everyone."""

    id = serializers.IntegerField()
    tracking_code = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    status_for_worker = serializers.SerializerMethodField()
    channel = serializers.CharField()
    industry = serializers.CharField()
    station = serializers.CharField(source="station.code", default=None, allow_null=True)
    handling_org = serializers.CharField(source="handling_org.code", default=None, allow_null=True)
    region = serializers.CharField(source="region.code", default=None, allow_null=True)
    worker_name = serializers.CharField()
    worker_id_number = serializers.CharField(source="worker_id_masked")
    worker_phone = serializers.CharField(source="worker_phone_masked")
    employer_name = serializers.CharField()
    amount_claimed = serializers.DecimalField(max_digits=14, decimal_places=2)
    created_at = serializers.DateTimeField()
    available_transitions = serializers.SerializerMethodField()

    def get_status_for_worker(self, obj) -> str:
        return str(WORKER_LABELS[obj.status])

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_available_transitions(self, obj) -> list[str]:
        return available_transitions(case=obj, user=self.context["request"].user)


class ClaimSerializer(serializers.Serializer):
    category = serializers.CharField()
    category_display = serializers.CharField(source="get_category_display")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class CaseDetailSerializer(CaseListSerializer):
    """One case: ID number and phone whole only for the staff who work it."""

    worker_id_number = serializers.SerializerMethodField()
    worker_phone = serializers.SerializerMethodField()
    employer_credit_code = serializers.CharField()
    facts = serializers.CharField()
    services = serializers.ListField(child=serializers.CharField())
    confidential = serializers.BooleanField()
    claims = ClaimSerializer(many=True)
    amount_agreed = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    amount_paid = serializers.DecimalField(max_digits=14, decimal_places=2)
    confirmation_route = serializers.CharField()
    mediator = serializers.CharField(source="mediator.username", default=None, allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    deadlines = DeadlineSerializer(many=True)

    def _whole(self, obj) -> bool:
        return can_see_personal_data(obj, self.context["request"].user)

    def get_worker_id_number(self, obj) -> str:
        return obj.worker_id_number if self._whole(obj) else obj.worker_id_masked

    def get_worker_phone(self, obj) -> str:
        return obj.worker_phone if self._whole(obj) else obj.worker_phone_masked
