"""``create_staff --username U --password P --org CODE --role ROLE``, a public command (SPEC.md)."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from organizations.models import Membership
from organizations.states import Role

from ..factories import OrganizationFactory

User = get_user_model()


@pytest.fixture
def station(db):
    return OrganizationFactory(code="station-x", name="示范快递行业调解站")


def _create(**options) -> str:
    out = StringIO()
    call_command("create_staff", stdout=out, **options)
    return out.getvalue()


def test_creates_a_staff_account_with_its_membership_and_group(station):
    output = _create(username="lin", password="first-pass-1", org="station-x", role="mediator", name="林晓燕")

    user = User.objects.get(username="lin")
    assert user.is_staff and user.is_active and not user.is_superuser
    assert user.first_name == "林晓燕"
    assert user.check_password("first-pass-1")
    assert list(Membership.objects.filter(user=user).values_list("organization__code", "role")) == [
        ("station-x", Role.MEDIATOR)
    ]
    assert list(user.groups.values_list("name", flat=True)) == [Role.MEDIATOR]
    assert user.has_perm("disputes.view_case")
    assert "lin: mediator @ station-x" in output


def test_running_it_again_resets_the_password_without_duplicating(station):
    _create(username="lin", password="first-pass-1", org="station-x", role="mediator")
    _create(username="lin", password="second-pass-2", org="station-x", role="mediator")

    user = User.objects.get(username="lin")
    assert user.check_password("second-pass-2")
    assert not user.check_password("first-pass-1")
    assert Membership.objects.filter(user=user).count() == 1
    assert user.groups.count() == 1


def test_a_second_role_adds_a_membership(station):
    _create(username="chen", password="pass-1234", org="station-x", role="mediator")
    _create(username="chen", password="pass-1234", org="station-x", role="station_admin")

    user = User.objects.get(username="chen")
    assert set(Membership.objects.filter(user=user).values_list("role", flat=True)) == {
        Role.MEDIATOR,
        Role.STATION_ADMIN,
    }
    assert set(user.groups.values_list("name", flat=True)) == {Role.MEDIATOR, Role.STATION_ADMIN}


def test_an_unknown_organization_fails_clearly_and_creates_nobody(db):
    with pytest.raises(CommandError) as excinfo:
        _create(username="ghost", password="pass-1234", org="no-such-org", role="mediator")

    assert "no-such-org" in str(excinfo.value)
    assert "未找到" in str(excinfo.value)
    assert not User.objects.filter(username="ghost").exists()


def test_an_unknown_role_fails_clearly_and_creates_nobody(station):
    with pytest.raises(CommandError) as excinfo:
        _create(username="ghost", password="pass-1234", org="station-x", role="boss")

    message = str(excinfo.value)
    assert "--role" in message and "boss" in message
    assert "mediator" in message  # the valid roles are listed
    assert not User.objects.filter(username="ghost").exists()


def test_required_options_are_required(db):
    with pytest.raises(CommandError, match="--org"):
        _create(username="ghost", password="pass-1234", role="mediator")
