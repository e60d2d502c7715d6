"""The evidence and respondents panels of the case page: ``{% case_evidence_panel case as panel %}`` and
``{% case_respondents_panel case as panel %}`` give the rows as the person looking may see them
(:mod:`disputes.admin_evidence`)."""

from django import template

register = template.Library()


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None)


@register.simple_tag(takes_context=True)
def case_evidence_panel(context, case):
    from ..admin_evidence import evidence_panel_rows

    user = _user(context)
    if case is None or user is None:
        return {"evidence_rows": [], "evidence_allowed": False}
    return evidence_panel_rows(case=case, user=user)


@register.simple_tag(takes_context=True)
def case_respondents_panel(context, case):
    from ..admin_evidence import respondent_panel_rows

    user = _user(context)
    if case is None or user is None:
        return {"respondent_rows": [], "respondent_may_correct": False}
    return respondent_panel_rows(case=case, user=user)
