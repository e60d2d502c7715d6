"""Staff intake in the workbench: a claim taken by the 12351 hotline, at the desk or by referral, recorded by an
intake clerk in their organization's name, with the tracking code and PIN shown once to read to the worker."""

import re

import pytest
from django.urls import reverse

from disputes.models import Case, CaseEvent
from disputes.services import case_check_pin
from disputes.states import ActorKind, CaseStatus, Channel
from disputes.validators import id_number_check_digit
from tests.factories import OrganizationFactory

ID17 = "33030219900101123"
ID_NUMBER = ID17 + id_number_check_digit(ID17)
INTAKE_URL = "/admin/disputes/case/intake/"


def claim(**overrides) -> dict:
    data = {
        "form_token": "token-0001-abcdefghijklmnop",
        "channel": Channel.HOTLINE,
        "referring_org": "",
        "referring_org_name": "",
        "worker_name": "陈磊",
        "worker_id_number": ID_NUMBER,
        "worker_phone": "13912345678",
        "employer_name": "某某速运有限公司",
        "employer_credit_code": "",
        "employer_site": "东街网点",
        "industry": "express_delivery",
        "categories": ["wages", "overtime"],
        "amount_claimed": "12000.00",
        "facts": "电话中陈述：2026年7月至9月的派件费未结算。",
        "station": "station-a",
        "region": "",
        "services": ["industry_mediation"],
        "employment_started_on": "2025-03-01",
        "knowledge_date": "2026-08-15",
        "still_employed": "on",
        "consent": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def shown(response, name: str) -> str:
    match = re.search(rf"data-{name}>([^<]+)<", response.content.decode())
    assert match, f"no {name} on the page"
    return match.group(1).strip()


@pytest.fixture
def clerk(client, directory):
    client.force_login(directory.staff["intake_clerk"])
    return client


def test_the_clerk_opens_the_form_from_the_case_list(clerk):
    listing = clerk.get(reverse("admin:disputes_case_changelist"))
    assert f'href="{INTAKE_URL}"' in listing.content.decode()
    assert "登记新案件" in listing.content.decode()
    page = clerk.get(INTAKE_URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "已向申请人说明个人信息处理目的并取得同意" in html
    assert "12351 热线" in html and "派出所移送" in html and "劳动监察移送" in html
    assert "工资、提成、跑单费被拖欠或克扣" in html  # the categories explained, to read out
    assert 'name="services" value="legal_aid"' in html
    assert 'value="station-a" selected' in html  # the clerk's own station, preset


def test_a_hotline_claim_becomes_a_case_of_the_clerks_organization(clerk, directory):
    response = clerk.post(INTAKE_URL, claim())
    assert response.status_code == 200
    case = Case.objects.get()
    assert case.channel == Channel.HOTLINE
    assert case.intake_org == directory.station
    assert case.station == directory.station
    # Recorded by the clerk, then auto-triaged by the system to the station chosen on the form.
    assert case.status == CaseStatus.ASSIGNED
    assert case.worker_id_number == ID_NUMBER
    assert sorted(case.claims.values_list("category", flat=True)) == ["overtime", "wages"]
    event, triage = CaseEvent.objects.filter(case=case).order_by("id")
    assert event.transition == "submit" and event.actor == directory.staff["intake_clerk"]
    assert event.payload["channel"] == Channel.HOTLINE
    assert triage.transition == "triage" and triage.actor is None and triage.actor_kind == ActorKind.SYSTEM
    assert triage.payload == {"station": "station-a", "rule": None} and triage.note == "劳动者选择"

    # The tracking code and PIN, shown to read to the worker; the PIN opens the case.
    assert shown(response, "tracking-code") == case.tracking_code
    pin = shown(response, "pin")
    assert re.fullmatch(r"\d{6}", pin)
    assert case_check_pin(case=case, pin=pin)
    assert "no-store" in response["Cache-Control"]
    assert reverse("admin:disputes_case_change", args=[case.pk]) in response.content.decode()

    # The clerk finds the case in the workbench; the PIN is nowhere but on that one answer.
    listing = clerk.get(reverse("admin:disputes_case_changelist"))
    assert case.tracking_code in listing.content.decode()
    page = clerk.get(reverse("admin:disputes_case_change", args=[case.pk]))
    assert page.status_code == 200
    assert pin not in page.content.decode().replace(case.tracking_code, "")
    assert pin not in clerk.get(INTAKE_URL).content.decode()


def test_a_double_submit_files_one_case(clerk):
    first = clerk.post(INTAKE_URL, claim())
    second = clerk.post(INTAKE_URL, claim())
    assert Case.objects.count() == 1
    assert shown(first, "tracking-code") == shown(second, "tracking-code")


def test_a_referral_names_the_referring_organization(clerk, directory):
    police = OrganizationFactory(
        code="police-north",
        name="北区东街派出所",
        region=directory.north,
        type="police_station",
        industry="",
        accepts_claims=False,
        mediation_legal_type="",
    )
    missing = clerk.post(INTAKE_URL, claim(channel=Channel.POLICE_REFERRAL))
    assert missing.status_code == 200
    assert "移送的案件请选择移送机构，或填写其名称。" in missing.content.decode()
    assert not Case.objects.exists()

    clerk.post(INTAKE_URL, claim(channel=Channel.POLICE_REFERRAL, referring_org=police.code))
    case = Case.objects.get()
    assert case.channel == Channel.POLICE_REFERRAL
    assert case.intake_org == directory.station
    assert case.referred_by == police and case.referred_by_name == ""
    assert case.facts.startswith("电话中陈述")


def test_a_court_referral_from_outside_the_directory_by_name(clerk):
    clerk.post(
        INTAKE_URL,
        claim(channel=Channel.COURT_REFERRAL, referring_org_name="示范市中级人民法院诉调对接中心"),
    )
    case = Case.objects.get()
    assert case.channel == Channel.COURT_REFERRAL
    assert case.referred_by is None
    assert case.referred_by_name == "示范市中级人民法院诉调对接中心"


def test_errors_are_in_plain_chinese_and_nothing_is_filed(clerk):
    response = clerk.post(
        INTAKE_URL,
        claim(
            worker_id_number="330302199001011234",
            worker_phone="12345",
            consent=None,
            channel="qr_web",
            referring_org="no-such-org",
        ),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "请更正下列错误。" in html
    assert "身份证号校验不通过" in html
    assert "请填写11位手机号码" in html
    assert "请先向申请人说明个人信息的处理目的，取得同意后勾选。" in html
    assert "“no-such-org”不是可选的机构。" in html
    assert "选择一个有效的选项" in html  # the web channel is not one the staff record
    assert 'value="陈磊"' in html  # what the clerk typed is kept
    assert not Case.objects.exists()


@pytest.mark.parametrize("who", ["mediator", "branch_mediator", "official", "court_clerk"])
def test_staff_without_an_intake_role_get_403(client, directory, who):
    client.force_login(directory.staff[who])
    assert client.get(INTAKE_URL).status_code == 403
    assert client.post(INTAKE_URL, claim()).status_code == 403
    assert not Case.objects.exists()
    listing = client.get(reverse("admin:disputes_case_changelist"))
    assert INTAKE_URL not in listing.content.decode()


def test_a_station_admin_may_record_too(client, directory):
    client.force_login(directory.staff["station_admin"])
    client.post(INTAKE_URL, claim(channel=Channel.WALK_IN))
    case = Case.objects.get()
    assert case.channel == Channel.WALK_IN
    assert case.intake_org == directory.station


def test_a_clerk_of_two_organizations_chooses_in_whose_name(client, directory):
    from organizations.models import Membership

    user = directory.staff["intake_clerk"]
    Membership.objects.create(user=user, organization=directory.other, role="intake_clerk")
    client.force_login(user)
    missing = client.post(INTAKE_URL, claim())
    assert "该字段是必填项。" in missing.content.decode()
    client.post(INTAKE_URL, claim(intake_org=directory.other.code))
    assert Case.objects.get().intake_org == directory.other
    refused = client.post(INTAKE_URL, claim(intake_org=directory.commission.code, form_token="token-2"))
    assert "选择一个有效的选项" in refused.content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(INTAKE_URL)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_superuser_without_a_membership_records_in_any_name_or_none(admin_client, directory):
    admin_client.post(INTAKE_URL, claim(channel=Channel.WALK_IN))
    assert Case.objects.get().intake_org is None
    admin_client.post(INTAKE_URL, claim(form_token="token-2", intake_org=directory.other.code))
    assert Case.objects.filter(intake_org=directory.other).count() == 1
