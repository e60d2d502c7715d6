"""A mediator's workbench in a real browser: logging into /admin/, the case list opens on 我的案件 with the deadline
badges, and sorting by the nearest deadline both ways. Screenshots under test-results/browser/."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from disputes.models import CaseDeadline, DeadlineRule
from disputes.states import CaseStatus

from ..factories import case_in_state
from .conftest import staff_login

# Transactional: the live server reads the data from another thread.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-1234"  # tests.factories.UserFactory
S = CaseStatus


def due_in(case, days: int):
    today = timezone.localdate()
    CaseDeadline.objects.create(
        case=case,
        rule=DeadlineRule.objects.get(code="mediation.arb_unlock"),
        starts_on=today - timedelta(days=15),
        due_on=today + timedelta(days=days),
    )
    return case


def row_codes(page) -> list[str]:
    return page.locator("#result_list tbody th.field-tracking_code a").all_inner_texts()


def test_a_mediator_sees_my_cases_with_badges_and_sorts_by_deadline(
    live_server, page, directory, deadline_rules, screenshot
):
    mediator = directory.staff["mediator"]
    overdue = due_in(case_in_state(S.IN_MEDIATION, station=directory.station, mediator=mediator), -2)
    later = due_in(case_in_state(S.ACCEPTED, station=directory.station, mediator=mediator), 6)
    quiet = case_in_state(S.AGREEMENT_REACHED, station=directory.station, mediator=mediator)
    unassigned = due_in(case_in_state(S.ASSIGNED, station=directory.station), 0)

    page.set_viewport_size({"width": 1280, "height": 900})
    staff_login(page, live_server, "mediator_a", PASSWORD, next_url="/admin/")
    expect(page.locator("#user-tools")).to_be_visible()

    page.locator("#content-main tr.model-case th a").click()  # the cases, from the admin's home page
    expect(page.locator("#case-scopes a[aria-current=page]")).to_have_text("我的案件")
    results = page.locator("#result_list")
    expect(results).not_to_contain_text(unassigned.tracking_code)  # the station's, not (yet) this mediator's
    # Open first, the nearest deadline first: overdue, then in six days, then the one without a deadline.
    assert row_codes(page) == [overdue.tracking_code, later.tracking_code, quiet.tracking_code]
    badge = page.locator("#result_list tbody tr").first.locator(".os-due")
    expect(badge).to_have_text("已超期 2 天")
    expect(page.locator("#result_list tbody tr").nth(1).locator(".os-due")).to_have_text("还剩 6 天")
    # The words carry the meaning; the colour repeats it (a red badge for overdue).
    assert badge.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(186, 33, 33)"
    expect(page.locator("#case-count")).to_have_text("3 件案件")
    screenshot(page, "workbench-mine")

    header = page.locator("#result_list thead th.column-next_deadline_col div.text a")
    header.click()
    expect(page).to_have_url(re.compile(r"[?&]o=2(&|$)"))
    assert row_codes(page) == [overdue.tracking_code, later.tracking_code, quiet.tracking_code]
    page.locator("#result_list thead th.column-next_deadline_col div.text a").click()
    expect(page).to_have_url(re.compile(r"[?&]o=-2(&|$)"))
    # Furthest first; the case without a deadline stays last.
    assert row_codes(page) == [later.tracking_code, overdue.tracking_code, quiet.tracking_code]
    screenshot(page, "workbench-sorted-by-deadline")

    page.locator("#case-scopes").get_by_role("link", name="本站案件").click()
    expect(page.locator("#result_list")).to_contain_text(unassigned.tracking_code)
    expect(page.locator("#result_list")).to_contain_text("今天到期")
