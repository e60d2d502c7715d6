"""What the staff API's case operations share: the 404 text for a case outside the caller's scope, and the answer
they all give, the case as it now stands."""

from django.db.models import Prefetch
from rest_framework.response import Response

from ..models import Case, CaseDeadline
from .serializers import CaseDetailSerializer

CASE_NOT_VISIBLE = "案件不存在或不在您的职责范围内"


def case_answer(request, case_id: int) -> Response:
    """The case after an operation. Not rescoped: a correction may transfer the case out of the caller's scope;
    the answer is still the case."""
    case = (
        Case.objects.select_related("station", "handling_org", "region", "mediator")
        .prefetch_related(
            "claims", Prefetch("deadlines", queryset=CaseDeadline.objects.select_related("rule"))
        )
        .get(pk=case_id)
    )
    return Response(CaseDetailSerializer(case, context={"request": request}).data)
