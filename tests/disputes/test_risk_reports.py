"""Risk reports from monitoring informants: filed on a public page (rate-limited, phone encrypted at rest), listed
for the officials of the region with the phone masked, and acknowledged or closed by them."""

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from disputes.models import RiskReport, RiskReportStatus
from disputes.risk import risk_report_acknowledge, risk_report_close, risk_report_create
from disputes.risk_views import RISK_REPORT_RATE
from organizations.states import Role
from tests.factories import OrganizationFactory, RegionFactory, make_staff

URL = "/report-risk/"
PHONE = "13600001111"
PHONE_MASKED = "136****1111"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def report_data(directory, **overrides) -> dict:
    data = {
        "reporter_name": "周敏",
        "reporter_phone": PHONE,
        "reporter_org": "某某制衣厂工会主席",
        "employer_name": "示范市某某制衣有限公司",
        "employer_credit_code": "",
        "region": str(directory.north.pk),
        "workers_affected": "46",
        "amount_in_arrears": "380000",
        "description": "两个月未发工资，老板近一周联系不上，工人准备集体讨薪。",
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def a_report(directory, region=None, **overrides) -> RiskReport:
    fields = {
        "reporter_name": "周敏",
        "reporter_phone": PHONE,
        "reporter_org": "某某制衣厂工会主席",
        "employer_name": "示范市某某制衣有限公司",
        "region": region or directory.north,
        "workers_affected": 46,
        "description": "两个月未发工资。",
    }
    fields.update(overrides)
    return risk_report_create(**fields)


@pytest.fixture
def far_official(directory):
    """An official of a region outside the city."""
    elsewhere = RegionFactory(code="elsewhere", name="另一市")
    bureau = OrganizationFactory(code="hrb-elsewhere", name="另一市人社局", region=elsewhere, bureau=True)
    return make_staff(org=bureau, role=Role.OFFICIAL, username="official_far")


# --- The public page -------------------------------------------------------------------------------------------
def test_the_page_asks_for_consent_in_chinese(client, directory):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "报告劳动关系风险" in html
    assert "不会告知被报告的单位" in html
    assert "北区" in html


def test_a_report_is_filed_and_the_phone_is_encrypted_at_rest(client, directory):
    response = client.post(URL, report_data(directory))
    assert response.status_code == 302
    assert response["Location"] == reverse("risk_report_done")
    assert "报告已收到" in client.get(response["Location"]).content.decode()

    report = RiskReport.objects.get()
    assert report.reporter_phone == PHONE
    assert report.region == directory.north
    assert report.workers_affected == 46
    assert report.amount_in_arrears == 380000
    assert report.status == RiskReportStatus.OPEN
    assert report.employer_key == "示范市某某制衣"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT reporter_phone FROM {RiskReport._meta.db_table} WHERE id = %s", [report.pk])
        (stored,) = cursor.fetchone()
    assert PHONE not in stored and "1111" not in stored
    assert stored.startswith("gAAAA")  # a Fernet token


def test_bad_input_is_refused_in_chinese_and_nothing_is_saved(client, directory):
    response = client.post(
        URL,
        report_data(directory, reporter_phone="123", workers_affected="0", consent=None, region="999999"),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "请填写11位手机号码" in html
    assert "涉及人数至少为1人。" in html
    assert "需要您同意处理个人信息，我们才能接收报告。" in html
    assert "请从列表中选择区域。" in html
    assert 'value="示范市某某制衣有限公司"' in html
    assert not RiskReport.objects.exists()


def test_the_honeypot_files_nothing(client, directory):
    response = client.post(URL, report_data(directory, website="http://spam.example"))
    assert response.status_code == 200
    assert not RiskReport.objects.exists()


def test_submissions_are_rate_limited_per_address(client, directory):
    allowed = int(RISK_REPORT_RATE.split("/")[0])
    for _ in range(allowed):
        assert client.post(URL, report_data(directory), REMOTE_ADDR="10.0.0.7").status_code == 302
    limited = client.post(URL, report_data(directory), REMOTE_ADDR="10.0.0.7")
    assert limited.status_code == 429
    assert "提交过于频繁" in limited.content.decode()
    assert RiskReport.objects.count() == allowed
    # Another address is not affected; reading the page is never limited.
    assert client.post(URL, report_data(directory), REMOTE_ADDR="10.0.0.8").status_code == 302
    assert client.get(URL, REMOTE_ADDR="10.0.0.7").status_code == 200


# --- Officials -------------------------------------------------------------------------------------------------
def test_an_official_of_the_region_lists_it_with_the_phone_masked(client, directory):
    report = a_report(directory)
    client.force_login(directory.staff["official"])  # the city's bureau: north is below the city
    listing = client.get(reverse("admin:disputes_riskreport_changelist"))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "示范市某某制衣有限公司" in html
    assert PHONE_MASKED in html
    assert PHONE not in html
    # The report's own page gives the official the number to call the reporter back.
    page = client.get(reverse("admin:disputes_riskreport_change", args=[report.pk]))
    assert page.status_code == 200
    assert PHONE in page.content.decode()
    # The workbench's index offers the reports to the official.
    assert reverse("admin:disputes_riskreport_changelist") in client.get("/admin/").content.decode()


def test_an_official_of_another_region_does_not_see_it(client, directory, far_official):
    report = a_report(directory)
    mine = a_report(
        directory, region=far_official.memberships.get().organization.region, employer_name="另一市某厂"
    )
    client.force_login(far_official)
    html = client.get(reverse("admin:disputes_riskreport_changelist")).content.decode()
    assert "示范市某某制衣有限公司" not in html
    assert "另一市某厂" in html
    assert client.get(reverse("admin:disputes_riskreport_change", args=[report.pk])).status_code == 404
    assert client.get(reverse("admin:disputes_riskreport_change", args=[mine.pk])).status_code == 200


@pytest.mark.parametrize("who", ["mediator", "station_admin", "intake_clerk", "arbitrator"])
def test_staff_who_are_not_officials_see_no_reports(client, directory, who):
    report = a_report(directory)
    client.force_login(directory.staff[who])
    assert client.get(reverse("admin:disputes_riskreport_changelist")).status_code == 403
    # Outside anyone's scope a report does not exist for them (404, as for cases).
    assert client.get(reverse("admin:disputes_riskreport_change", args=[report.pk])).status_code == 404
    assert reverse("admin:disputes_riskreport_changelist") not in client.get("/admin/").content.decode()


def test_a_superuser_sees_every_report(admin_client, directory, far_official):
    a_report(directory)
    a_report(directory, region=far_official.memberships.get().organization.region, employer_name="另一市某厂")
    html = admin_client.get(reverse("admin:disputes_riskreport_changelist")).content.decode()
    assert "示范市某某制衣有限公司" in html and "另一市某厂" in html


def test_acknowledging_records_who_and_when(client, directory):
    report = a_report(directory)
    official = directory.staff["official"]
    client.force_login(official)
    before = timezone.now()
    response = client.post(
        reverse("admin:disputes_riskreport_changelist"),
        {"action": "acknowledge_selected", "_selected_action": [report.pk], "note": "已联系街道核实"},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == RiskReportStatus.ACKNOWLEDGED
    assert report.acknowledged_by == official
    assert before <= report.acknowledged_at <= timezone.now()
    assert "签收" in report.note and "已联系街道核实" in report.note

    client.post(
        reverse("admin:disputes_riskreport_changelist"),
        {"action": "close_selected", "_selected_action": [report.pk], "note": "工资已于当日发放"},
    )
    report.refresh_from_db()
    assert report.status == RiskReportStatus.CLOSED
    assert report.closed_by == official and report.closed_at is not None
    assert report.acknowledged_by == official  # the first acknowledgement stands
    assert "工资已于当日发放" in report.note


def test_acknowledging_twice_keeps_the_first(directory):
    report = a_report(directory)
    first = risk_report_acknowledge(report_id=report.pk, actor=directory.staff["official"])
    other = make_staff(org=directory.bureau, role=Role.OFFICIAL, username="official_2")
    second = risk_report_acknowledge(report_id=report.pk, actor=other, note="重复点击")
    assert second.acknowledged_by == directory.staff["official"]
    assert second.acknowledged_at == first.acknowledged_at
    assert "重复点击" not in second.note


def test_closing_acknowledges_a_report_nobody_had(directory):
    report = risk_report_close(report_id=a_report(directory).pk, actor=directory.staff["official"])
    assert report.status == RiskReportStatus.CLOSED
    assert report.acknowledged_by == directory.staff["official"]


def test_the_services_refuse_officials_of_another_region(directory, far_official):
    report = a_report(directory)
    with pytest.raises(PermissionDenied):
        risk_report_acknowledge(report_id=report.pk, actor=far_official)
    with pytest.raises(PermissionDenied):
        risk_report_close(report_id=report.pk, actor=directory.staff["mediator"])
    report.refresh_from_db()
    assert report.status == RiskReportStatus.OPEN
