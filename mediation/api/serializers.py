"""Output serializers of the mediation API. Personal data (the employer contact's phone) is whole only for the
staff who work the case, masked for everyone else."""

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from disputes.permissions import can_see_personal_data
from disputes.states import Category, EvidenceScanStatus

from ..states import AgreementStatus, InstalmentStatus, PaymentMethod, Remedy


def _name(user) -> str | None:
    return user.get_username() if user is not None else None


class SessionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    held_at = serializers.DateTimeField()
    mode = serializers.CharField()
    mode_display = serializers.CharField(source="get_mode_display")
    place = serializers.CharField()
    attendees = serializers.CharField()
    summary = serializers.CharField()
    recorded_by = serializers.CharField(source="recorded_by.username")
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "MediationSession"


class ContactSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    direction = serializers.CharField()
    direction_display = serializers.CharField(source="get_direction_display")
    channel = serializers.CharField()
    channel_display = serializers.CharField(source="get_channel_display")
    employer_contact_name = serializers.CharField()
    summary = serializers.CharField()
    recorded_by = serializers.CharField(source="recorded_by.username")
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "MediationContact"


class AgreementItemSerializer(serializers.Serializer):
    category = serializers.CharField(
        max_length=32, help_text="类别：" + ", ".join(Category.values) + "（与案件请求事项的类别相同）"
    )
    description = serializers.CharField(max_length=200, help_text="款项事项，如“2026年9月至10月工资”")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="金额（元）")

    class Meta:
        ref_name = "MediationAgreementItem"


class InstalmentInputSerializer(serializers.Serializer):
    due_on = serializers.DateField(help_text="应付日期（不早于今天，按先后顺序）")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="金额（元）")

    class Meta:
        ref_name = "MediationInstalmentInput"


class InstalmentSerializer(serializers.Serializer):
    sequence = serializers.IntegerField()
    due_on = serializers.DateField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    paid_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    status = serializers.CharField(help_text=", ".join(InstalmentStatus.values))
    paid_on = serializers.DateField(allow_null=True)
    overdue = serializers.SerializerMethodField(help_text="已过应付日期且未付清")
    paid_late = serializers.BooleanField()

    class Meta:
        ref_name = "MediationInstalment"

    def get_overdue(self, obj) -> bool:
        return obj.is_overdue(self.context["today"])


class AgreementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.IntegerField(source="case_id")
    number = serializers.CharField()
    status = serializers.CharField(help_text=", ".join(AgreementStatus.values))
    status_display = serializers.CharField(source="get_status_display")
    employer_name = serializers.CharField()
    employer_contact_name = serializers.CharField()
    employer_contact_phone = serializers.SerializerMethodField(
        help_text="办理该案的工作人员可见完整号码，其他人为掩码"
    )
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    paid = serializers.SerializerMethodField()
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices)
    payment_only = serializers.BooleanField()
    other_terms = serializers.CharField()
    items = AgreementItemSerializer(many=True)
    instalments = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="created_by.username")
    created_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    worker_signed_at = serializers.DateTimeField(allow_null=True)
    employer_signed_at = serializers.DateTimeField(allow_null=True)
    employer_signatory = serializers.CharField()
    effective_at = serializers.DateTimeField(allow_null=True)
    remedy = serializers.CharField(
        help_text="付款逾期后劳动者选择的途径：" + ", ".join(Remedy.values) + "；空为未选择"
    )

    class Meta:
        ref_name = "MediationAgreement"

    def get_employer_contact_phone(self, obj) -> str:
        if can_see_personal_data(obj.case, self.context["request"].user):
            return obj.employer_contact_phone or ""
        return obj.employer_contact_phone_masked

    @extend_schema_field(serializers.DecimalField(max_digits=14, decimal_places=2))
    def get_paid(self, obj) -> str:
        return f"{sum((p.amount for p in obj.payments.all()), Decimal('0')):.2f}"

    @extend_schema_field(InstalmentSerializer(many=True))
    def get_instalments(self, obj) -> list[dict]:
        return InstalmentSerializer(obj.instalments.all(), many=True, context=self.context).data


class PaymentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    agreement = serializers.CharField(source="agreement.number")
    instalment = serializers.IntegerField(source="instalment.sequence", allow_null=True, default=None)
    paid_on = serializers.DateField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    payment_method = serializers.ChoiceField(source="method", choices=PaymentMethod.choices)
    note = serializers.CharField()
    proof_name = serializers.CharField()
    proof_content_type = serializers.CharField()
    proof_size = serializers.IntegerField()
    proof_sha256 = serializers.CharField()
    proof_scan_status = serializers.ChoiceField(
        choices=EvidenceScanStatus.choices, help_text="病毒检查：待检查或已隔离的凭证不能下载"
    )
    recorded_by = serializers.CharField(source="recorded_by.username")
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "MediationPayment"
