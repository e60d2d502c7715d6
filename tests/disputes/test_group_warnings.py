"""disputes.warnings: N or more workers' cases against one employer within D days in one region, or a collective
filing of 10 or more, opens one group-dispute warning for the region's officials (notified in-app); new cases join
an open warning; officials acknowledge, assign a coordinator and close it; risk reports join; thresholds per region;
legal check-ups and visits entered in the admin. Scoped by region: others' warnings do not exist for them."""

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from disputes.intake.services import intake_submit
from disputes.matching import employer_key
from disputes.models import CaseEvent, EmployerVisit, GroupWarning, GroupWarningSetting, RiskReport
from disputes.models.related import GroupWarningStatus, GroupWarningTrigger
from disputes.permissions import WORKER
from disputes.pii import keyed_hash
from disputes.states import CaseStatus as S
from disputes.warnings import (
    GroupWarningConflict,
    group_warning_acknowledge,
    group_warning_assign_coordinator,
    group_warning_attach_risk_report,
    group_warning_check,
    group_warning_close,
    group_warning_list_visible_to,
    thresholds_for,
)
from organizations.states import Role
from referrals.models import Notification
from referrals.services import case_event_dispatch
from tests.factories import OrganizationFactory, case_in_state, make_staff

pytestmark = pytest.mark.django_db

EMPLOYER = "温州市顺达速运有限公司"
D = 30


@pytest.fixture(autouse=True)
def _quiet_tasks():
    with mock.patch("config.celery.enqueue") as patched:
        yield patched


@pytest.fixture
def south_official(directory):
    bureau = OrganizationFactory(code="hrb-south", name="南区人社局", region=directory.south, bureau=True)
    return make_staff(org=bureau, role=Role.OFFICIAL, username="official_south")


_serial = iter(range(10_000))


def worker_case(directory, *, days_ago: float = 0, employer_name=EMPLOYER, station=None, **kwargs):
    """A case of a new worker (a distinct ID number) against the employer, filed ``days_ago``."""
    n = next(_serial)
    id_number = f"33030219900101{n:04d}"
    kwargs.setdefault("created_at", timezone.now() - timedelta(days=days_ago))
    return case_in_state(
        S.ASSIGNED,
        station=station or directory.station,
        tracking_code=f"W{n:03d}-TEST"[:9],
        worker_id_number=id_number,
        worker_id_hash=keyed_hash(id_number),
        worker_phone=f"139{n:08d}",
        worker_phone_hash=keyed_hash(f"139{n:08d}"),
        employer_name=employer_name,
        employer_key=employer_key(employer_name),
        **kwargs,
    )


def check(case) -> list[GroupWarning]:
    return group_warning_check(case_ids=[case.pk])


# --- The threshold ---------------------------------------------------------------------------------------------
def test_n_minus_one_cases_open_nothing(directory):
    for days in (20, 10, 5):
        worker_case(directory, days_ago=days)
    newest = worker_case(directory)

    assert check(newest) == []
    assert not GroupWarning.objects.exists()


def test_the_nth_case_opens_a_warning_with_the_cases_listed(directory):
    earlier = [worker_case(directory, days_ago=days) for days in (20, 10, 5, 1)]
    newest = worker_case(directory, employer_name="温州市 顺达速运（鹿城）有限公司")

    [warning] = check(newest)

    assert warning.status == GroupWarningStatus.OPEN
    assert warning.trigger == GroupWarningTrigger.THRESHOLD
    assert warning.region == directory.north
    assert (warning.min_cases, warning.window_days) == (5, 30)
    assert set(warning.cases.values_list("pk", flat=True)) == {c.pk for c in [*earlier, newest]}


def test_the_next_case_joins_the_open_warning(directory):
    for days in (20, 10, 5, 1):
        worker_case(directory, days_ago=days)
    [warning] = check(worker_case(directory))

    sixth = worker_case(directory)
    assert check(sixth) == [warning]

    assert GroupWarning.objects.count() == 1
    assert warning.cases.count() == 6
    assert CaseEvent.objects.filter(transition="group_warning").count() == 1  # announced once


def test_a_case_more_than_d_days_earlier_does_not_count(directory):
    worker_case(directory, days_ago=D + 1)
    for days in (20, 10, 5):
        worker_case(directory, days_ago=days)

    assert check(worker_case(directory)) == []


