"""disputes.related: the same worker (ID-number hash, or the phone hash) against the same employer (normalized name,
or the credit code) is linked as a probable duplicate after intake; staff merge (the duplicate leaves through a
transition naming the kept case, both histories stay whole) or dismiss. Also the messy names employer_key missed."""

from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from disputes.intake.services import intake_submit
from disputes.matching import employer_key
from disputes.models import Case, CaseEvent, RelatedCaseLink
from disputes.models.related import EmployerMatch, RelatedLinkReason, RelatedLinkStatus
from disputes.permissions import WORKER
from disputes.related import (
    RelatedLinkConflict,
    related_candidates,
    related_case_dismiss,
    related_case_merge,
    related_cases_detect,
)
from disputes.states import CaseStatus as S
from tests.factories import case_in_state

pytestmark = pytest.mark.django_db

ID_A, PHONE_A = "330302199001011234", "13812345678"
ID_B, PHONE_B = "330304197703039012", "13700001111"
CODE = "91330302MA2ABCDE1X"
OTHER_CODE = "91330302MA2ZZZZZ9Y"


@pytest.fixture(autouse=True)
def _quiet_tasks():
    with mock.patch("config.celery.enqueue") as patched:
        yield patched


def make_case(state=S.ASSIGNED, *, employer_name="温州市顺达速运有限公司", **kwargs) -> Case:
    kwargs.setdefault("worker_id_number", ID_A)
    kwargs.setdefault("worker_phone", PHONE_A)
    return case_in_state(
        state, employer_name=employer_name, employer_key=employer_key(employer_name), **kwargs
    )


def file_claim(directory, *, employer_name="温州市顺达速运有限公司", id_number=ID_A, phone=PHONE_A, code=""):
    claim = {
        "worker_name": "张伟",
        "worker_id_number": id_number,
        "worker_phone": phone,
        "employer_name": employer_name,
        "employer_credit_code": code,
        "industry": "express_delivery",
        "categories": ["wages"],
        "amount_claimed": Decimal("8000"),
        "facts": "工资两个月没有发。",
        "station": directory.station,
    }
    filed = intake_submit(claim=claim, amounts={"wages": None}, actor=WORKER)
    return Case.objects.get(pk=filed[0].case_id)


def links_of(case) -> list[RelatedCaseLink]:
    return list(RelatedCaseLink.objects.filter(case=case) | RelatedCaseLink.objects.filter(other_case=case))


# --- employer_key: the messy names it used to miss -----------------------------------------------------------
@pytest.mark.parametrize(
    "typed",
    [
        "温州市顺达速运〔鹿城〕有限公司",  # other bracket shapes
        "温州市顺达速运〖鹿城〗有限公司",
        "温州市顺达速运有限公司；",  # punctuation beyond the few listed
        "温州市顺达速运有限公司:",
        "“温州市顺达速运”有限公司",  # quotes
        "温州市顺达速运/有限公司",
        "温州市顺达速运有限公司)",  # a stray closing bracket
        "温州市顺达速运（鹿城",  # an opening bracket never closed
        "温州市顺达速运有限公司\u200b",  # zero-width space pasted from a chat
        "温州市顺达速运（鹿城）有限公司分公司",  # 分公司 then 有限公司, each removed whole
        "温州市顺达速运股份公司",
        "温州市顺达速运有限責任公司",  # traditional characters
    ],
)
def test_messy_names_fold_to_one_key(typed):
    assert employer_key(typed) == "温州市顺达速运"


def test_a_branch_named_after_the_company_stays_a_branch():
    assert employer_key("某某快递有限公司鹿城分公司") == "某某快递有限公司鹿城"


# --- Detection after intake ----------------------------------------------------------------------------------
def test_the_same_worker_filing_again_against_the_same_employer_typed_differently_is_linked(directory):
    first = file_claim(directory, employer_name="温州市顺达速运有限公司")
    second = file_claim(directory, employer_name="温州市 顺达速运（鹿城）有限责任公司")

    [link] = links_of(second)
    assert (link.case_id, link.other_case_id) == (second.pk, first.pk)  # the later case first
    assert link.reason == RelatedLinkReason.ID_NUMBER
    assert link.employer_match == EmployerMatch.NAME
    assert link.status == RelatedLinkStatus.OPEN


def test_the_credit_code_links_names_that_do_not_match(directory):
    first = make_case(employer_name="顺达速运", employer_credit_code=CODE)
    second = make_case(employer_name="温州某某物流有限公司", employer_credit_code=CODE)

    [link] = related_cases_detect(case_id=second.pk)
    assert link.other_case_id == first.pk
    assert link.employer_match == EmployerMatch.CREDIT_CODE


