"""The base of the project's admin classes."""

from django.contrib import admin
from django.http import Http404
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
