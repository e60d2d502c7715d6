"""The directory and notifications in the admin: each staff member sees their own part, read-only."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import RequestFactory
from django.urls import reverse

from organizations.models import Membership, Organization
from referrals.models import Notification
from referrals.states import NotificationChannel

from ..factories import case_in_state


@pytest.fixture
def root(db):
    return get_user_model().objects.create_superuser("root", "root@example.invalid", "pass-1234")


@pytest.mark.django_db
def test_a_station_admin_sees_their_station_and_its_branches_only(client, directory):
    client.force_login(directory.staff["station_admin"])
    response = client.get(reverse("admin:organizations_organization_changelist"))
    assert response.status_code == 200
    listed = set(response.context["cl"].result_list.values_list("code", flat=True))
    assert listed == {"station-a", "station-a-1"}
    url = reverse("admin:organizations_organization_change", args=[directory.other.pk])
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_the_directory_is_read_only_for_staff(client, directory):
    client.force_login(directory.staff["station_admin"])
    url = reverse("admin:organizations_organization_change", args=[directory.station.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()
    assert client.post(url, {"name": "改名"}).status_code == 403
    assert client.get(reverse("admin:organizations_organization_add")).status_code == 403
    assert Organization.objects.get(pk=directory.station.pk).name == "北区快递行业调解站"


@pytest.mark.django_db
def test_an_official_sees_the_organizations_of_their_region(client, directory):
    client.force_login(directory.staff["official"])
    response = client.get(reverse("admin:organizations_organization_changelist"))
    listed = set(response.context["cl"].result_list.values_list("code", flat=True))
    assert {"station-a", "station-a-1", "station-b", "arb", "court", "hrb"} <= listed


@pytest.mark.django_db
def test_a_superuser_sees_and_edits_everything(client, directory, root):
    client.force_login(root)
    response = client.get(reverse("admin:organizations_organization_changelist"))
    assert response.context["cl"].result_count == Organization.objects.count()
    url = reverse("admin:organizations_organization_change", args=[directory.other.pk])
    assert 'name="_save"' in client.get(url).content.decode()


@pytest.mark.django_db
def test_memberships_are_those_of_the_users_organizations(client, directory):
    client.force_login(directory.staff["station_admin"])
    response = client.get(reverse("admin:organizations_membership_changelist"))
    assert response.status_code == 200
    users = set(response.context["cl"].result_list.values_list("user__username", flat=True))
    assert users == {"admin_a", "mediator_a", "mediator_a1", "clerk_a"}
    foreign = Membership.objects.get(user__username="mediator_b")
    assert client.get(reverse("admin:organizations_membership_change", args=[foreign.pk])).status_code == 404


@pytest.mark.django_db
def test_regions_are_those_of_the_users_organizations(client, directory):
    client.force_login(directory.staff["mediator"])
    response = client.get(reverse("admin:organizations_region_changelist"))
    assert set(response.context["cl"].result_list.values_list("code", flat=True)) == {"north"}


@pytest.mark.django_db
def test_foreign_key_choices_are_scoped_to_the_user(directory):
    request = RequestFactory().get("/")
    request.user = directory.staff["station_admin"]
    org_admin = admin.site._registry[Organization]
    parent = org_admin.formfield_for_foreignkey(Organization._meta.get_field("parent"), request)
    assert set(parent.queryset.values_list("code", flat=True)) == {"station-a", "station-a-1"}
    region = org_admin.formfield_for_foreignkey(Organization._meta.get_field("region"), request)
    assert set(region.queryset.values_list("code", flat=True)) == {"north"}
    membership_admin = admin.site._registry[Membership]
    field = Membership._meta.get_field("organization")
    organization = membership_admin.formfield_for_foreignkey(field, request)
    assert set(organization.queryset.values_list("code", flat=True)) == {"station-a", "station-a-1"}


# --- 我的通知 ----------------------------------------------------------------------------------------------
def _notify(case, user, body):
    return Notification.objects.create(
        case=case, channel=NotificationChannel.IN_APP, recipient_user=user, body=body, idempotency_key=body
    )


@pytest.mark.django_db
def test_staff_see_only_their_own_notifications_read_only(client, directory, root):
    case = case_in_state("assigned", station=directory.station)
    mine = _notify(case, directory.staff["mediator"], "新案件待受理：给调解员")
    theirs = _notify(case, directory.staff["station_admin"], "新案件待受理：给管理员")
    client.force_login(directory.staff["mediator"])

    response = client.get(reverse("admin:referrals_notification_changelist"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "我的通知" in content
    assert mine.body in content
    assert theirs.body not in content
    assert client.get(reverse("admin:referrals_notification_change", args=[theirs.pk])).status_code == 404
    page = client.get(reverse("admin:referrals_notification_change", args=[mine.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.get(reverse("admin:referrals_notification_add")).status_code == 403
    assert client.post(reverse("admin:referrals_notification_delete", args=[mine.pk])).status_code == 403

    client.force_login(root)
    content = client.get(reverse("admin:referrals_notification_changelist")).content.decode()
    assert mine.body in content and theirs.body in content