def test_a_case_exactly_d_days_earlier_counts(directory):
    newest_at = timezone.now()
    worker_case(directory, created_at=newest_at - timedelta(days=D))
    for days in (20, 10, 5):
        worker_case(directory, days_ago=days)

    [warning] = check(worker_case(directory, created_at=newest_at))
    assert warning.cases.count() == 5


def test_a_worker_filing_twice_counts_once(directory):
    first = worker_case(directory, days_ago=3)
    case_in_state(
        S.ASSIGNED,
        station=directory.station,
        worker_id_number=first.worker_id_number,
        worker_id_hash=first.worker_id_hash,
        employer_name=EMPLOYER,
        employer_key=employer_key(EMPLOYER),
    )
    for days in (2, 1):
        worker_case(directory, days_ago=days)

    assert check(worker_case(directory)) == []  # 5 cases, 4 workers


def test_cases_in_another_region_do_not_count(directory):
    for days in (4, 3, 2, 1):
        worker_case(directory, days_ago=days, station=directory.other)  # south

    assert check(worker_case(directory)) == []


def test_another_employer_does_not_count(directory):
    for days in (4, 3, 2, 1):
        worker_case(directory, days_ago=days, employer_name="温州市顺通速运有限公司")

    assert check(worker_case(directory)) == []


def test_the_credit_code_groups_differently_typed_names(directory):
    code = "91330302MA2ABCDE1X"
    for days, name in zip((4, 3, 2, 1), ("顺达", "顺达速运", "温州顺达", "顺达快递"), strict=True):
        worker_case(directory, days_ago=days, employer_name=name, employer_credit_code=code)

    [warning] = check(worker_case(directory, employer_name="某某物流", employer_credit_code=code))
    assert warning.cases.count() == 5
    assert warning.employer_credit_code == code


def test_a_closed_warning_is_not_reopened_by_the_cases_it_dealt_with(directory):
    for days in (4, 3, 2, 1):
        worker_case(directory, days_ago=days)
    [warning] = check(worker_case(directory))
    group_warning_close(warning_id=warning.pk, actor=directory.staff["official"], note="已协调发放")

    assert check(worker_case(directory, created_at=timezone.now() + timedelta(minutes=1))) == []
    assert GroupWarning.objects.count() == 1


# --- Thresholds per region -------------------------------------------------------------------------------------
def test_a_region_inherits_the_thresholds_of_the_region_above(directory):
    GroupWarningSetting.objects.create(region=directory.city, min_cases=3, window_days=10)

    assert thresholds_for(region_id=directory.north.pk).min_cases == 3
    worker_case(directory, days_ago=11)
    worker_case(directory, days_ago=9)
    worker_case(directory, days_ago=1)
    [warning] = check(worker_case(directory))
    assert (warning.min_cases, warning.window_days) == (3, 10)
    assert warning.cases.count() == 3


def test_the_defaults_without_any_setting(directory):
    limits = thresholds_for(region_id=directory.north.pk)
    assert (limits.min_cases, limits.window_days, limits.collective_min_workers) == (5, 30, 10)


# --- Collective filings ----------------------------------------------------------------------------------------
def collective(directory, workers: int):
    coworkers = [
        {
            "worker_name": f"工友{i}",
            "worker_id_number": f"33030219850505{i:04d}",
            "worker_phone": f"1370000{i:04d}",
            "amount_claimed": Decimal("3000"),
            "is_representative": i < 3,
        }
        for i in range(workers - 1)
    ]
    claim = {
        "worker_name": "张伟",
        "worker_id_number": "330302199001011234",
        "worker_phone": "13812345678",
        "employer_name": EMPLOYER,
        "industry": "express_delivery",
        "categories": ["wages"],
        "amount_claimed": Decimal("3000"),
        "facts": "全站点两个月工资未发。",
        "station": directory.station,
    }
    return intake_submit(claim=claim, amounts={"wages": None}, actor=WORKER, coworkers=coworkers)


def test_a_collective_filing_of_ten_opens_one_warning(directory):
    # Only the collective rule can fire.
    GroupWarningSetting.objects.create(region=directory.north, min_cases=50)

    filed = collective(directory, 10)

    [warning] = GroupWarning.objects.all()
    assert warning.trigger == GroupWarningTrigger.COLLECTIVE
    assert set(warning.cases.values_list("pk", flat=True)) == {f.case_id for f in filed}


