"""Writes to the directory: staff accounts, their memberships, and the role groups that carry model permissions."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from .models import Membership, Organization
from .states import Role

User = get_user_model()

_STAFF_VIEW = [
    "disputes.view_case",
    "disputes.view_caseevent",
    "disputes.view_casedeadline",
    "organizations.view_organization",
    "organizations.view_region",
]
# Model permissions per role: what the admin lets the role open. Which case and which transition is decided by
# the object predicates in disputes.permissions, never by these alone.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.INTAKE_CLERK: [*_STAFF_VIEW],
    Role.MEDIATOR: [*_STAFF_VIEW],
    Role.STATION_ADMIN: [*_STAFF_VIEW, "organizations.view_membership"],
    Role.ARBITRATOR: [*_STAFF_VIEW],
    Role.COURT_CLERK: [*_STAFF_VIEW],
    Role.LEGAL_AID: [*_STAFF_VIEW],
    # Services that take a worker after the dispute (re-employment, counselling) work from their handoff inbox and
    # its records (referrals.admin_aftercare, scoped to their handoffs); they open no case lists.
    Role.EMPLOYMENT_OFFICER: ["organizations.view_organization", "organizations.view_region"],
    Role.COUNSELLOR: ["organizations.view_organization", "organizations.view_region"],
    Role.OFFICIAL: [
        *_STAFF_VIEW,
        "organizations.view_membership",
        "disputes.view_deadlinerule",
        "disputes.change_deadlinerule",
        "disputes.view_routingrule",  # disputes.triage: routing rules as data
        "disputes.add_routingrule",
        "disputes.change_routingrule",
        "disputes.view_holidaynotice",
        "disputes.add_holidaynotice",
        "disputes.change_holidaynotice",
        "disputes.view_holidaynoticeday",
        "disputes.add_holidaynoticeday",
        "disputes.change_holidaynoticeday",
        "disputes.delete_holidaynoticeday",
        # knowledge: officials keep the laws, guides and classes current and review the consultation log
        "knowledge.view_source",
        "knowledge.add_source",
        "knowledge.change_source",
        "knowledge.view_article",
        "knowledge.add_article",
        "knowledge.change_article",
        "knowledge.view_lesson",
        "knowledge.add_lesson",
        "knowledge.change_lesson",
        "knowledge.view_consultationlog",
    ],
}


def role_group_ensure(role: str) -> Group:
    """The group of ``role``, created or updated to hold exactly the role's permissions. Idempotent."""
    group, _created = Group.objects.get_or_create(name=role)
    wanted = Q()
    for name in ROLE_PERMISSIONS[role]:
        app_label, codename = name.split(".")
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    group.permissions.set(Permission.objects.filter(wanted))
    return group


def role_groups_ensure() -> dict[str, Group]:
    return {role: role_group_ensure(role) for role in ROLE_PERMISSIONS}


@transaction.atomic
def staff_create(*, username: str, password: str, org_code: str, role: str, full_name: str = "") -> User:
    """Create the staff account, or update its password, and give it ``role`` in the organization ``org_code``."""
    if role not in Role.values:
        raise ValidationError(
            _("未知角色：%(role)s。可选：%(roles)s") % {"role": role, "roles": ", ".join(Role.values)}
        )
    try:
        organization = Organization.objects.get(code=org_code)
    except Organization.DoesNotExist:
        raise ValidationError(_("未找到代码为 %(code)s 的组织机构。") % {"code": org_code}) from None
    user, _created = User.objects.get_or_create(username=username)
    user.is_staff = True
    user.is_active = True
    if full_name:
        user.first_name = full_name
    user.set_password(password)
    user.save()
    Membership.objects.get_or_create(user=user, organization=organization, role=role)
    user.groups.add(role_group_ensure(role))
    return user
