"""Respondents on the case page: station staff correct them (the primary one is the case's employer too), each
correction is a history event without personal data, and cases naming the same credit code are linked."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from disputes.matching import employer_key
from disputes.models import CaseEvent, Respondent
from disputes.respondents import respondent_correct
from disputes.tracking import history_sentence
from disputes.validators import credit_code_check_char

from .test_admin import change_url, file_case


def credit_code(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


CODE = credit_code("91330300MA2AB1234")


@pytest.fixture
def case(directory):
    return file_case(station=directory.station)


@pytest.fixture
def primary(case):
    return Respondent.objects.create(
        case=case, role="platform", name="某某快递", name_key=employer_key("某某快递"), is_primary=True
    )


def correct_url(respondent):
    return reverse("admin:disputes_respondent_correct", args=[respondent.pk])


def form_data(**overrides):
    data = {
        "role": "employer",
        "name": "温州市顺达速运有限公司",
        "credit_code": CODE,
        "details": "工资由站长微信转账",
    }
    data.update(overrides)
    return data


def test_a_correction_updates_the_row_the_case_and_the_history(client, directory, case, primary):
    client.force_login(directory.staff["mediator"])
    assert client.get(correct_url(primary)).status_code == 200
    response = client.post(correct_url(primary), form_data())
    assert response.status_code == 302
    assert response["Location"] == change_url(case)

    primary.refresh_from_db()
    assert (primary.role, primary.name, primary.credit_code) == ("employer", "温州市顺达速运有限公司", CODE)
    assert primary.name_key == employer_key("温州市顺达速运有限公司")
    case.refresh_from_db()
    assert case.employer_name == "温州市顺达速运有限公司"
    assert case.employer_credit_code == CODE
    assert case.employer_key == employer_key("温州市顺达速运有限公司")

    event = CaseEvent.objects.get(case=case, transition="correct_respondent")
    assert event.actor == directory.staff["mediator"]
    assert event.payload == {"respondent": primary.pk, "fields": ["role", "name", "credit_code", "details"]}
    assert "被申请人" in str(history_sentence(event))


def test_a_secondary_respondent_leaves_the_case_employer_alone(directory, case, primary):
    other = Respondent.objects.create(
        case=case, role="site", name="东街站点", name_key=employer_key("东街站点")
    )
    respondent_correct(
        respondent_id=other.pk,
        actor=directory.staff["intake_clerk"],
        role="site",
        name="东街配送站点",
        credit_code="",
        details="",
    )
    other.refresh_from_db()
    case.refresh_from_db()
    assert other.name == "东街配送站点"
    assert case.employer_name == "某某快递有限公司"
    assert CaseEvent.objects.get(case=case, transition="correct_respondent").payload["fields"] == ["name"]


def test_nothing_changed_records_nothing(directory, case, primary):
    respondent_correct(
        respondent_id=primary.pk,
        actor=directory.staff["mediator"],
        role=primary.role,
        name=primary.name,
        credit_code="",
        details="",
    )
    assert not CaseEvent.objects.filter(case=case, transition="correct_respondent").exists()


def test_a_bad_credit_code_is_refused_in_plain_words(client, directory, case, primary):
    client.force_login(directory.staff["mediator"])
    response = client.post(
        correct_url(primary), form_data(credit_code=CODE[:17] + "0" if CODE[17] != "0" else CODE[:17] + "1")
    )
    assert response.status_code == 200
    assert "校验不通过" in response.content.decode()
    primary.refresh_from_db()
    assert primary.name == "某某快递"


def test_another_station_gets_a_404(client, directory, case, primary):
    client.force_login(directory.staff["other_mediator"])
    assert client.get(correct_url(primary)).status_code == 404
    assert client.post(correct_url(primary), form_data()).status_code == 404
    primary.refresh_from_db()
    assert primary.name == "某某快递"


def test_an_official_who_sees_the_case_may_not_correct(client, directory, case, primary):
    client.force_login(directory.staff["official"])
    assert client.post(correct_url(primary), form_data()).status_code == 403
    with pytest.raises(PermissionDenied):
        respondent_correct(respondent_id=primary.pk, actor=directory.staff["official"], **form_data())


def test_the_panel_links_other_visible_cases_with_the_same_credit_code(client, directory, case, primary):
    Respondent.objects.filter(pk=primary.pk).update(credit_code=CODE)
    same = file_case(
        station=directory.station, worker_name="王芳", id_number="110101198003034567", phone="13900001111"
    )
    Respondent.objects.create(case=same, role="employer", name="顺达", name_key="顺达", credit_code=CODE)
    hidden = file_case(
        station=directory.other, worker_name="赵强", id_number="110101197504045678", phone="13900002222"
    )
    Respondent.objects.create(case=hidden, role="employer", name="顺达", name_key="顺达", credit_code=CODE)

    client.force_login(directory.staff["mediator"])
    page = client.get(change_url(case)).content.decode()
    assert 'id="case-respondents"' in page
    assert correct_url(primary) in page
    assert change_url(same) in page and same.tracking_code in page
    assert hidden.tracking_code not in page

    client.force_login(directory.staff["official"])
    page = client.get(change_url(case)).content.decode()
    assert "某某快递" in page
    assert correct_url(primary) not in page
