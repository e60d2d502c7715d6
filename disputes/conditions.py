"""Conditions on a case's own fields that a transition needs besides its source state (pure, no queries)."""


def has_station(case) -> bool:
    return case.station_id is not None


def has_handling_org(case) -> bool:
    return case.handling_org_id is not None


def agreement_amount_recorded(case) -> bool:
    return case.amount_agreed is not None
