import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext as _

from organizations.states import Industry

from ..models import Case
from ..services import tracking_code_normalize
from ..states import CaseStatus, Category, Channel


class _DateField(forms.DateField):
    """A date or nothing: ``?to=`` with no value is an error (400), as the schema's date format says and as the
    statistics API answers, not a filter silently dropped."""

    def clean(self, value):
        if value == "":
            raise forms.ValidationError(_("日期格式应为 YYYY-MM-DD，例如 2026-01-31。"), code="invalid")
        return super().clean(value)


class _DateFilter(django_filters.DateFilter):
    field_class = _DateField


class CaseFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=CaseStatus.choices)
    station = django_filters.CharFilter(field_name="station__code", label="调解组织代码")
    region = django_filters.CharFilter(field_name="region__code", label="区域代码")
    industry = django_filters.ChoiceFilter(choices=Industry.choices)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    category = django_filters.ChoiceFilter(choices=Category.choices, method="filter_category")
    created_from = _DateFilter(
        field_name="created_at", lookup_expr="date__gte", label="提交日期起（含），YYYY-MM-DD"
    )
    created_to = _DateFilter(
        field_name="created_at", lookup_expr="date__lte", label="提交日期止（含），YYYY-MM-DD"
    )
    search = django_filters.CharFilter(
        method="filter_search", label="查询码（精确）、劳动者姓名或用人单位名称（包含）"
    )

    class Meta:
        model = Case
        fields = ["status", "station", "region", "industry", "channel", "category"]

    def filter_category(self, queryset, name, value):
        return queryset.filter(claims__category=value).distinct()

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(tracking_code=tracking_code_normalize(value))
            | Q(worker_name__icontains=value)
            | Q(employer_name__icontains=value)
        )


# The contract names these ``from`` and ``to``, which Python cannot spell as attributes.
CaseFilter.base_filters["from"] = CaseFilter.base_filters.pop("created_from")
CaseFilter.base_filters["to"] = CaseFilter.base_filters.pop("created_to")