def test_a_collective_filing_of_nine_opens_none(directory):
    GroupWarningSetting.objects.create(region=directory.north, min_cases=50)

    collective(directory, 9)

    assert not GroupWarning.objects.exists()


# --- Officials are told ----------------------------------------------------------------------------------------
def test_opening_notifies_the_officials_of_the_region_in_app(directory, south_official):
    for days in (4, 3, 2, 1):
        worker_case(directory, days_ago=days)
    newest = worker_case(directory)
    check(newest)

    event = CaseEvent.objects.get(transition="group_warning")
    assert event.case_id == newest.pk
    case_event_dispatch(event_id=event.pk)

    notified = set(
        Notification.objects.filter(event=event).values_list("recipient_user__username", flat=True)
    )
    assert "official" in notified  # the city bureau oversees the north district
    assert "official_south" not in notified
    assert not Notification.objects.filter(event=event, to_worker=True).exists()


# --- Risk reports join -----------------------------------------------------------------------------------------
def risk_report(directory, region=None, name="温州市顺达速运（鹿城）有限公司") -> RiskReport:
    return RiskReport.objects.create(
        reporter_name="周敏",
        reporter_phone="13600001111",
        employer_name=name,
        employer_key=employer_key(name),
        region=region or directory.north,
        workers_affected=30,
        description="两个月未发工资。",
    )


def test_risk_reports_on_the_employer_join_the_warning(directory):
    report = risk_report(directory)
    elsewhere = risk_report(directory, region=directory.south)
    for days in (4, 3, 2, 1):
        worker_case(directory, days_ago=days)
    [warning] = check(worker_case(directory))

    assert list(warning.risk_reports.all()) == [report]
    later = risk_report(directory)
    assert group_warning_attach_risk_report(report_id=later.pk) == warning
    assert set(warning.risk_reports.all()) == {report, later}
    assert elsewhere not in warning.risk_reports.all()


# --- Handling ---------------------------------------------------------------------------------------------------
@pytest.fixture
def warning(directory):
    for days in (4, 3, 2, 1):
        worker_case(directory, days_ago=days)
    [warning] = check(worker_case(directory))
    return warning


def test_acknowledge_assign_and_close(directory, warning):
    official = directory.staff["official"]

    warning = group_warning_acknowledge(warning_id=warning.pk, actor=official, note="已收到")
    assert warning.status == GroupWarningStatus.ACKNOWLEDGED
    assert warning.acknowledged_by == official
    assert (
        group_warning_acknowledge(warning_id=warning.pk, actor=official).acknowledged_at
        == warning.acknowledged_at
    )

    warning = group_warning_assign_coordinator(
        warning_id=warning.pk, actor=official, coordinator=directory.staff["station_admin"]
    )
    assert warning.coordinator == directory.staff["station_admin"]

    with pytest.raises(ValidationError):
        group_warning_close(warning_id=warning.pk, actor=official, note="  ")
    warning = group_warning_close(warning_id=warning.pk, actor=official, note="企业已补发工资")
    assert warning.status == GroupWarningStatus.CLOSED
    assert warning.closed_by == official
    assert "已收到" in warning.note and "企业已补发工资" in warning.note

    with pytest.raises(GroupWarningConflict):
        group_warning_close(warning_id=warning.pk, actor=official, note="again")
    with pytest.raises(GroupWarningConflict):
        group_warning_acknowledge(warning_id=warning.pk, actor=official)


def test_a_new_warning_may_open_after_the_last_closed(directory, warning):
    group_warning_close(warning_id=warning.pk, actor=directory.staff["official"], note="已处置")
    later = timezone.now() + timedelta(days=1)
    cases = [worker_case(directory, created_at=later + timedelta(minutes=i)) for i in range(5)]

    [second] = check(cases[-1])
    assert second.pk != warning.pk
    assert second.cases.count() == 5


def test_an_official_of_another_region_sees_nothing_and_cannot_act(directory, warning, south_official):
    assert not group_warning_list_visible_to(user=south_official).exists()
    with pytest.raises(PermissionDenied):
        group_warning_acknowledge(warning_id=warning.pk, actor=south_official)
    with pytest.raises(PermissionDenied):
        group_warning_close(warning_id=warning.pk, actor=south_official, note="x")


