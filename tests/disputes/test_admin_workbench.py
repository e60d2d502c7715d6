"""The workbench case list in the admin: 我的案件 / 本站案件 / 全部可见 by role, scoped filter options, the deadline
badge, sorting by the nearest deadline, the next_due_on column the database keeps, and a bounded number of queries
with at most one (capped or estimated) count per page."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.admin import BigTablePaginator
from disputes.admin import deadline_badge
from disputes.models import Case, CaseDeadline, DeadlineRule
from disputes.states import CaseStatus

from ..factories import case_in_state

pytestmark = pytest.mark.django_db
S = CaseStatus
URL = "/admin/disputes/case/"


def today():
    return timezone.localdate()


def with_deadline(case, days: int, *, code="mediation.arb_unlock", **kwargs) -> Case:
    """Give ``case`` an open deadline ``days`` from today (negative: overdue)."""
    rule = DeadlineRule.objects.get(code=code)
    CaseDeadline.objects.create(
        case=case,
        rule=rule,
        starts_on=today() - timedelta(days=15),
        due_on=today() + timedelta(days=days),
        **kwargs,
    )
    return Case.objects.get(pk=case.pk)


def listed(response) -> list[str]:
    """The tracking codes of the result rows, in order."""
    table = response.content.decode().split('id="result_list"', 1)[-1]
    return re.findall(r'<th class="field-tracking_code"><a href="[^"]*">([^<]+)</a>', table)


@pytest.fixture
def board(directory):
    """Cases at station A (one the mediator's own, one another mediator's, one unassigned, one closed of the
    mediator's), one at A's branch, one at station B."""
    mediator = directory.staff["mediator"]
    return type(
        "Board",
        (),
        {
            "mine": with_deadline(
                case_in_state(S.IN_MEDIATION, station=directory.station, mediator=mediator), 5
            ),
            "mine_overdue": with_deadline(
                case_in_state(S.ACCEPTED, station=directory.station, mediator=mediator), -2
            ),
            "mine_no_deadline": case_in_state(
                S.AGREEMENT_REACHED, station=directory.station, mediator=mediator
            ),
            "mine_closed": case_in_state(S.CLOSED, station=directory.station, mediator=mediator),
            "colleague": case_in_state(
                S.IN_MEDIATION, station=directory.station, mediator=directory.staff["branch_mediator"]
            ),
            "unassigned": with_deadline(case_in_state(S.ASSIGNED, station=directory.station), 0),
            "branch": case_in_state(S.ASSIGNED, station=directory.branch),
            "elsewhere": case_in_state(
                S.IN_MEDIATION, station=directory.other, mediator=directory.staff["other_mediator"]
            ),
        },
    )


def codes(*cases):
    return [c.tracking_code for c in cases]


# --- Scope -----------------------------------------------------------------------------------------------------
def test_a_mediator_with_cases_of_their_own_opens_on_mine_open_ones_first(client, directory, board):
    client.force_login(directory.staff["mediator"])
    response = client.get(URL)
    assert response.status_code == 200
    # Open first, the nearest deadline first among them (overdue, then in 5 days, then none), closed last.
    assert listed(response) == codes(
        board.mine_overdue, board.mine, board.mine_no_deadline, board.mine_closed
    )
    scopes = response.context["case_scopes"]
    assert [(str(s["label"]), s["selected"]) for s in scopes] == [
        ("我的案件", True),
        ("本站案件", False),
        ("全部可见", False),
    ]
    assert 'aria-current="page">我的案件' in response.content.decode()


def test_a_mediator_without_open_cases_of_their_own_opens_on_the_station(client, directory, board):
    client.force_login(directory.staff["branch_mediator"])
    Case.objects.filter(pk=board.colleague.pk).update(status=S.CLOSED)  # their only case is finished
    response = client.get(URL)
    assert set(listed(response)) == set(codes(board.branch))  # their branch's cases
    assert [s["selected"] for s in response.context["case_scopes"]] == [False, True, False]


def test_the_station_view_has_the_station_and_its_branches_and_nothing_else(client, directory, board):
    client.force_login(directory.staff["station_admin"])
    response = client.get(URL)  # a station administrator opens on 本站案件
    expected = {board.mine, board.mine_overdue, board.mine_no_deadline, board.mine_closed}
    expected |= {board.colleague, board.unassigned, board.branch}
    assert set(listed(response)) == set(codes(*expected))
    assert [str(s["label"]) for s in response.context["case_scopes"]] == ["本站案件", "全部可见"]
    # 我的案件 is not theirs to ask for: the default applies.
    assert set(listed(client.get(URL, {"scope": "mine"}))) == set(codes(*expected))


def test_mine_is_only_the_mediators_own_whatever_else_is_asked(client, directory, board):
    client.force_login(directory.staff["mediator"])
    mine = set(codes(board.mine, board.mine_overdue, board.mine_no_deadline, board.mine_closed))
    assert set(listed(client.get(URL, {"scope": "mine"}))) == mine
    # A foreign station in the station filter does not widen 我的案件, nor any view.
    for scope in ("mine", "station", "all"):
        response = client.get(URL, {"scope": scope, "station": directory.other.pk})
        assert board.elsewhere.tracking_code not in listed(response)
    assert board.elsewhere.tracking_code not in listed(client.get(URL, {"scope": "all"}))


def test_an_intake_clerk_opens_on_everything_they_may_see(client, directory, board):
    client.force_login(directory.staff["intake_clerk"])
    response = client.get(URL)
    assert [str(s["label"]) for s in response.context["case_scopes"]] == ["全部可见"]
    assert board.unassigned.tracking_code in listed(response)


def test_an_official_sees_everything_of_the_region_and_has_no_mine_or_station(client, directory, board):
    client.force_login(directory.staff["official"])
    response = client.get(URL, {"scope": "mine"})
    assert board.elsewhere.tracking_code in listed(response)
    assert len(listed(response)) == 8
    assert [str(s["label"]) for s in response.context["case_scopes"]] == ["全部可见"]


# --- Filters ---------------------------------------------------------------------------------------------------
def test_the_station_filter_offers_only_the_users_own_organizations(client, directory, board):
    client.force_login(directory.staff["mediator"])
    content = client.get(URL, {"scope": "station"}).content.decode()
    filters = content.split('id="changelist-filter"', 1)[1]
    assert directory.station.name in filters and directory.branch.name in filters
    assert directory.other.name not in filters
    assert directory.commission.name not in filters  # not a mediation organization
    response = client.get(URL, {"scope": "station", "station": directory.branch.pk})
    assert listed(response) == codes(board.branch)


def test_state_industry_category_and_deadline_filters(client, directory, board):
    client.force_login(directory.staff["official"])
    Case.objects.filter(pk=board.elsewhere.pk).update(industry="food_delivery")
    board.colleague.claims.update(category="work_injury")

    assert set(listed(client.get(URL, {"status__exact": S.ASSIGNED}))) == set(
        codes(board.unassigned, board.branch)
    )
    assert listed(client.get(URL, {"industry__exact": "food_delivery"})) == codes(board.elsewhere)
    assert listed(client.get(URL, {"category": "work_injury"})) == codes(board.colleague)
    assert listed(client.get(URL, {"deadline": "overdue"})) == codes(board.mine_overdue)
    assert listed(client.get(URL, {"deadline": "due_soon"})) == codes(board.unassigned)  # due today
    content = client.get(URL).content.decode()
    assert "争议类别" in content and "工伤待遇" in content and "范围" in content


def test_search_by_tracking_code_worker_and_employer(client, directory, board):
    client.force_login(directory.staff["official"])
    Case.objects.filter(pk=board.mine.pk).update(worker_name="欧阳娜娜")
    Case.objects.filter(pk=board.branch.pk).update(employer_name="顺捷同城配送有限公司")
    assert listed(client.get(URL, {"q": board.colleague.tracking_code})) == codes(board.colleague)
    assert listed(client.get(URL, {"q": board.colleague.tracking_code.replace("-", "").lower()})) == codes(
        board.colleague
    )
    assert listed(client.get(URL, {"q": "欧阳"})) == codes(board.mine)
    Case.objects.filter(pk=board.colleague.pk).update(worker_name="Abdullah Tursun")
    assert listed(client.get(URL, {"q": "abdullah"})) == codes(board.colleague)  # eight letters, not a code
    assert listed(client.get(URL, {"q": "顺捷"})) == codes(board.branch)


# --- The deadline badge and the sort ---------------------------------------------------------------------------
def test_the_badge_says_it_in_words():
    day = today()
    assert deadline_badge(day - timedelta(days=3), day) == ("overdue", "已超期 3 天")
    assert deadline_badge(day, day) == ("today", "今天到期")
    assert deadline_badge(day + timedelta(days=2), day) == ("soon", "还剩 2 天")
    assert deadline_badge(day + timedelta(days=12), day) == ("later", "还剩 12 天")


def test_the_list_shows_the_badge_of_the_nearest_open_deadline(client, directory, board):
    # A further deadline on the same case, and a met one nearer: the badge is the nearest open one.
    with_deadline(board.mine, 40, code="limitation.restarted")
    with_deadline(board.mine, -9, code="limitation.general", met_at=timezone.now())
    client.force_login(directory.staff["mediator"])
    content = client.get(URL).content.decode()
    assert '<span class="os-due os-due-soon"' not in content
    assert re.search(r'class="os-due os-due-later" title="调解期限（十五日）：[\d-]+">还剩 5 天<', content)
    assert 'class="os-due os-due-overdue"' in content and "已超期 2 天" in content
    assert "onestop/workbench.css" in content


def test_sorting_by_the_nearest_deadline_keeps_cases_without_one_last_both_ways(client, directory, board):
    client.force_login(directory.staff["station_admin"])
    later = with_deadline(board.branch, 9)
    ascending = listed(client.get(URL, {"o": "2"}))
    assert ascending[:4] == codes(board.mine_overdue, board.unassigned, board.mine, later)
    assert set(ascending[4:]) == set(codes(board.mine_no_deadline, board.mine_closed, board.colleague))
    descending = listed(client.get(URL, {"o": "-2"}))
    assert descending[:4] == codes(later, board.mine, board.unassigned, board.mine_overdue)
    assert set(descending[4:]) == set(ascending[4:])


def test_only_indexed_columns_sort(client, directory, board):
    client.force_login(directory.staff["station_admin"])
    response = client.get(URL)
    headers = response.content.decode().split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert "sortable column-next_deadline_col" in headers and "sortable column-tracking_code" in headers
    assert "sortable column-worker_name" not in headers and "sortable column-station" not in headers
    # A hand-made ?o= on an unindexed column falls back to the view's own order.
    assert listed(client.get(URL, {"o": "4"})) == listed(client.get(URL))


def test_the_database_keeps_next_due_on(directory):
    case = case_in_state(S.IN_MEDIATION, station=directory.station)
    assert case.next_due_on is None
    case = with_deadline(case, 7)
    assert case.next_due_on == today() + timedelta(days=7)
    with_deadline(case, 3, code="limitation.restarted")
    assert Case.objects.get(pk=case.pk).next_due_on == today() + timedelta(days=3)
    CaseDeadline.objects.filter(case=case, rule__code="limitation.restarted").update(met_at=timezone.now())
    assert Case.objects.get(pk=case.pk).next_due_on == today() + timedelta(days=7)
    CaseDeadline.objects.filter(case=case).update(is_active=False)
    assert Case.objects.get(pk=case.pk).next_due_on is None
    CaseDeadline.objects.filter(case=case).update(is_active=True)
    assert Case.objects.get(pk=case.pk).next_due_on == today() + timedelta(days=7)  # the other one is met
    CaseDeadline.objects.filter(case=case, rule__code="mediation.arb_unlock").delete()
    assert Case.objects.get(pk=case.pk).next_due_on is None


# --- Counting and queries --------------------------------------------------------------------------------------
def case_counts(queries) -> list[str]:
    return [q["sql"] for q in queries if "COUNT(" in q["sql"].upper() and '"disputes_case"' in q["sql"]]


@pytest.mark.parametrize("who", ["mediator", "station_admin", "official"])
def test_one_capped_count_per_page_and_no_query_per_row(client, directory, board, who):
    client.force_login(directory.staff[who])
    client.get(URL)  # warm the session and content types
    with CaptureQueriesContext(connection) as few:
        client.get(URL, {"o": "2"})
    for days in range(6):
        with_deadline(
            case_in_state(S.IN_MEDIATION, station=directory.station, mediator=directory.staff["mediator"]),
            days,
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL, {"o": "2"})
    assert len(listed(response)) > 6
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]
    [count] = case_counts(many.captured_queries)
    assert "LIMIT 10001" in count


def test_a_big_filtered_list_shows_a_capped_count(
    client, directory, board, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(BigTablePaginator, "cap", 5)  # the station admin sees 7 cases
    monkeypatch.setattr("disputes.admin.CaseAdmin.list_per_page", 1)
    client.force_login(directory.staff["station_admin"])
    with django_assert_max_num_queries(20), CaptureQueriesContext(connection) as ctx:
        response = client.get(URL)
    assert response.status_code == 200
    assert "LIMIT 6" in case_counts(ctx.captured_queries)[0]
    assert re.search(r'id="case-count">5\+ 件案件<', response.content.decode())
    # Pages stop a few after the current one: no link to a last page that may not exist.
    assert response.context["cl"].paginator.count_is_capped
    paginator = response.content.decode().split('class="paginator"', 1)[1].split("</p>", 1)[0]
    assert "…" in paginator and "?p=6" not in paginator


def test_the_whole_table_is_estimated_not_counted(client, directory, board):
    user = get_user_model().objects.create_superuser("root", "root@example.invalid", "pass-1234")
    client.force_login(user)
    with (
        mock.patch("config.admin._estimated_rows", return_value=1_234_567) as estimate,
        CaptureQueriesContext(connection) as ctx,
    ):
        response = client.get(URL)
    assert estimate.called
    assert case_counts(ctx.captured_queries) == []
    assert 'id="case-count">约 1,234,567 件案件<' in response.content.decode()
    # A filter means a capped count, never the estimate.
    with mock.patch("config.admin._estimated_rows", return_value=1_234_567):
        response = client.get(URL, {"status__exact": S.ASSIGNED})
    assert 'id="case-count">2 件案件<' in response.content.decode()


@pytest.mark.postgres
def test_the_estimate_reads_pg_class(postgres, directory, board):
    from config.admin import _estimated_rows

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE disputes_case")
    assert _estimated_rows(Case.objects.all()) == Case.objects.count()
    # Small tables are counted (capped), the estimate being no better than the count.
    assert BigTablePaginator(Case.objects.all(), 50).count == Case.objects.count()


# --- Rows ------------------------------------------------------------------------------------------------------
def test_a_row_links_to_its_case_keeping_the_filters(client, directory, board):
    client.force_login(directory.staff["station_admin"])
    page = client.get(URL, {"scope": "station", "status": "assigned"}).content.decode()
    assert (
        f'<a href="/admin/disputes/case/{board.unassigned.pk}/change/'
        '?_changelist_filters=scope%3Dstation%26status%3Dassigned">' in page
    )


def test_the_page_reads_only_the_listed_columns(client, directory, board):
    client.force_login(directory.staff["station_admin"])
    with CaptureQueriesContext(connection) as ctx:
        client.get(URL)
    [page] = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith('SELECT "disputes_case"."id"')]
    assert '"disputes_case"."facts"' not in page and "organizations_region" not in page
    assert '"disputes_case"."worker_id_number"' in page and '"organizations_organization"."name"' in page
