"""The employer page (disputes.employers, admin): an employer's cases as the official may see them (workers masked),
its warnings, risk reports and check-ups/visits together; found by name (however typed) or credit code, and
reached from a warning and from a case page. For officials only."""

from unittest import mock

import pytest
from django.urls import reverse

from disputes.employers import employer_page, employer_search, mask_name
from disputes.matching import employer_key
from disputes.models import EmployerVisit, GroupWarning, RiskReport
from disputes.pii import keyed_hash
from disputes.states import CaseStatus as S
from organizations.states import Role
from tests.factories import OrganizationFactory, case_in_state, make_staff

pytestmark = pytest.mark.django_db

EMPLOYER = "温州市顺达速运有限公司"
CODE = "91330302MA2ABCDE1X"
ID_NUMBER, PHONE = "330302199001011234", "13812345678"


@pytest.fixture(autouse=True)
def _quiet_tasks():
    with mock.patch("config.celery.enqueue") as patched:
        yield patched


@pytest.fixture
def employer(directory):
    """Two cases in the north (one typed messily), one in the south, a warning, a risk report and a check-up."""
    north = case_in_state(
        S.ASSIGNED,
        tracking_code="NNNN-2345",
        station=directory.station,
        worker_name="张伟",
        worker_id_number=ID_NUMBER,
        worker_id_hash=keyed_hash(ID_NUMBER),
        worker_phone=PHONE,
        employer_name=EMPLOYER,
        employer_key=employer_key(EMPLOYER),
    )
    messy = case_in_state(
        S.IN_MEDIATION,
        tracking_code="MMMM-2345",
        station=directory.station,
        worker_name="李娜",
        employer_name="温州市 顺达速运（鹿城）有限责任公司",
        employer_key=employer_key("温州市 顺达速运（鹿城）有限责任公司"),
        employer_credit_code=CODE,
    )
    south = case_in_state(
        S.ASSIGNED,
        tracking_code="SSSS-2345",
        station=directory.other,
        employer_name=EMPLOYER,
        employer_key=employer_key(EMPLOYER),
    )
    unrelated = case_in_state(
        S.ASSIGNED,
        tracking_code="UUUU-2345",
        station=directory.station,
        employer_name="温州市顺通速运有限公司",
        employer_key=employer_key("温州市顺通速运有限公司"),
    )
    warning = GroupWarning.objects.create(
        region=directory.north,
        employer_name=EMPLOYER,
        employer_key=employer_key(EMPLOYER),
        trigger="threshold",
    )
    warning.cases.add(north, messy)
    report = RiskReport.objects.create(
        reporter_name="周敏",
        reporter_phone="13600001111",
        employer_name="顺达速运",
        employer_credit_code=CODE,
        employer_key=employer_key("顺达速运"),
        region=directory.north,
        workers_affected=30,
        description="两个月未发工资，老板联系不上。",
    )
    visit = EmployerVisit.objects.create(
        employer_name=EMPLOYER,
        employer_key=employer_key(EMPLOYER),
        region=directory.north,
        kind="legal_checkup",
        team="北区法治体检组",
        findings="未签订书面劳动合同 12 人。",
    )
    south_visit = EmployerVisit.objects.create(
        employer_name=EMPLOYER,
        employer_key=employer_key(EMPLOYER),
        region=directory.south,
        kind="outreach_visit",
        team="南区走访组",
        findings="南区站点运转正常。",
    )
    return type(
        "Employer",
        (),
        {
            "north": north,
            "messy": messy,
            "south": south,
            "unrelated": unrelated,
            "warning": warning,
            "report": report,
            "visit": visit,
            "south_visit": south_visit,
        },
    )


@pytest.fixture
def north_official(directory):
    bureau = OrganizationFactory(code="hrb-north", name="北区人社局", region=directory.north, bureau=True)
    return make_staff(org=bureau, role=Role.OFFICIAL, username="official_north")


def test_the_page_shows_cases_warnings_reports_and_visits_together(directory, employer):
    page = employer_page(user=directory.staff["official"], name="温州市顺达速运（鹿城）有限公司")

    assert {c.tracking_code for c in page.cases} == {"NNNN-2345", "MMMM-2345", "SSSS-2345"}
    assert page.warnings == [employer.warning]
    assert page.warnings[0].case_total == 2
    assert page.risk_reports == []  # named differently and no code given: found through the code below
    assert set(page.visits) == {employer.visit, employer.south_visit}


def test_the_credit_code_brings_in_what_was_named_differently(directory, employer):
    page = employer_page(user=directory.staff["official"], key=employer_key(EMPLOYER), credit_code=CODE)

    assert page.risk_reports == [employer.report]
    assert "MMMM-2345" in {c.tracking_code for c in page.cases}


def test_a_credit_code_typed_in_the_name_box_is_taken_as_one(directory, employer):
    page = employer_page(user=directory.staff["official"], name=CODE.lower())

    assert page.credit_code == CODE
    assert {c.tracking_code for c in page.cases} == {"MMMM-2345"}
    assert page.risk_reports == [employer.report]


def test_workers_are_masked(directory, employer):
    page = employer_page(user=directory.staff["official"], key=employer_key(EMPLOYER))
    row = next(c for c in page.cases if c.tracking_code == "NNNN-2345")

    assert row.worker_name_masked == "张*"
    assert row.worker_id_masked == "3303**********1234"
    assert row.worker_phone_masked == "138****5678"
    assert mask_name("欧阳小明") == "欧***"


def test_an_official_sees_only_their_region(directory, employer, north_official):
    page = employer_page(user=north_official, key=employer_key(EMPLOYER))

    assert "SSSS-2345" not in {c.tracking_code for c in page.cases}
    assert page.visits == [employer.visit]


def test_search_by_name_finds_the_employer_however_typed(directory, employer):
    results = employer_search(user=directory.staff["official"], q="顺达速运")

    assert [r["employer_key"] for r in results] == ["温州市顺达速运"]
    assert results[0]["cases"] == 3


def test_the_admin_page_for_an_official(client, directory, employer):
    client.force_login(directory.staff["official"])
    url = reverse("admin:disputes_employer_page")

    html = client.get(url, {"key": employer_key(EMPLOYER), "credit_code": CODE}).content.decode()

    for section in ("employer-warnings", "employer-cases", "employer-reports", "employer-visits"):
        assert f'id="{section}"' in html
    assert "NNNN-2345" in html and "UUUU-2345" not in html
    assert ID_NUMBER not in html and PHONE not in html
    assert "3303**********1234" in html
    assert "北区法治体检组" in html
    assert "两个月未发工资" in html

    found = client.get(url, {"q": "顺达"}).content.decode()
    assert 'id="employer-results"' in found and "温州市顺达速运" in found


def test_reached_from_a_warning_and_from_a_case(client, directory, employer):
    client.force_login(directory.staff["official"])
    page_url = reverse("admin:disputes_employer_page")

    warning_html = client.get(reverse("admin:disputes_groupwarning_change", args=[employer.warning.pk]))
    case_html = client.get(reverse("admin:disputes_case_change", args=[employer.north.pk]))

    assert page_url in warning_html.content.decode()
    assert page_url in case_html.content.decode()


def test_not_for_station_staff(client, directory, employer):
    client.force_login(directory.staff["mediator"])

    response = client.get(reverse("admin:disputes_employer_page"), {"key": employer_key(EMPLOYER)})
    case_html = client.get(reverse("admin:disputes_case_change", args=[employer.north.pk])).content.decode()

    assert response.status_code == 403
    assert reverse("admin:disputes_employer_page") not in case_html
