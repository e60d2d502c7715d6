"""Extending a case's legal deadline from the case page: the form, for the staff handling the case, behind the
"延长" link of an extendable deadline (disputes.services.deadline_extend does the checks and the writing)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .admin_evidence import _UrlsOnlyAdmin
from .deadlines import deadline_extendable_days
from .exceptions import DeadlineConflict
from .models import Case, CaseDeadline
from .permissions import can_extend_deadline
from .selectors import case_get_visible
from .services import MAX_EXTENSION_REASON, deadline_extend


class DeadlineExtendForm(forms.Form):
    reason = forms.CharField(
        label=_("延长依据"),
        max_length=MAX_EXTENSION_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("写明批准人和批准日期，或双方当事人同意的情况。仅工作人员可见。"),
    )

    def __init__(self, *args, room: int, **kwargs):
        super().__init__(*args, **kwargs)
        # The days first, bounded by what the deadline may still be extended by.
        self.fields = {
            "days": forms.IntegerField(
                label=_("延长天数"),
                min_value=1,
                max_value=room,
                help_text=gettext("最多还能延长 %(n)d 日。") % {"n": room},
            ),
            **self.fields,
        }


@admin.register(CaseDeadline)
class CaseDeadlineAdmin(_UrlsOnlyAdmin):
    extend_form_template = "admin/disputes/case/deadline_extend_form.html"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:case_id>/<str:code>/extend/",
                view(self.extend_view),
                name="disputes_casedeadline_extend",
            ),
        ] + super().get_urls()

    def extend_view(self, request, case_id, code):
        """404 outside the user's cases or for a deadline the case does not have, 403 for those who do not handle
        the case now; a deadline that cannot be extended (any more) sends back to the case with the reason."""
        case = case_get_visible(user=request.user, case_id=case_id)
        deadline = CaseDeadline.objects.select_related("rule").filter(case=case, rule__code=code).first()
        if deadline is None:
            raise Http404(gettext("本案没有这个期限。"))
        if not can_extend_deadline(case, request.user):
            raise PermissionDenied
        case_url = reverse("admin:disputes_case_change", args=[case.pk]) + "#case-deadlines"
        room = deadline_extendable_days(deadline)
        if not room:
            self.message_user(
                request, gettext("“%(rule)s”现在不能延长。") % {"rule": deadline.rule.name}, messages.ERROR
            )
            return HttpResponseRedirect(case_url)
        form = DeadlineExtendForm(data=request.POST if request.method == "POST" else None, room=room)
        if request.method == "POST" and form.is_valid():
            try:
                extended = deadline_extend(
                    case_id=case.pk, rule_code=code, actor=request.user, **form.cleaned_data
                )
            except DeadlineConflict as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return HttpResponseRedirect(case_url)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                self.message_user(
                    request,
                    gettext("已延长“%(rule)s”，现在于 %(due)s 届满。")
                    % {"rule": deadline.rule.name, "due": extended.due_on.isoformat()},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(case_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": Case._meta,
            "title": gettext("延长法定期限"),
            "subtitle": case.tracking_code,
            "case": case,
            "case_url": case_url,
            "deadline": deadline,
            "form": form,
            "has_view_permission": True,
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.extend_form_template, context)
