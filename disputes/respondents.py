"""Correcting the respondents a worker named: staff check who the employer, platform or agency really is and
correct the row; the primary respondent is also the case's employer, so its name and credit code follow. Each
correction is a history event naming the fields changed, never their values."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .matching import employer_key
from .models import Case, Respondent
from .permissions import can_correct_respondent
from .services import case_event_record
from .states import RespondentRole
from .validators import validate_credit_code

CORRECTABLE_FIELDS = ("role", "name", "credit_code", "details")


@transaction.atomic
def respondent_correct(
    *, respondent_id: int, actor, role: str, name: str, credit_code: str, details: str
) -> Respondent:
    """Update the respondent (its name key recomputed); a primary respondent's name and credit code become the
    case's employer fields. Records ``correct_respondent`` when anything changed. Raises PermissionDenied for
    anyone but the staff working the case at its station, ValidationError for bad values."""
    respondent = Respondent.objects.select_for_update().get(pk=respondent_id)
    case = Case.objects.select_for_update().get(pk=respondent.case_id)
    if not can_correct_respondent(case, actor):
        raise PermissionDenied(_("您没有权限更正该案件的被申请人。"))

    name = " ".join((name or "").split())
    errors: dict[str, list] = {}
    if role not in RespondentRole.values:
        errors["role"] = [_("请选择被申请人的身份。")]
    if not name:
        errors["name"] = [_("请填写被申请人名称。")]
    elif len(name) > 200:
        errors["name"] = [_("名称不能超过200个字。")]
    try:
        credit_code = validate_credit_code(credit_code or "")
    except ValidationError as exc:
        errors["credit_code"] = exc.messages
    if errors:
        raise ValidationError(errors)

    values = {"role": role, "name": name, "credit_code": credit_code, "details": (details or "").strip()}
    changed = [field for field in CORRECTABLE_FIELDS if getattr(respondent, field) != values[field]]
    if not changed:
        return respondent
    for field, value in values.items():
        setattr(respondent, field, value)
    respondent.name_key = employer_key(name)
    respondent.save(update_fields=[*changed, "name_key"])

    if respondent.is_primary:
        case.employer_name = name
        case.employer_credit_code = credit_code
        case.employer_key = employer_key(name)
        case.save(update_fields=["employer_name", "employer_credit_code", "employer_key", "updated_at"])

    case_event_record(
        case_id=case.pk,
        name="correct_respondent",
        actor=actor,
        payload={"respondent": respondent.pk, "fields": changed},
    )
    return respondent
