"""The related-cases panel of the case page: ``{% related_cases_panel case %}`` (the links of the case as the
person looking may see them, with merge and dismiss for the staff who work either case)."""

from urllib.parse import urlencode

from django import template
from django.urls import reverse

from ..employers import employer_page_allowed
from ..related import related_links_for_case

register = template.Library()


@register.inclusion_tag("admin/disputes/case/_related_cases_panel.html", takes_context=True)
def related_cases_panel(context, case):
    request = context.get("request")
    user = getattr(request, "user", None)
    rows = related_links_for_case(case=case, user=user) if case is not None and user is not None else []
    for row in rows:
        link = row["link"]
        row["merge_url"] = reverse("admin:disputes_relatedcaselink_merge", args=[link.pk])
        row["dismiss_url"] = reverse("admin:disputes_relatedcaselink_dismiss", args=[link.pk])
        row["other_url"] = (
            reverse("admin:disputes_case_change", args=[row["other"].pk]) if row["other_visible"] else ""
        )
    employer_url = ""
    if case is not None and user is not None and employer_page_allowed(user):
        employer_url = reverse("admin:disputes_employer_page") + "?" + _employer_query(case)
    return {"case": case, "related_rows": rows, "employer_url": employer_url}


def _employer_query(case) -> str:
    params = {"key": case.employer_key, "name": case.employer_name}
    if case.employer_credit_code:
        params["credit_code"] = case.employer_credit_code
    return urlencode(params)