def test_a_mediator_cannot_act_on_warnings(directory, warning):
    mediator = directory.staff["mediator"]
    assert not group_warning_list_visible_to(user=mediator).exists()
    with pytest.raises(PermissionDenied):
        group_warning_acknowledge(warning_id=warning.pk, actor=mediator)
    with pytest.raises(PermissionDenied):
        group_warning_assign_coordinator(warning_id=warning.pk, actor=mediator, coordinator=mediator)


# --- Admin -------------------------------------------------------------------------------------------------------
def test_officials_handle_warnings_in_the_admin(client, directory, warning):
    client.force_login(directory.staff["official"])

    assert client.get(reverse("admin:disputes_groupwarning_changelist")).status_code == 200
    page = client.get(reverse("admin:disputes_groupwarning_change", args=[warning.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="warning-cases"' in html
    assert reverse("admin:disputes_employer_page") in html

    act = reverse("admin:disputes_groupwarning_act", args=[warning.pk, "assign"])
    client.post(act, {"coordinator": directory.staff["station_admin"].pk, "note": "请站点牵头"})
    client.post(reverse("admin:disputes_groupwarning_act", args=[warning.pk, "close"]), {"note": "已处置"})

    warning.refresh_from_db()
    assert warning.coordinator == directory.staff["station_admin"]
    assert warning.status == GroupWarningStatus.CLOSED


def test_the_list_action_acknowledges(client, directory, warning):
    client.force_login(directory.staff["official"])

    client.post(
        reverse("admin:disputes_groupwarning_changelist"),
        {"action": "acknowledge_selected", "_selected_action": [warning.pk], "note": ""},
    )

    assert GroupWarning.objects.get(pk=warning.pk).status == GroupWarningStatus.ACKNOWLEDGED


def test_a_mediator_has_no_warnings_in_the_admin(client, directory, warning):
    client.force_login(directory.staff["mediator"])

    assert client.get(reverse("admin:disputes_groupwarning_changelist")).status_code == 403
    assert client.get(reverse("admin:disputes_groupwarning_change", args=[warning.pk])).status_code in (
        403,
        404,
    )
    client.post(reverse("admin:disputes_groupwarning_act", args=[warning.pk, "close"]), {"note": "x"})
    assert GroupWarning.objects.get(pk=warning.pk).status == GroupWarningStatus.OPEN


def test_officials_record_visits_and_thresholds_for_their_regions(client, directory, south_official):
    client.force_login(south_official)
    data = {
        "employer_name": "温州市顺达速运（南区）有限公司",
        "employer_credit_code": "",
        "region": directory.south.pk,
        "visited_on": "2026-03-01",
        "kind": "legal_checkup",
        "team": "南区法治体检组",
        "findings": "未签订书面劳动合同 12 人。",
        "risks": "工资发放不及时",
        "follow_up": "一个月内复查",
    }

    response = client.post(reverse("admin:disputes_employervisit_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    visit = EmployerVisit.objects.get()
    assert visit.employer_key == "温州市顺达速运"
    assert visit.recorded_by == south_official

    response = client.post(
        reverse("admin:disputes_employervisit_add"), {**data, "region": directory.north.pk}
    )
    assert response.status_code == 200  # north is not theirs: the form refuses it
    assert EmployerVisit.objects.count() == 1

    response = client.post(
        reverse("admin:disputes_groupwarningsetting_add"),
        {"region": directory.south.pk, "min_cases": 3, "window_days": 14, "collective_min_workers": 8},
    )
    assert response.status_code == 302
    assert thresholds_for(region_id=directory.south.pk).window_days == 14


def test_the_admin_lists_render_for_an_official_and_a_superuser(
    client, directory, warning, django_user_model
):
    admin_user = django_user_model.objects.create_superuser("root", "root@example.com", "pass-1234")
    for user in (directory.staff["official"], admin_user):
        client.force_login(user)
        for name in (
            "admin:disputes_groupwarning_changelist",
            "admin:disputes_groupwarningsetting_changelist",
            "admin:disputes_groupwarningsetting_add",
            "admin:disputes_employervisit_changelist",
            "admin:disputes_employervisit_add",
            "admin:disputes_relatedcaselink_changelist",
            "admin:disputes_employer_page",
            "admin:index",
        ):
            assert client.get(reverse(name)).status_code == 200, (user, name)