def test_two_different_credit_codes_are_two_employers_even_with_one_name():
    make_case(employer_credit_code=CODE)
    second = make_case(employer_credit_code=OTHER_CODE)

    assert related_cases_detect(case_id=second.pk) == []


def test_a_credit_code_known_on_one_side_only_still_matches_by_name():
    first = make_case(employer_name="温州市顺达速运有限公司", employer_credit_code="")
    second = make_case(employer_name="温州市顺达速运（鹿城）有限公司", employer_credit_code=CODE)

    [link] = related_cases_detect(case_id=second.pk)
    assert link.other_case_id == first.pk
    assert link.employer_match == EmployerMatch.NAME


def test_the_phone_hash_links_a_filing_without_an_id_number():
    first = make_case(worker_id_number="330302199001011234", worker_phone=PHONE_A)
    second = make_case(worker_id_number="", worker_phone=" 138-1234-5678 ")

    [link] = related_cases_detect(case_id=second.pk)
    assert link.other_case_id == first.pk
    assert link.reason == RelatedLinkReason.PHONE


def test_a_shared_phone_with_two_different_id_numbers_is_two_workers():
    make_case(worker_id_number=ID_A, worker_phone=PHONE_A)
    second = make_case(worker_id_number=ID_B, worker_phone=PHONE_A)

    assert related_cases_detect(case_id=second.pk) == []


def test_candidates_are_read_by_the_hash_indexes_alone():
    """Contradictions are judged in Python: SQL asking for an empty ID number or credit code would scan every
    case that lacks one. The answer is the same as the rules above."""
    first = make_case(worker_id_number=ID_A, worker_phone=PHONE_A, employer_credit_code="")
    make_case(worker_id_number=ID_B, worker_phone=PHONE_A)  # a shared phone: another worker
    make_case(worker_id_number=ID_A, worker_phone=PHONE_A, employer_credit_code=OTHER_CODE)
    second = make_case(worker_id_number=ID_A, worker_phone=PHONE_A, employer_credit_code=CODE)

    with CaptureQueriesContext(connection) as queries:
        found = related_candidates(case=second)
    [sql] = [q["sql"] for q in queries.captured_queries]
    assert "''" not in sql and "employer" not in sql.split("WHERE", 1)[1]
    assert [case.pk for case in found] == [first.pk]


@pytest.mark.parametrize(
    "other_employer", ["温州市顺通速运有限公司", "杭州市顺达速运有限公司", "温州市顺达物流有限公司"]
)
def test_the_same_worker_against_another_employer_is_not_linked(other_employer):
    make_case(employer_name="温州市顺达速运有限公司")
    second = make_case(employer_name=other_employer)

    assert related_cases_detect(case_id=second.pk) == []


def test_another_worker_against_the_same_employer_is_not_linked():
    make_case(worker_id_number=ID_A, worker_phone=PHONE_A)
    second = make_case(worker_id_number=ID_B, worker_phone=PHONE_B)

    assert related_cases_detect(case_id=second.pk) == []


def test_a_case_that_ended_is_history_not_a_duplicate():
    make_case(S.CLOSED)
    second = make_case()

    assert related_cases_detect(case_id=second.pk) == []


def test_detection_run_again_adds_nothing_and_works_from_either_side():
    first = make_case()
    second = make_case()

    assert len(related_cases_detect(case_id=second.pk)) == 1
    assert related_cases_detect(case_id=second.pk) == []
    assert related_cases_detect(case_id=first.pk) == []
    assert RelatedCaseLink.objects.count() == 1


def test_a_failing_check_never_fails_the_filing(directory):
    with mock.patch("disputes.related.related_cases_detect", side_effect=RuntimeError("boom")):
        case = file_claim(directory)
    assert Case.objects.filter(pk=case.pk).exists()


# --- Merge and dismiss ---------------------------------------------------------------------------------------
@pytest.fixture
def pair(directory):
    first = make_case(S.ASSIGNED, station=directory.station, tracking_code="AAAA-2345")
    second = make_case(S.ASSIGNED, station=directory.station, tracking_code="BBBB-2345")
    [link] = related_cases_detect(case_id=second.pk)
    return first, second, link


