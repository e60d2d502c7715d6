"""The input of each transition, validated once for the admin buttons and the API alike.

A form's ``cleaned_data`` (minus ``note``) is the keyword payload the transition method takes; organization codes
are resolved to organizations here and checked against the case (a branch must be one of the station's own).
"""

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from organizations.models import Organization
from organizations.states import OrgType, Role

from .confirmation import confirmation_refusal
from .models import Case
from .states import ConfirmationRoute, RejectReason
from .triage import mediator_auto_pick


class OrgCodeField(forms.CharField):
    """An organization chosen by its public code, among ``queryset``."""

    def __init__(self, *, queryset=None, **kwargs):
        self.queryset = queryset
        super().__init__(max_length=48, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        org = self.queryset.filter(code=value.strip()).first() if self.queryset is not None else None
        if org is None:
            raise forms.ValidationError(_("“%(code)s”不是可选的机构。"), params={"code": value})
        return org


_MEDIATION_ORGS = Organization.objects.filter(is_active=True, type__in=OrgType.mediation_types())


class TransitionForm(forms.Form):
    """The note every transition may carry; subclasses add the transition's own fields."""

    note = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    not_payload = ("note",)

    def __init__(self, *args, case: Case, **kwargs):
        self.case = case
        super().__init__(*args, **kwargs)

    def payload(self) -> dict:
        """The keyword arguments of the transition method."""
        return {k: v for k, v in self.cleaned_data.items() if k not in self.not_payload}


class ReasonForm(TransitionForm):
    """A transition whose note is the reason it records (required)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].required = True
        self.fields["note"].label = _("理由")

    def payload(self) -> dict:
        return {"reason": self.cleaned_data["note"]}


class WithdrawForm(TransitionForm):
    def payload(self) -> dict:
        return {"reason": self.cleaned_data["note"]}


class TriageForm(TransitionForm):
    station = OrgCodeField(label=_("调解组织代码"), queryset=_MEDIATION_ORGS.filter(accepts_claims=True))


class DispatchToBranchForm(TransitionForm):
    branch = OrgCodeField(label=_("网点代码"), queryset=Organization.objects.none())

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.fields["branch"].queryset = Organization.objects.filter(
            parent_id=case.station_id, is_active=True
        )


class TransferForm(TransitionForm):
    station = OrgCodeField(label=_("转至调解组织代码"), queryset=_MEDIATION_ORGS.filter(accepts_claims=True))

    def clean_station(self):
        station = self.cleaned_data["station"]
        if station and station.pk == self.case.station_id:
            raise forms.ValidationError(_("案件已在该调解组织。"))
        return station


class RejectForm(TransitionForm):
    reason = forms.ChoiceField(label=_("不予受理原因"), choices=RejectReason.choices)

    def payload(self) -> dict:
        return {"reason": str(RejectReason(self.cleaned_data["reason"]).label)}


class AcceptForm(TransitionForm):
    mediator = forms.CharField(label=_("承办调解员（用户名，可不填）"), required=False)

    def clean_mediator(self):
        username = self.cleaned_data["mediator"].strip()
        if not username:
            return None
        user = (
            get_user_model()
            .objects.filter(
                username=username,
                is_active=True,
                memberships__organization_id=self.case.station_id,
                memberships__role=Role.MEDIATOR,
            )
            .first()
        )
        if user is None:
            raise forms.ValidationError(_("该调解组织没有用户名为“%(u)s”的调解员。"), params={"u": username})
        return user

    def payload(self) -> dict:
        mediator = self.cleaned_data["mediator"]
        if mediator is None:
            # A station that assigns automatically gets its least-loaded available mediator (disputes.triage).
            mediator = mediator_auto_pick(case=self.case)
        return {"mediator": mediator} if mediator is not None else {}


class MoveToGovernmentStationForm(TransitionForm):
    """The worker's neutrality move (tracking page): the government new-employment-form station."""

    station = OrgCodeField(
        label=_("政府新业态劳动纠纷调解站代码"),
        queryset=Organization.objects.filter(
            is_active=True, accepts_claims=True, type=OrgType.GOVERNMENT_STATION
        ),
    )


def _money(label):
    return forms.DecimalField(label=label, min_value=Decimal("0"), max_digits=14, decimal_places=2)


class RecordAgreementForm(TransitionForm):
    amount_agreed = _money(_("协议金额（元）"))


class RecordFulfilmentForm(TransitionForm):
    amount_paid = _money(_("实际支付金额（元）"))


class CloseEnforcementForm(TransitionForm):
    amount_recovered = _money(_("执行到位金额（元）"))


class RequestConfirmationForm(TransitionForm):
    route = forms.ChoiceField(label=_("确认途径"), choices=ConfirmationRoute.choices[1:])
    organization = OrgCodeField(
        label=_("仲裁委或法院代码"),
        queryset=Organization.objects.filter(
            is_active=True, type__in=[OrgType.ARBITRATION_COMMISSION, OrgType.COURT]
        ),
    )

    def clean(self):
        data = super().clean()
        route, org = data.get("route"), data.get("organization")
        expected = {
            ConfirmationRoute.ARBITRATION_REVIEW: OrgType.ARBITRATION_COMMISSION,
            ConfirmationRoute.JUDICIAL_CONFIRMATION: OrgType.COURT,
        }
        if route and org and org.type != expected[route]:
            self.add_error("organization", _("仲裁审查确认应选择仲裁委员会，司法确认应选择人民法院。"))
        if route and not self.errors:
            # The checks the law makes at filing: the window, the exclusions, the route's eligibility.
            refusal = confirmation_refusal(self.case, route)
            if refusal:
                self.add_error("route", refusal)
        return data


class ConfirmForm(TransitionForm):
    document_number = forms.CharField(label=_("文书编号（调解书或裁定书）"), max_length=64)


class OpenEnforcementForm(TransitionForm):
    court = OrgCodeField(
        label=_("执行法院代码"), queryset=Organization.objects.filter(is_active=True, type=OrgType.COURT)
    )
    enforcement_number = forms.CharField(label=_("执行案号"), max_length=64, required=False)


class ReferToArbitrationForm(TransitionForm):
    commission = OrgCodeField(
        label=_("仲裁委员会代码"),
        queryset=Organization.objects.filter(is_active=True, type=OrgType.ARBITRATION_COMMISSION),
    )
    worker_consents = forms.BooleanField(label=_("劳动者已申请或同意转仲裁"), required=True)
    not_payload = ("note", "worker_consents")


class AcceptArbitrationForm(TransitionForm):
    arbitration_number = forms.CharField(label=_("仲裁案号"), max_length=64)


class CloseArbitrationForm(TransitionForm):
    outcome = forms.CharField(label=_("结案方式（裁决、调解、撤诉等）"), max_length=200)
    amount_awarded = forms.DecimalField(
        label=_("裁决或调解金额（元）"),
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
        required=False,
    )
    is_final = forms.BooleanField(label=_("终局裁决"), required=False)


TRANSITION_FORMS: dict[str, type[TransitionForm]] = {
    "triage": TriageForm,
    "dispatch_to_branch": DispatchToBranchForm,
    "transfer": TransferForm,
    "reject": RejectForm,
    "accept": AcceptForm,
    "start_mediation": TransitionForm,
    "record_agreement": RecordAgreementForm,
    "record_failure": ReasonForm,
    "request_confirmation": RequestConfirmationForm,
    "confirm": ConfirmForm,
    "refuse_confirmation": ReasonForm,
    "record_fulfilment": RecordFulfilmentForm,
    "open_enforcement": OpenEnforcementForm,
    "close_enforcement": CloseEnforcementForm,
    "close": TransitionForm,
    "refer_to_arbitration": ReferToArbitrationForm,
    "accept_arbitration": AcceptArbitrationForm,
    "decline_arbitration": ReasonForm,
    "close_arbitration": CloseArbitrationForm,
    "withdraw": WithdrawForm,
    "move_to_government_station": MoveToGovernmentStationForm,
}


def transition_form(name: str, *, case: Case, data=None) -> TransitionForm:
    return TRANSITION_FORMS[name](data=data, case=case)
