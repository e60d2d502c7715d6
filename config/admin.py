"""The base of the project's admin classes."""

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class ScopedAdmin(admin.ModelAdmin):
    """An admin whose queryset is scoped to the user (by a selector in ``get_queryset``): an object outside the
    scope is a 404 in the user's language, never Django's redirect with "may have been deleted", which would
    confirm that it exists."""

    not_found_message = _("未找到。")

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(self.not_found_message)
        return obj


class ReadOnlyAdminMixin:
    """Records nobody adds, edits or deletes in the admin (they change through services)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class BigTablePaginator(Paginator):
    """A changelist paginator that never counts a whole big table, and counts at most once per page.

    - With no filter at all on the queryset (a superuser's unfiltered list), the count is PostgreSQL's estimate of
      the table's rows (``pg_class.reltuples``, kept by autovacuum/ANALYZE): free, and shown as "约 N".
    - Otherwise the rows are counted up to ``cap + 1`` (``SELECT COUNT(*) FROM (… LIMIT cap + 1)``, with the
      ordering and the annotations dropped), so a filter matching half a million cases costs as much as one matching
      ten thousand; more than ``cap`` is shown as "10,000+".
    - An estimate below ``cap`` (a small table, or one never analysed) is replaced by that exact capped count.

    When the count is not exact, page links stop a few pages after the current one (no "last page" link to a page
    that may not exist); past ``cap`` rows a list is narrowed with filters or search, not paged through.
    """

    cap = 10_000

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_is_estimate = False
        self.count_is_capped = False

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return super().count
        if _is_whole_table(queryset):
            estimate = _estimated_rows(queryset)
            if estimate is not None and estimate > self.cap:
                self.count_is_estimate = True
                return estimate
        counted = queryset.order_by().values("pk")[: self.cap + 1].count()
        if counted > self.cap:
            self.count_is_capped = True
        return counted

    @property
    def count_is_exact(self) -> bool:
        self.count  # noqa: B018 (evaluates the count, which sets the flags)
        return not (self.count_is_estimate or self.count_is_capped)

    @property
    def count_display(self) -> str:
        """The count as the page shows it: "1,234", "约 1,000,000" or "10,000+"."""
        if self.count_is_exact:
            return f"{self.count:,}"
        if self.count_is_estimate:
            return gettext("约 %(n)s") % {"n": f"{self.count:,}"}
        return f"{self.cap:,}+"

    def get_elided_page_range(self, number=1, *, on_each_side=3, on_ends=2):
        if self.count_is_exact:
            yield from super().get_elided_page_range(number, on_each_side=on_each_side, on_ends=on_ends)
            return
        number = self.validate_number(number)
        first_middle = max(number - on_each_side, 1)
        if first_middle > on_ends + 1:
            yield from range(1, on_ends + 1)
            yield self.ELLIPSIS
        else:
            first_middle = 1
        last_middle = min(number + on_each_side, self.num_pages)
        yield from range(first_middle, last_middle + 1)
        if last_middle < self.num_pages:
            yield self.ELLIPSIS


def _is_whole_table(queryset: QuerySet) -> bool:
    """The queryset selects every row of its table: no WHERE, no DISTINCT, no slice (joins from select_related are
    outer joins on foreign keys, which add no rows)."""
    query = queryset.query
    return not query.where and not query.distinct and not query.is_sliced and not query.combinator


def _estimated_rows(queryset: QuerySet) -> int | None:
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
            [connection.ops.quote_name(queryset.model._meta.db_table)],
        )
        row = cursor.fetchone()
    return row[0] if row and row[0] is not None and row[0] >= 0 else None
