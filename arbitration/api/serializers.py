"""What the arbitration API answers with: queue rows (ID numbers masked), documents, and the rows a decision
writes."""

from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers

from disputes.models.documents import DocumentKind
from disputes.states import CaseStatus, ConfirmationRoute

from ..states import Applicant, EnforcementBasis, EnforcementEnd, HearingKind


def _codes(label: str, choices) -> str:
    return f"{label}：" + "、".join(code for code in choices.values if code)


class QueueCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    tracking_code = serializers.CharField()
    status = serializers.CharField(help_text=_codes("案件状态", CaseStatus))
    status_display = serializers.CharField(source="get_status_display")
    confirmation_route = serializers.CharField(help_text=_codes("确认途径（空：无）", ConfirmationRoute))
    worker_name = serializers.CharField()
    worker_id_masked = serializers.CharField(help_text="身份证号（遮蔽）")
    employer_name = serializers.CharField()
    amount_claimed = serializers.DecimalField(max_digits=14, decimal_places=2)
    amount_agreed = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    station = serializers.CharField(source="station.code", allow_null=True, default=None)
    handling_org = serializers.CharField(source="handling_org.code", allow_null=True, default=None)
    filed_at = serializers.DateTimeField(source="created_at")
    decision_due_on = serializers.SerializerMethodField(help_text="本机构作出决定的期限（无则为 null）")
    decision_overdue = serializers.SerializerMethodField(help_text="已超过决定期限")

    class Meta:
        ref_name = "ArbitrationQueueCase"

    def get_decision_due_on(self, obj) -> str | None:
        due = getattr(obj, "decision_due_on", None)
        return due.isoformat() if due else None

    def get_decision_overdue(self, obj) -> bool:
        due = getattr(obj, "decision_due_on", None)
        return bool(due and due < timezone.localdate())


class DocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text=_codes("文书种类", DocumentKind))
    kind_display = serializers.CharField(source="get_kind_display")
    title = serializers.CharField()
    number = serializers.CharField()
    verification_code = serializers.CharField()
    issuer = serializers.CharField(source="issuer.code")
    issued_at = serializers.DateTimeField()
    sha256 = serializers.CharField()
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        ref_name = "ArbitrationDocument"

    def get_pdf_url(self, obj) -> str:
        return reverse("api-arbitration-document-pdf", args=[obj.pk])


class HearingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text=_codes("类型", HearingKind))
    at = serializers.DateTimeField()
    place = serializers.CharField()
    notes = serializers.CharField()

    class Meta:
        ref_name = "Hearing"


class AwardItemSerializer(serializers.Serializer):
    category = serializers.CharField()
    description = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ref_name = "AwardItem"


class AwardSerializer(serializers.Serializer):
    amount_awarded = serializers.DecimalField(max_digits=14, decimal_places=2)
    is_final = serializers.BooleanField()
    final_reason = serializers.CharField()
    awarded_on = serializers.DateField()
    effective_on = serializers.DateField()
    items = AwardItemSerializer(many=True, source="items.all")
    document = DocumentSerializer()

    class Meta:
        ref_name = "Award"


class EnforcementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    court = serializers.CharField(source="court.code")
    basis = serializers.ChoiceField(choices=EnforcementBasis.choices)
    number = serializers.CharField()
    amount_sought = serializers.DecimalField(max_digits=14, decimal_places=2)
    applied_at = serializers.DateTimeField()
    applied_by = serializers.ChoiceField(choices=Applicant.choices)
    registered_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    end = serializers.ChoiceField(choices=EnforcementEnd.choices, allow_blank=True)
    recovered = serializers.SerializerMethodField()

    class Meta:
        ref_name = "Enforcement"

    def get_recovered(self, obj) -> str:
        return str(sum((r.amount for r in obj.recoveries.all()), start=obj.amount_sought * 0))


class CaseStateSerializer(serializers.Serializer):
    """The case as it stands after a decision."""

    id = serializers.IntegerField()
    tracking_code = serializers.CharField()
    status = serializers.CharField(help_text=_codes("案件状态", CaseStatus))
    status_display = serializers.CharField(source="get_status_display")

    class Meta:
        ref_name = "ArbitrationCaseState"


class DecisionSerializer(serializers.Serializer):
    """A decision that issued a document: the case as it now stands and the document."""

    case = CaseStateSerializer()
    document = DocumentSerializer()

    class Meta:
        ref_name = "ArbitrationDecision"
