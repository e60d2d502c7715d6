"""Reads of the directory, scoped to a user. Every case scope in the project starts from :func:`scope_for`."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from .models import Membership, Organization, Region
from .states import OrgType, Role

_CACHE_ATTR = "_onestop_scope"


@dataclass(frozen=True)
class Scope:
    """What one staff member works on: organizations (with their branches) by role, and regions they oversee."""

    is_superuser: bool = False
    org_ids_by_role: dict[str, frozenset[int]] = field(default_factory=dict)
    region_ids: frozenset[int] = frozenset()

    @property
    def org_ids(self) -> frozenset[int]:
        return frozenset().union(*self.org_ids_by_role.values()) if self.org_ids_by_role else frozenset()

    def orgs_with_role(self, *roles: str) -> frozenset[int]:
        return frozenset().union(*(self.org_ids_by_role.get(role, frozenset()) for role in roles))

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(self.org_ids_by_role)


def _descendants(root_ids: set[int], children: dict[int | None, list[int]]) -> set[int]:
    seen: set[int] = set()
    stack = list(root_ids)
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        stack.extend(children.get(node, ()))
    return seen


def scope_for(user: AbstractBaseUser | AnonymousUser | None) -> Scope:
    """The user's scope, computed once per user object (so once per request).

    A membership covers its organization and every branch below it. An official's membership in a bureau or
    federation covers every organization of that bureau's region and the regions below it.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return Scope()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if user.is_superuser:
        scope = Scope(is_superuser=True)
    else:
        memberships = list(
            Membership.objects.filter(user=user, organization__is_active=True).values_list(
                "role", "organization_id", "organization__region_id"
            )
        )
        org_children: dict[int | None, list[int]] = defaultdict(list)
        for org_id, parent_id in Organization.objects.values_list("id", "parent_id"):
            org_children[parent_id].append(org_id)
        region_children: dict[int | None, list[int]] = defaultdict(list)
        for region_id, parent_id in Region.objects.values_list("id", "parent_id"):
            region_children[parent_id].append(region_id)

        roots_by_role: dict[str, set[int]] = defaultdict(set)
        official_regions: set[int] = set()
        for role, org_id, region_id in memberships:
            roots_by_role[role].add(org_id)
            if role == Role.OFFICIAL:
                official_regions.add(region_id)
        region_ids = _descendants(official_regions, region_children)
        by_role = {
            role: frozenset(_descendants(roots, org_children)) for role, roots in roots_by_role.items()
        }
        if region_ids:
            in_region = set(
                Organization.objects.filter(region_id__in=region_ids).values_list("id", flat=True)
            )
            by_role[Role.OFFICIAL] = frozenset(by_role.get(Role.OFFICIAL, frozenset()) | in_region)
        scope = Scope(org_ids_by_role=by_role, region_ids=frozenset(region_ids))
    setattr(user, _CACHE_ATTR, scope)
    return scope


def organization_list_taking_claims():
    """The public list of organizations a worker may file with (mediation organizations that take claims)."""
    return (
        Organization.objects.filter(is_active=True, accepts_claims=True, type__in=OrgType.mediation_types())
        .select_related("region", "parent")
        .order_by("region__code", "code")
    )


def organization_list_visible_to(*, user) -> "list[Organization]":
    scope = scope_for(user)
    qs = Organization.objects.select_related("region", "parent")
    return qs if scope.is_superuser else qs.filter(pk__in=scope.org_ids)