def test_merge_keeps_both_histories_and_closes_the_duplicate(directory, pair):
    first, second, link = pair
    CaseEvent.objects.create(
        case=first, transition="submit", from_state="", to_state=S.SUBMITTED, actor_kind="worker"
    )
    CaseEvent.objects.create(
        case=second, transition="submit", from_state="", to_state=S.SUBMITTED, actor_kind="worker"
    )

    link = related_case_merge(link_id=link.pk, actor=directory.staff["station_admin"], note="同一笔工资")

    first.refresh_from_db()
    second.refresh_from_db()
    assert link.status == RelatedLinkStatus.MERGED
    assert link.kept_case_id == first.pk
    assert link.decided_by == directory.staff["station_admin"]
    assert link.decided_at is not None
    assert first.status == S.ASSIGNED
    assert second.status == S.REJECTED  # returned as a duplicate, while still assigned
    assert second.outcome_note == "重复申请"
    kept = list(first.events.values_list("transition", flat=True))
    gone = list(second.events.values_list("transition", flat=True))
    assert kept == ["submit", "merge_duplicate"]
    assert gone == ["submit", "reject", "merged_into"]
    reject = second.events.get(transition="reject")
    assert "AAAA-2345" in reject.note and "同一笔工资" in reject.note
    assert second.events.get(transition="merged_into").payload["kept_case"] == "AAAA-2345"
    assert first.events.get(transition="merge_duplicate").payload["duplicate_case"] == "BBBB-2345"


def test_merge_can_keep_the_later_case(directory, pair):
    first, second, link = pair
    related_case_merge(link_id=link.pk, actor=directory.staff["station_admin"], keep_case_id=second.pk)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (S.REJECTED, S.ASSIGNED)


def test_a_mediator_merges_an_accepted_duplicate_by_withdrawing_it(directory):
    make_case(S.ACCEPTED, station=directory.station, tracking_code="AAAA-3456")
    second = make_case(S.IN_MEDIATION, station=directory.station)
    [link] = related_cases_detect(case_id=second.pk)

    related_case_merge(link_id=link.pk, actor=directory.staff["mediator"])

    second.refresh_from_db()
    assert second.status == S.WITHDRAWN
    assert "AAAA-3456" in second.outcome_note


def test_a_merged_link_cannot_be_decided_again(directory, pair):
    _first, _second, link = pair
    related_case_merge(link_id=link.pk, actor=directory.staff["station_admin"])

    with pytest.raises(RelatedLinkConflict):
        related_case_merge(link_id=link.pk, actor=directory.staff["station_admin"])
    with pytest.raises(RelatedLinkConflict):
        related_case_dismiss(link_id=link.pk, actor=directory.staff["station_admin"])


def test_only_staff_who_work_either_case_decide(directory, pair):
    _first, _second, link = pair
    for outsider in ("other_admin", "official"):
        with pytest.raises(PermissionDenied):
            related_case_merge(link_id=link.pk, actor=directory.staff[outsider])
        with pytest.raises(PermissionDenied):
            related_case_dismiss(link_id=link.pk, actor=directory.staff[outsider])
    assert RelatedCaseLink.objects.get(pk=link.pk).status == RelatedLinkStatus.OPEN


def test_dismiss_leaves_both_cases_as_they_were(directory, pair):
    first, second, link = pair
    link = related_case_dismiss(link_id=link.pk, actor=directory.staff["mediator"], note="两段不同的劳动关系")

    assert link.status == RelatedLinkStatus.DISMISSED
    assert link.note == "两段不同的劳动关系"
    assert Case.objects.get(pk=first.pk).status == S.ASSIGNED
    assert Case.objects.get(pk=second.pk).status == S.ASSIGNED
    assert not CaseEvent.objects.filter(case__in=[first, second]).exists()


# --- The case page -------------------------------------------------------------------------------------------
def test_the_case_page_lists_the_links_with_merge_for_the_station(client, directory, pair):
    first, second, link = pair
    client.force_login(directory.staff["station_admin"])

    html = client.get(reverse("admin:disputes_case_change", args=[second.pk])).content.decode()

    assert 'id="case-related"' in html
    assert "AAAA-2345" in html
    assert reverse("admin:disputes_relatedcaselink_merge", args=[link.pk]) in html


def test_merging_from_the_admin(client, directory, pair):
    first, second, link = pair
    client.force_login(directory.staff["station_admin"])
    url = reverse("admin:disputes_relatedcaselink_merge", args=[link.pk])

    assert client.get(url).status_code == 200
    response = client.post(url, {"keep_case_id": first.pk, "note": "重复提交"})

    assert response.status_code == 302
    assert Case.objects.get(pk=second.pk).status == S.REJECTED
    assert RelatedCaseLink.objects.get(pk=link.pk).status == RelatedLinkStatus.MERGED


def test_staff_of_another_station_cannot_open_the_decision_page(client, directory, pair):
    _first, _second, link = pair
    client.force_login(directory.staff["other_admin"])

    response = client.get(reverse("admin:disputes_relatedcaselink_dismiss", args=[link.pk]))

    assert response.status_code == 404
