"""Reads of cases, always scoped: every list and detail in the admin and the API starts here."""

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from organizations.selectors import scope_for

from .models import Case, CaseEvent, UrgentConsultationMember
from .services import case_check_pin, tracking_code_normalize


def case_list_visible_to(*, user) -> QuerySet[Case]:
    """Cases of the user's organizations and their branches (as station, handler or recorder); for officials,
    every case of their region. Others' cases are simply absent, so opening one is a 404, never a 403."""
    scope = scope_for(user)
    qs = Case.objects.select_related("station", "handling_org", "region")
    if scope.is_superuser:
        return qs
    orgs = scope.org_ids
    if not orgs and not scope.region_ids:
        return qs.none()
    return qs.filter(
        Q(station_id__in=orgs)
        | Q(handling_org_id__in=orgs)
        | Q(intake_org_id__in=orgs)
        | Q(region_id__in=scope.region_ids)
        # participants of a special urgent consultation (disputes.urgent), personal data still masked
        | Q(pk__in=UrgentConsultationMember.objects.filter(user_id=user.pk).values("consultation__case_id"))
    )


def case_get_visible(*, user, case_id) -> Case:
    try:
        return case_list_visible_to(user=user).get(pk=case_id)
    except (Case.DoesNotExist, ValueError, TypeError):
        raise Http404(_("未找到该案件。")) from None


def case_history(*, case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor").order_by("created_at", "id")


def case_for_worker(*, tracking_code: str, pin: str) -> Case | None:
    """The case whose code and PIN match, else None (the caller answers the same way for both mistakes)."""
    case = Case.objects.filter(tracking_code=tracking_code_normalize(tracking_code)).first()
    if case is None or not case_check_pin(case=case, pin=pin):
        return None
    return case
