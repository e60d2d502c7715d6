"""The case workbench in the admin: scope (others' cases are 404), masking, transitions through the admin's
own views, and the deadline data officials maintain."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.urls import reverse

from disputes.models import Case, CaseEvent, DeadlineRule, HolidayNotice
from disputes.permissions import SYSTEM, WORKER
from disputes.services import ClaimInput, case_create, case_transition
from disputes.states import CaseStatus

ID_NUMBER = "330302199001011234"
ID_MASKED = "3303**********1234"
PHONE = "13812345678"
PHONE_MASKED = "138****5678"


def file_case(*, station, worker_name="张伟", id_number=ID_NUMBER, phone=PHONE) -> Case:
    """A case as intake makes it: filed by the worker with the station chosen, then triaged to it."""
    case, _pin = case_create(
        actor=WORKER,
        worker_name=worker_name,
        worker_id_number=id_number,
        worker_phone=phone,
        employer_name="某某快递有限公司",
        industry=station.industry or "other",
        claims=[ClaimInput(category="wages", amount=Decimal("8000.00"))],
        facts="2026年9月至10月的工资未发放。",
        station=station,
    )
    return case_transition(case_id=case.pk, name="triage", actor=SYSTEM, payload={"station": station})


def change_url(case):
    return reverse("admin:disputes_case_change", args=[case.pk])


def transition_url(case, name):
    return reverse("admin:disputes_case_transition", args=[case.pk, name])


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def cases(directory):
    return type(
        "Cases",
        (),
        {
            "a": file_case(station=directory.station, worker_name="张伟"),
            "b": file_case(
                station=directory.other,
                worker_name="李娜",
                id_number="110101198502023456",
                phone="13900001111",
            ),
        },
    )


# --- Scope -------------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_mediator_lists_only_the_cases_of_their_station(client, directory, cases):
    client.force_login(directory.staff["mediator"])
    response = client.get(reverse("admin:disputes_case_changelist"))
    assert response.status_code == 200
    content = response.content.decode()
    assert cases.a.tracking_code in content
    assert cases.b.tracking_code not in content
    assert "李娜" not in content


@pytest.mark.django_db
def test_another_stations_case_is_404_not_a_redirect(client, directory, cases):
    client.force_login(directory.staff["mediator"])
    assert client.get(change_url(cases.b)).status_code == 404
    assert client.get(reverse("admin:disputes_case_history", args=[cases.b.pk])).status_code == 404
    assert client.get(transition_url(cases.b, "accept")).status_code == 404
    assert client.post(transition_url(cases.b, "accept"), {"note": ""}).status_code == 404
    assert client.get(reverse("admin:disputes_case_change", args=["not-a-number"])).status_code == 404
    assert Case.objects.get(pk=cases.b.pk).status == CaseStatus.ASSIGNED


@pytest.mark.django_db
def test_the_station_filter_offers_only_visible_stations(client, directory, cases):
    client.force_login(directory.staff["mediator"])
    content = client.get(reverse("admin:disputes_case_changelist")).content.decode()
    assert directory.station.name in content
    assert directory.other.name not in content
    # A foreign station's id in the filter does not widen the scope.
    response = client.get(reverse("admin:disputes_case_changelist"), {"station": directory.other.pk})
    assert cases.b.tracking_code not in response.content.decode()


# --- People's data -----------------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("who", ["mediator", "official", "superuser"])
def test_the_list_never_shows_whole_id_numbers_or_phones(client, directory, cases, who):
    user = (
        get_user_model().objects.create_superuser("root", "root@example.invalid", "pass-1234")
        if who == "superuser"
        else directory.staff[who]
    )
    client.force_login(user)
    content = client.get(reverse("admin:disputes_case_changelist")).content.decode()
    assert cases.a.tracking_code in content
    assert ID_NUMBER not in content
    assert PHONE not in content
    assert ID_MASKED in content
    assert PHONE_MASKED in content


@pytest.mark.django_db
def test_the_case_page_shows_whole_values_to_the_stations_mediator_only(client, directory, cases):
    client.force_login(directory.staff["mediator"])
    content = client.get(change_url(cases.a)).content.decode()
    assert ID_NUMBER in content
    assert PHONE in content

    client.force_login(directory.staff["official"])
    response = client.get(change_url(cases.a))
    assert response.status_code == 200  # officials see their region's cases ...
    content = response.content.decode()
    assert ID_NUMBER not in content  # ... but not people's data whole
    assert PHONE not in content
    assert ID_MASKED in content
    assert PHONE_MASKED in content


@pytest.mark.django_db
def test_search_finds_a_case_by_its_whole_id_number_through_the_hash(client, directory, cases):
    client.force_login(directory.staff["mediator"])
    content = client.get(reverse("admin:disputes_case_changelist"), {"q": ID_NUMBER}).content.decode()
    assert cases.a.tracking_code in content
    # Another station's worker is not found even by their exact number.
    response = client.get(reverse("admin:disputes_case_changelist"), {"q": "110101198502023456"})
    content = response.content.decode()
    assert cases.b.tracking_code not in content


# --- The case page -----------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_case_page_shows_claims_deadlines_history_and_the_users_transitions(client, directory, cases):
    client.force_login(directory.staff["mediator"])
    response = client.get(change_url(cases.a))
    content = response.content.decode()
    assert "劳动报酬" in content  # the claim
    assert "仲裁时效（申请调解后重新计算）" in content  # a deadline computed at intake
    assert "提交申请" in content and "分派到调解组织" in content  # the history so far
    assert "已提交" in content and "已分派调解组织" in content
    assert transition_url(cases.a, "accept") in content  # a mediator may accept ...
    assert transition_url(cases.a, "reject") not in content  # ... but only the station's admin may reject
    assert 'name="_save"' not in content  # case fields are read-only


@pytest.mark.django_db
def test_cases_are_never_added_changed_or_deleted_in_the_admin(client, directory, cases):
    root = get_user_model().objects.create_superuser("root", "root@example.invalid", "pass-1234")
    client.force_login(root)
    assert client.get(reverse("admin:disputes_case_add")).status_code == 403
    assert client.get(reverse("admin:disputes_case_delete", args=[cases.a.pk])).status_code == 403
    response = client.post(change_url(cases.a), {"worker_name": "改名"})
    assert response.status_code == 403
    assert Case.objects.get(pk=cases.a.pk).worker_name == "张伟"


@pytest.mark.django_db
def test_the_changelist_does_not_query_per_row(client, directory, django_assert_max_num_queries):
    client.force_login(directory.staff["mediator"])
    file_case(station=directory.station)
    url = reverse("admin:disputes_case_changelist")
    client.get(url)  # warm caches (content types, the session)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(5):
        file_case(station=directory.station)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


# --- Transitions -------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_transition_runs_once_and_a_second_submit_is_a_conflict(client, directory, cases):
    mediator = directory.staff["mediator"]
    client.force_login(mediator)
    response = client.get(transition_url(cases.a, "accept"))
    assert response.status_code == 200
    assert "受理" in response.content.decode()
    events_before = CaseEvent.objects.filter(case=cases.a).count()

    response = client.post(transition_url(cases.a, "accept"), {"note": "材料齐全，予以受理"})
    assert response.status_code == 302
    assert response["Location"] == change_url(cases.a)
    case = Case.objects.get(pk=cases.a.pk)
    assert case.status == CaseStatus.ACCEPTED
    event = CaseEvent.objects.filter(case=case).latest("id")
    assert (event.transition, event.from_state, event.to_state) == ("accept", "assigned", "accepted")
    assert event.actor == mediator
    assert event.note == "材料齐全，予以受理"
    assert any("已执行“受理”" in m for m in messages_of(response))

    # The same form submitted again (a double click, or a colleague who was faster): a clear conflict.
    response = client.post(transition_url(cases.a, "accept"), {"note": "材料齐全，予以受理"})
    assert response.status_code == 302
    assert response["Location"] == change_url(cases.a)
    assert any("未能执行“受理”" in m and "已受理" in m for m in messages_of(response))
    assert CaseEvent.objects.filter(case=case).count() == events_before + 1

    # The page now shows the new state and the next step.
    content = client.get(change_url(cases.a)).content.decode()
    assert "已受理" in content
    assert transition_url(cases.a, "start_mediation") in content


@pytest.mark.django_db
def test_a_transition_the_case_state_does_not_allow_redirects_with_a_message(client, directory, cases):
    client.force_login(directory.staff["mediator"])
    response = client.get(transition_url(cases.a, "start_mediation"))
    assert response.status_code == 302
    assert response["Location"] == change_url(cases.a)
    assert any("开始调解" in m for m in messages_of(response))


@pytest.mark.django_db
def test_a_transition_the_user_may_not_run_is_403(client, directory, cases):
    client.force_login(directory.staff["mediator"])  # rejecting is for the station's admin
    assert client.get(transition_url(cases.a, "reject")).status_code == 403
    response = client.post(transition_url(cases.a, "reject"), {"reason": "duplicate", "note": ""})
    assert response.status_code == 403
    assert Case.objects.get(pk=cases.a.pk).status == CaseStatus.ASSIGNED

    client.force_login(directory.staff["official"])  # officials see the case but do not work it
    assert client.get(transition_url(cases.a, "accept")).status_code == 403


@pytest.mark.django_db
def test_an_unknown_transition_is_404(client, directory, cases):
    client.force_login(directory.staff["mediator"])
    assert client.get(transition_url(cases.a, "delete_everything")).status_code == 404


@pytest.mark.django_db
def test_an_invalid_form_is_shown_again_with_its_errors(client, directory, cases):
    client.force_login(directory.staff["mediator"])
    response = client.post(transition_url(cases.a, "accept"), {"mediator": "nobody", "note": ""})
    assert response.status_code == 200
    assert "nobody" in response.content.decode()
    assert Case.objects.get(pk=cases.a.pk).status == CaseStatus.ASSIGNED


# --- Deadline rules and holiday notices --------------------------------------------------------------------
def _rule_post_data(rule: DeadlineRule, **changes) -> dict:
    data = {
        "name": rule.name,
        "worker_text": rule.worker_text,
        "is_active": "on" if rule.is_active else "",
        "source": rule.source,
        "source_status": rule.source_status,
        "consequence": rule.consequence,
        "trigger": rule.trigger,
        "period_years": rule.period_years,
        "period_months": rule.period_months,
        "period_days": rule.period_days,
        "day_type": rule.day_type,
        "met_by": rule.met_by,
        "active_states": rule.active_states,
        "categories": rule.categories,
        "wage_arrears_exempt": "on" if rule.wage_arrears_exempt else "",
        "remind_days_before": ", ".join(str(d) for d in rule.remind_days_before),
        "max_extension_days": rule.max_extension_days,
        "extension_basis": rule.extension_basis,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v not in ("", [])}


@pytest.mark.django_db
def test_an_official_edits_a_deadline_rule(client, directory):
    rule = DeadlineRule.objects.get(code="mediation.arb_unlock")
    client.force_login(directory.staff["official"])
    url = reverse("admin:disputes_deadlinerule_change", args=[rule.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, _rule_post_data(rule, period_days=20, remind_days_before="7，3、1", max_extension_days=10)
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    rule.refresh_from_db()
    assert rule.period_days == 20
    assert rule.remind_days_before == [7, 3, 1]
    assert rule.max_extension_days == 10 and "双方当事人同意" in rule.extension_basis
    assert rule.code == "mediation.arb_unlock"  # the code is fixed once the rule exists


@pytest.mark.django_db
def test_a_mediator_cannot_edit_deadline_rules(client, directory):
    rule = DeadlineRule.objects.get(code="mediation.arb_unlock")
    client.force_login(directory.staff["mediator"])
    assert client.get(reverse("admin:disputes_deadlinerule_change", args=[rule.pk])).status_code == 403


@pytest.mark.django_db
def test_an_official_enters_a_years_holiday_notice(client, directory):
    client.force_login(directory.staff["official"])
    url = reverse("admin:disputes_holidaynotice_add")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "year": 2031,
            "title": "国务院办公厅关于2031年部分节假日安排的通知",
            "document_number": "国办发明电〔2030〕1号",
            "days-TOTAL_FORMS": "3",
            "days-INITIAL_FORMS": "0",
            "days-MIN_NUM_FORMS": "0",
            "days-MAX_NUM_FORMS": "1000",
            "days-0-date": "2031-01-01",
            "days-0-name": "元旦",
            "days-1-date": "2031-01-26",
            "days-1-name": "春节调休",
            "days-1-is_working_day": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    notice = HolidayNotice.objects.get(year=2031)
    days = {d.date.isoformat(): d.is_working_day for d in notice.days.all()}
    assert days == {"2031-01-01": False, "2031-01-26": True}
    content = client.get(reverse("admin:disputes_holidaynotice_changelist")).content.decode()
    assert "2031" in content


@pytest.mark.django_db
def test_a_station_admin_rejects_with_a_reason_from_the_form(client, directory, cases):
    client.force_login(directory.staff["station_admin"])
    page = client.get(transition_url(cases.a, "reject")).content.decode()
    assert 'name="reason"' in page and 'name="note"' in page
    data = {"reason": "duplicate", "note": "与另一申请重复"}
    response = client.post(transition_url(cases.a, "reject"), data)
    assert response.status_code == 302
    case = Case.objects.get(pk=cases.a.pk)
    assert case.status == CaseStatus.REJECTED
    assert case.outcome_note == "重复申请"
    assert CaseEvent.objects.filter(case=case).latest("id").note == "与另一申请重复"
