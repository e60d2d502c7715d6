"""The claim's rules in disputes.intake.forms: dates, amounts by item, the honeypot, co-workers and their
representatives (LDMAL Art. 7)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from disputes.intake.forms import (
    MAX_COWORKERS,
    ClaimForm,
    CoworkerFormSet,
    RespondentFormSet,
    WorkerClaimForm,
)
from disputes.validators import id_number_check_digit

pytestmark = pytest.mark.django_db

ID_NUMBER = "330302199001011235"


def base(**overrides) -> dict:
    data = {
        "worker_name": "张伟",
        "worker_id_number": ID_NUMBER,
        "worker_phone": "13957712345",
        "employer_name": "温州市顺达速运有限公司",
        "industry": "express_delivery",
        "categories": ["wages"],
        "facts": "工资两个月没有发。",
        "consent": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def worker(**overrides) -> dict:
    return base(form_token="tok-1", **overrides)


def today():
    return timezone.localdate()


def test_a_plain_claim_is_valid():
    form = ClaimForm(data=base())
    assert form.is_valid(), form.errors
    assert form.cleaned_data["worker_id_number"] == ID_NUMBER
    assert form.claim_amounts() == {"wages": None}


@pytest.mark.parametrize("field", ["employment_started_on", "employment_ended_on", "knowledge_date"])
def test_a_date_in_the_future_is_refused(field):
    form = ClaimForm(data=base(**{field: str(today() + timedelta(days=1))}))
    assert not form.is_valid()
    assert form.errors[field] == ["日期不能晚于今天。"]


def test_today_is_not_the_future():
    form = ClaimForm(data=base(knowledge_date=str(today()), employment_started_on=str(today())))
    assert form.is_valid(), form.errors


def test_the_end_before_the_start_is_refused():
    form = ClaimForm(data=base(employment_started_on="2025-05-01", employment_ended_on="2025-04-30"))
    assert not form.is_valid()
    assert form.errors["employment_ended_on"] == ["离职日期不能早于入职日期。"]


def test_still_employed_with_an_end_date_is_refused():
    form = ClaimForm(data=base(still_employed="on", employment_ended_on="2025-04-30"))
    assert not form.is_valid()
    assert form.errors["employment_ended_on"] == ["仍在职就不用填写离职日期。"]


def test_consent_is_required_in_plain_chinese():
    form = ClaimForm(data=base(consent=None))
    assert not form.is_valid()
    assert form.errors["consent"] == ["需要您同意处理个人信息，我们才能受理申请。"]


def test_the_station_brings_its_region(directory):
    form = ClaimForm(data=base(station="station-a"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["station"] == directory.station
    assert form.cleaned_data["region"] == directory.north


def test_a_region_given_wins_over_the_stations(directory):
    form = ClaimForm(data=base(station="station-a", region="south"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["region"] == directory.south


def test_an_unknown_region_is_refused(directory):
    form = ClaimForm(data=base(region="atlantis"))
    assert not form.is_valid()
    assert form.errors["region"] == ["请从列表中选择区县。"]


# --- The public form -----------------------------------------------------------------------------------------
def test_amounts_by_item_add_up_to_the_total():
    form = WorkerClaimForm(
        data=worker(
            categories=["wages", "overtime"],
            amount_wages="6000.50",
            amount_overtime="1200",
            amount_claimed="1",  # the items win: the total is theirs
        )
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount_claimed"] == Decimal("7200.50")
    assert form.claim_amounts() == {"wages": Decimal("6000.50"), "overtime": Decimal("1200")}


def test_an_item_left_blank_counts_as_nothing():
    form = WorkerClaimForm(data=worker(categories=["wages", "overtime"], amount_wages="500"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount_claimed"] == Decimal("500")
    assert form.claim_amounts() == {"wages": Decimal("500"), "overtime": None}


def test_without_items_the_total_stays():
    form = WorkerClaimForm(data=worker(amount_claimed="3000"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount_claimed"] == Decimal("3000")


def test_an_amount_for_an_unticked_category_is_refused():
    form = WorkerClaimForm(data=worker(categories=["wages"], amount_wages="500", amount_work_injury="20000"))
    assert not form.is_valid()
    assert form.errors["categories"] == ["填了金额的问题请同时勾选。"]


@pytest.mark.parametrize("amount", ["-1", "100000000", "12.345", "abc"])
def test_a_bad_item_amount_is_refused(amount):
    form = WorkerClaimForm(data=worker(amount_wages=amount))
    assert not form.is_valid()
    assert "amount_wages" in form.errors


def test_a_filled_honeypot_is_refused():
    form = WorkerClaimForm(data=worker(website="http://spam.example"))
    assert not form.is_valid()
    assert form.errors["website"] == ["提交失败，请刷新页面后重试。"]
    assert form.errors.as_data()["website"][0].code == "honeypot"


def test_the_form_token_is_required():
    form = WorkerClaimForm(data=base())
    assert not form.is_valid()
    assert "form_token" in form.errors


# --- Respondents ---------------------------------------------------------------------------------------------
def formset_data(prefix: str, rows: list[dict]) -> dict:
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0"}
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{k}": v for k, v in row.items()})
    return data


def test_respondents_at_most_five():
    rows = [{"role": "platform", "name": f"平台{i}"} for i in range(6)]
    formset = RespondentFormSet(data=formset_data("r", rows), prefix="r")
    assert not formset.is_valid()
    assert formset.non_form_errors()


def test_a_respondents_bad_credit_code_is_refused():
    formset = RespondentFormSet(
        data=formset_data("r", [{"role": "platform", "name": "某平台", "credit_code": "123"}]), prefix="r"
    )
    assert not formset.is_valid()
    assert "credit_code" in formset.forms[0].errors


# --- Co-workers ----------------------------------------------------------------------------------------------
def id_number(n: int) -> str:
    first17 = f"33030219900101{n:03d}"
    return first17 + id_number_check_digit(first17)


def coworkers(count: int, representatives: int = 0) -> list[dict]:
    return [
        {
            "worker_name": f"工友{i}",
            "worker_id_number": id_number(100 + i),
            "worker_phone": f"139577{i:05d}",
            "amount_claimed": "1000",
            **({"is_representative": "on"} if i < representatives else {}),
        }
        for i in range(count)
    ]


def coworker_formset(rows, *, filer_is_representative=False):
    return CoworkerFormSet(
        data=formset_data("c", rows),
        prefix="c",
        filer_id_number=ID_NUMBER,
        filer_is_representative=filer_is_representative,
    )


def test_the_same_person_twice_is_refused():
    rows = coworkers(2)
    rows[1]["worker_id_number"] = rows[0]["worker_id_number"]
    formset = coworker_formset(rows)
    assert not formset.is_valid()
    assert formset.non_form_errors() == ["同一个人（身份证号相同）只能填写一次。"]


def test_the_filer_listed_again_is_refused():
    rows = coworkers(1)
    rows[0]["worker_id_number"] = ID_NUMBER
    assert not coworker_formset(rows).is_valid()


def test_a_coworkers_bad_id_is_refused():
    rows = coworkers(1)
    rows[0]["worker_id_number"] = "330302199001011234"
    formset = coworker_formset(rows)
    assert not formset.is_valid()
    assert "worker_id_number" in formset.forms[0].errors


def test_nine_workers_need_no_representatives():
    assert coworker_formset(coworkers(8)).is_valid()


@pytest.mark.parametrize(
    ("others", "representatives", "filer", "valid"),
    [
        (9, 2, False, False),  # ten workers, two representatives
        (9, 3, False, True),
        (9, 2, True, True),  # the filer counts as one
        (9, 5, False, True),
        (9, 6, False, False),
        (9, 5, True, False),
        (9, 0, False, False),
        (20, 4, False, True),
    ],
)
def test_ten_or_more_workers_elect_three_to_five_representatives(others, representatives, filer, valid):
    formset = coworker_formset(coworkers(others, representatives), filer_is_representative=filer)
    assert formset.is_valid() is valid
    if not valid:
        [message] = formset.non_form_errors()
        assert "3至5名代表" in message
        assert f"{representatives + int(filer)}名" in message


def test_coworkers_are_capped():
    formset = coworker_formset(coworkers(MAX_COWORKERS + 1, 4))
    assert not formset.is_valid()
