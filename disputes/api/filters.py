import django_filters
from django.db.models import Q

from organizations.states import Industry

from ..models import Case
from ..services import tracking_code_normalize
from ..states import CaseStatus, Category, Channel


class CaseFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=CaseStatus.choices)
    station = django_filters.CharFilter(field_name="station__code")
    region = django_filters.CharFilter(field_name="region__code")
    industry = django_filters.ChoiceFilter(choices=Industry.choices)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    category = django_filters.ChoiceFilter(choices=Category.choices, method="filter_category")
    created_from = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label="from")
    created_to = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label="to")
    search = django_filters.CharFilter(method="filter_search", label="tracking code, worker or employer")

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
