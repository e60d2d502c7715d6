"""The directory in the workbench. Superusers maintain it; other staff see only their own part of it (their
organizations with the branches below them, or their region for officials), read-only."""

from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from config.admin import ScopedAdmin

from .models import Membership, Organization, Region
from .posters import has_poster
from .selectors import organization_list_visible_to, scope_for


def regions_visible_to(user):
    """Regions of the user's organizations and the regions an official oversees."""
    scope = scope_for(user)
    if scope.is_superuser:
        return Region.objects.all()
    return Region.objects.filter(
        Q(pk__in=scope.region_ids) | Q(organizations__pk__in=scope.org_ids)
    ).distinct()


class SuperuserEditsMixin:
    """Read-only for everyone but superusers: the directory decides who sees which case."""

    def has_add_permission(self, request, *args):
        return request.user.is_superuser and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


class DirectoryAdmin(SuperuserEditsMixin, ScopedAdmin):
    """Staff read their part of the directory (outside it is a 404); superusers edit it."""


@admin.register(Region)
class RegionAdmin(DirectoryAdmin):
    list_display = ("code", "name", "parent")
    list_select_related = ("parent",)
    search_fields = ("code", "name")
    ordering = ("code",)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(pk__in=regions_visible_to(request.user).values("pk"))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["queryset"] = regions_visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MembershipInline(SuperuserEditsMixin, admin.TabularInline):
    """Who works at the organization, shown to those allowed to see memberships."""

    model = Membership
    extra = 0
    fields = ("user", "role", "is_available")
    raw_id_fields = ("user",)


@admin.register(Organization)
class OrganizationAdmin(DirectoryAdmin):
    list_display = (
        "code",
        "name",
        "type",
        "industry",
        "region",
        "parent",
        "accepts_claims",
        "is_active",
        "poster_col",
    )
    list_filter = (
        "type",
        "industry",
        "accepts_claims",
        "is_active",
        ("region", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("region", "parent")
    search_fields = ("code", "name", "address")
    ordering = ("region__code", "code")
    fieldsets = (
        (None, {"fields": ("code", "name", "type", "industry", "region", "parent")}),
        (_("受理与确认"), {"fields": ("accepts_claims", "mediation_legal_type")}),
        (_("联系方式"), {"fields": ("address", "phone")}),
        (None, {"fields": ("is_active",)}),
        (_("二维码海报"), {"fields": ("poster_links",)}),
    )
    readonly_fields = ("poster_links",)

    def get_queryset(self, request):
        return organization_list_visible_to(user=request.user)

    inlines = (MembershipInline,)

    @admin.display(description=_("二维码海报"))
    def poster_col(self, obj):
        if not has_poster(obj):
            return "—"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("organizations:poster_pdf", args=[obj.code]),
            _("二维码海报"),
        )

    @admin.display(description=_("二维码海报"))
    def poster_links(self, obj):
        if obj is None or obj.pk is None:
            return _("保存后可生成二维码海报。")
        if not has_poster(obj):
            return _("仅启用且受理劳动者申请的调解组织有二维码海报。")
        return format_html(
            '<a class="button" href="{}" target="_blank" rel="noopener">{}</a> '
            '<a href="{}" target="_blank" rel="noopener">{}</a> · '
            '<a href="{}" download>{}</a> · <a href="{}" download>{}</a>',
            reverse("organizations:poster_pdf", args=[obj.code]),
            _("二维码海报（PDF）"),
            reverse("organizations:page", args=[obj.code]),
            _("公开页面"),
            reverse("organizations:poster_png", args=[obj.code]),
            _("二维码 PNG"),
            reverse("organizations:poster_svg", args=[obj.code]),
            _("二维码 SVG"),
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["queryset"] = organization_list_visible_to(user=request.user)
        elif db_field.name == "region":
            kwargs["queryset"] = regions_visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MembershipOrganizationFilter(admin.SimpleListFilter):
    title = _("组织机构")
    parameter_name = "organization"

    def lookups(self, request, model_admin):
        orgs = organization_list_visible_to(user=request.user).order_by("code")
        self._allowed = {str(pk): name for pk, name in orgs.values_list("pk", "name")}
        return list(self._allowed.items())

    def queryset(self, request, queryset):
        value = self.value()
        if value and value in getattr(self, "_allowed", {}):
            return queryset.filter(organization_id=value)
        return queryset


@admin.register(Membership)
class MembershipAdmin(DirectoryAdmin):
    list_display = ("user", "user_full_name", "organization", "role", "is_available")
    list_filter = ("role", "is_available", MembershipOrganizationFilter)
    list_select_related = ("user", "organization")
    search_fields = ("user__username", "user__first_name", "user__last_name", "organization__name")
    raw_id_fields = ("user",)
    ordering = ("organization__code", "role", "user__username")

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        scope = scope_for(request.user)
        return qs if scope.is_superuser else qs.filter(organization_id__in=scope.org_ids)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organization":
            kwargs["queryset"] = organization_list_visible_to(user=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("姓名"), ordering="user__first_name")
    def user_full_name(self, obj):
        return obj.user.get_full_name() or "—"
