"""Synthetic cases for load tests and the benchmark (``manage.py generate_cases``, ``make bench``).

What it guarantees (tested in ``tests/disputes/test_generate_cases.py``):

- Consistent histories. Every case's path is drawn by the demo seeder's planner (:func:`disputes.demo._plan_steps`)
  and run once through the real transition methods of :class:`~disputes.models.Case` in memory (no queries), so
  its status, station, mediator, handling organization, amounts and notes are what those methods leave, and its
  ``CaseEvent`` rows chain ``submit → … → status`` with strictly increasing timestamps, all before now.
- Real people's data, cheaply. ID numbers (GB 11643 check digit) and phones are encrypted with
  :func:`disputes.pii.encrypt` and hashed with :func:`disputes.pii.keyed_hash`, exactly as ``case_create`` does;
  because Fernet costs ~20 µs a value, a pool of workers is encrypted once and reused, so a worker files several
  cases over the years (which also gives the related-case checks something to find).
- Fast. Rows are streamed to PostgreSQL with ``COPY`` in batches; cases carry ids reserved from their sequence (so
  events and claims can reference them, and a normal ``case_create`` afterwards takes the next id), claims and
  events take theirs from their identity default. The cost per case is a few string joins over pieces prepared
  once per *archetype* (a planned path; a few thousand of them are drawn per run), and generating runs on one
  core while PostgreSQL copies on the other. ``bulk`` (for a dedicated database) also drops and rebuilds the
  indexes and foreign keys around the load: see :class:`_Writer`.
- Unmistakable. Tracking codes are ``L`` + the case id in base 31 over :data:`disputes.services.TRACKING_ALPHABET`
  (``L223-4KM4``): the live generator never uses ``L``, so they never collide with real codes nor each other.
  Synthetic cases have no access PIN (the stored hash matches none), and their history is not announced.

PostgreSQL only: on another database :func:`generate_cases` raises :class:`SyntheticError` (the load path is
``COPY``; the demo on SQLite has ``seed_demo``). Deadlines (``CaseDeadline``) are not generated.
"""

from __future__ import annotations

import io
import json
import math
import queue
import random
import re
import threading
import time
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from hashlib import sha256
from itertools import accumulate
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.utils import timezone

from organizations.models import Membership, Organization
from organizations.services import role_groups_ensure
from organizations.states import Industry, OrgType

from . import demo
from .history_chain import GENESIS, chain_hash, content_digest, event_body
from .matching import employer_key
from .models import Case, CaseEvent, Claim
from .pii import encrypt, keyed_hash, normalize
from .services import TRACKING_ALPHABET, _actor_fields, _jsonable
from .states import TERMINAL_STATES, CaseStatus, Category, Channel, RejectReason, Service

S = CaseStatus
I = Industry  # noqa: E741

BATCH_SIZE = 10_000  # small enough that COPY starts early and the last batch's COPY is short
PROGRESS_EVERY = 100_000  # cases between progress lines of the command
COPY_CHUNK = 8 << 20  # bytes handed to libpq at a time
QUEUED_CASES = 100_000  # generated cases that may wait for COPY (memory: about 4 kB each)
DEFAULT_YEARS = 3
MAX_WORKERS = 50_000
TRACKING_PREFIX = "L"  # not in TRACKING_ALPHABET: the live generator never makes a code starting with it
NO_PIN = "!synthetic"  # not a hex HMAC, so case_check_pin never matches it
NULL = "\\N"  # COPY text format

# Which states cases of a given age are in: young cases are still moving, old ones have mostly ended. The keys
# are upper bounds on the age in days; weights per bucket.
AGE_MIX: list[tuple[float, dict[str, float]]] = [
    (1, {S.SUBMITTED: 30, S.ASSIGNED: 38, S.ACCEPTED: 12, S.IN_MEDIATION: 6, S.REJECTED: 5, S.WITHDRAWN: 3,
         S.REFERRED_TO_ARBITRATION: 3}),
    (7, {S.SUBMITTED: 2, S.ASSIGNED: 14, S.ACCEPTED: 15, S.IN_MEDIATION: 34, S.AGREEMENT_REACHED: 8,
         S.MEDIATION_FAILED: 4, S.REJECTED: 8, S.WITHDRAWN: 5, S.REFERRED_TO_ARBITRATION: 5, S.FULFILLED: 3}),
    (30, {S.ASSIGNED: 3, S.ACCEPTED: 4, S.IN_MEDIATION: 24, S.AGREEMENT_REACHED: 12, S.CONFIRMATION_REQUESTED: 5,
          S.CONFIRMED: 4, S.FULFILLED: 12, S.MEDIATION_FAILED: 7, S.REFERRED_TO_ARBITRATION: 6,
          S.ARBITRATION_ACCEPTED: 6, S.REJECTED: 6, S.WITHDRAWN: 6, S.CLOSED: 10}),
    (120, {S.IN_MEDIATION: 3, S.AGREEMENT_REACHED: 5, S.CONFIRMATION_REQUESTED: 2, S.CONFIRMED: 4,
           S.ENFORCEMENT: 6, S.FULFILLED: 8, S.MEDIATION_FAILED: 3, S.REFERRED_TO_ARBITRATION: 2,
           S.ARBITRATION_ACCEPTED: 10, S.REJECTED: 7, S.WITHDRAWN: 8, S.CLOSED: 45}),
    (math.inf, {S.CLOSED: 72, S.WITHDRAWN: 10, S.REJECTED: 9, S.ENFORCEMENT: 2, S.ARBITRATION_ACCEPTED: 1,
                S.FULFILLED: 1, S.AGREEMENT_REACHED: 1, S.MEDIATION_FAILED: 1}),
]  # fmt: skip

# Synthetic employers, beyond the demo's: district, trade name, line of business and legal form.
_DISTRICTS = ["温州市鹿城区", "温州市瓯海区", "温州市龙湾区", "温州", "浙江", "瑞安市", "乐清市"]
_TRADE = (
    "顺达迅邦捷运百川驿达食速骑速飞鸽乐送易行畅行顺风瓯江安心好帮月满到家鑫达东瓯精工华泰锦程宏建恒基聚鑫优选安泰"
    "永兴嘉禾恒通盛达宏远金桥天成和顺新锐海川众诚长风瑞丰万家汇通"
)
_BUSINESS = {
    I.EXPRESS_DELIVERY: ["速运", "快递服务", "物流", "供应链管理"],
    I.FOOD_DELIVERY: ["即时配送", "配送服务", "网络科技", "餐饮配送"],
    I.RIDE_HAILING: ["出行科技", "网约车服务", "汽车租赁", "约车服务"],
    I.DOMESTIC_SERVICES: ["家政服务", "月嫂服务", "保洁服务", "养老服务"],
    I.MANUFACTURING: ["鞋业", "眼镜制造", "阀门", "服装", "电器", "五金制品"],
    I.CONSTRUCTION: ["建筑劳务", "建设工程", "装饰工程", "市政工程"],
    I.OTHER: ["餐饮管理", "物业服务", "人力资源服务", "商贸"],
}
_FORMS = ["有限公司", "有限公司", "有限公司", "有限责任公司", "经营部", "有限公司温州分公司"]

_NAME, _EMPLOYER = "\x01", "\x02"  # placeholders in an archetype's facts
_PLACEHOLDER = re.compile(r"(\x01|\x02|\{(?:date|month):\d+\})")


class SyntheticError(Exception):
    pass


# --- COPY text format ----------------------------------------------------------------------------------------
def _esc(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _text(value) -> str:
    """A Python value as a COPY text field."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (dict, list)):
        return _esc(json.dumps(value, ensure_ascii=False))
    return _esc(str(value))


def _default_text(model: type[models.Model], f: models.Field) -> str:
    """The value ``Model()`` would save for a column the generator does not fill (a column added later)."""
    value = f.get_default()
    if value is None and not f.null:
        raise SyntheticError(
            f"{model.__name__}.{f.name} is required and has no default: teach disputes.synthetic"
        )
    if isinstance(f, models.JSONField):
        return _text(value)
    return _text(f.get_db_prep_save(value, connection))


def _columns(model: type[models.Model], explicit: list[str]) -> tuple[list[str], str]:
    """The COPY column list (the explicit ones, in order, then every other concrete column except the primary
    key and columns with a database default) and the constant text tail for those others ("" or tab-led)."""
    fields = {f.column: f for f in model._meta.concrete_fields}
    missing = [c for c in explicit if c not in fields]
    if missing:
        raise SyntheticError(f"{model.__name__} has no column {missing}")
    rest = [
        c
        for c, f in fields.items()
        if c not in explicit and not f.primary_key and f.db_default is models.NOT_PROVIDED
    ]
    tail = "".join("\t" + _default_text(model, fields[c]) for c in rest)
    return explicit + rest, tail


# --- Time ------------------------------------------------------------------------------------------------------
class _Clock:
    """Epoch seconds to COPY timestamps and local dates, with per-day caches (formatting is the hot path)."""

    def __init__(self, tz: ZoneInfo):
        self.tz = tz
        self.hms = [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]
        self.days: dict[int, str] = {}
        self._iso: dict[int, str] = {}
        self._cn_date: dict[int, str] = {}
        self._cn_month: dict[int, str] = {}
        self.epoch_ordinal = date(1970, 1, 1).toordinal()

    def day(self, day: int) -> str:
        """The UTC date of epoch day ``day`` (``days`` caches it: the hot loop looks there first)."""
        prefix = self.days.get(day)
        if prefix is None:
            prefix = self.days[day] = date.fromordinal(self.epoch_ordinal + day).isoformat()
        return prefix

    def ts(self, t: int) -> str:
        day, sec = divmod(t, 86400)
        return f"{self.days.get(day) or self.day(day)} {self.hms[sec]}+00"

    def iso(self, ordinal: int) -> str:
        value = self._iso.get(ordinal)
        if value is None:
            value = self._iso[ordinal] = date.fromordinal(ordinal).isoformat()
        return value

    def cn_date(self, ordinal: int) -> str:
        value = self._cn_date.get(ordinal)
        if value is None:
            d = date.fromordinal(ordinal)
            value = self._cn_date[ordinal] = f"{d.year}年{d.month}月{d.day}日"
        return value

    def cn_month(self, ordinal: int) -> str:
        value = self._cn_month.get(ordinal)
        if value is None:
            d = date.fromordinal(ordinal)
            value = self._cn_month[ordinal] = f"{d.year}年{d.month}月"
        return value


# --- The pools: employers and workers ----------------------------------------------------------------------
@dataclass(frozen=True)
class Employer:
    industry: str
    names: tuple[str, ...]  # the canonical name and ways workers type it (same employer_key), COPY-escaped
    key: str  # COPY-escaped
    credit_code: str


@dataclass(frozen=True)
class Worker:
    name: str
    industry: str
    id_number: str
    text: str  # the worker's COPY fields: name, encrypted ID, its hash, encrypted phone, its hash
    employer: int  # index of the worker's usual employer in the industry's list


def _name_variants(name: str, key: str) -> tuple[str, ...]:
    variants = [name]
    for candidate in (
        name.replace("有限公司", "").replace("有限责任公司", ""),
        name.replace("公司", " 公司"),
    ):
        if candidate != name and candidate and employer_key(candidate) == key:
            variants.append(candidate)
    return tuple(variants)


def employers_build(rng: random.Random, count: int) -> dict[str, list[Employer]]:
    """The demo's employers plus ``count`` synthetic ones, spread over industries like the cases."""
    by_industry: dict[str, list[Employer]] = {industry: [] for industry in demo.EMPLOYERS}
    seen: set[str] = set()

    def add(industry: str, name: str, kind: str) -> None:
        key = employer_key(name)
        if key in seen:
            return
        seen.add(key)
        code = "" if kind == "individual" else demo.credit_code(rng, division=demo._division(name))
        names = tuple(_esc(n) for n in _name_variants(name, key))
        by_industry[industry].append(Employer(industry, names, _esc(key), code))

    for industry, employers in demo.EMPLOYERS.items():
        for name, kind in employers:
            add(industry, name, kind)
    industries = list(demo.INDUSTRY_WEIGHTS)
    weights = [demo.INDUSTRY_WEIGHTS[i] for i in industries]
    attempts = 0
    while sum(len(v) for v in by_industry.values()) < count and attempts < count * 5:
        attempts += 1
        industry = rng.choices(industries, weights=weights)[0]
        trade = "".join(rng.sample(_TRADE, 2))
        name = f"{rng.choice(_DISTRICTS)}{trade}{rng.choice(_BUSINESS[industry])}{rng.choice(_FORMS)}"
        add(industry, name, "company")
    return by_industry


def _zipf_cum(n: int, s: float = 1.1) -> list[float]:
    """Cumulative weights for picking among ``n`` employers: a few big platforms, a long tail of small shops."""
    return list(accumulate(1 / (i + 1) ** s for i in range(n)))


def workers_build(
    rng: random.Random, count: int, employers: dict[str, list[Employer]]
) -> dict[str, list[Worker]]:
    """``count`` distinct workers (ID numbers, phones), encrypted and hashed once each."""
    used_ids: set[str] = set()
    used_phones: set[str] = set()
    industries = list(demo.INDUSTRY_WEIGHTS)
    weights = [demo.INDUSTRY_WEIGHTS[i] for i in industries]
    cums = {i: _zipf_cum(len(employers[i])) for i in industries}
    pool: dict[str, list[Worker]] = {i: [] for i in industries}
    for _ in range(count):
        industry = rng.choices(industries, weights=weights)[0]
        name, number, phone = demo._person(rng, industry, used_ids, used_phones)
        number, phone = normalize(number), normalize(phone)
        text = "\t".join([_esc(name), encrypt(number), keyed_hash(number), encrypt(phone), keyed_hash(phone)])
        employer = bisect_right(cums[industry], rng.random() * cums[industry][-1])
        pool[industry].append(
            Worker(name, industry, number, text, min(employer, len(employers[industry]) - 1))
        )
    for industry in industries:  # every industry needs someone to file its cases
        if not pool[industry]:
            name, number, phone = demo._person(rng, industry, used_ids, used_phones)
            number, phone = normalize(number), normalize(phone)
            text = "\t".join(
                [_esc(name), encrypt(number), keyed_hash(number), encrypt(phone), keyed_hash(phone)]
            )
            pool[industry].append(Worker(name, industry, number, text, 0))
    return pool


# --- Archetypes: one planned path, prepared as text pieces --------------------------------------------------
@dataclass
class Archetype:
    target: str
    industry: str
    facts_format: str  # str.format with {0} name, {1} employer, {2}… the dates
    facts_dates: list[tuple[bool, int]]  # (is a month, days before filing)
    knowledge_days: int | None
    ended_days: int | None
    started_days: int
    static: str  # COPY fields after the per-case ones (see CASE_COLUMNS)
    claims: list[str]  # "category\tamount" per claim
    # (seconds after filing, COPY fields after created_at, has {year}, the event's link in the case's hash chain)
    events: list[tuple[int, str, bool, ChainLink]]
    total: int  # seconds from filing to the last step
    terminal: bool
    has_year: bool  # some event's note or payload holds a "{year}" to fill in
    # When the history records an agreement: (index of the event that recorded it, index of the event that
    # recorded its payment or None, the agreement row's constant COPY fields; see mediation_rows_write).
    agreement: tuple[int, int | None, str] | None = None


@dataclass
class Directory:
    orgs: dict[str, Organization]
    users: dict[str, object]


def directory_ensure() -> Directory:
    """The demo directory (regions, stations, agencies) and its staff accounts, created where missing.

    Staff accounts that already exist are left alone (a demo database keeps its passwords); missing ones are
    created with an unusable password: the synthetic history needs them as actors, nobody needs to log in."""
    User = get_user_model()
    with transaction.atomic():
        if set(Organization.objects.filter(code__in=demo.ORG_BY_CODE).values_list("code", flat=True)) != set(
            demo.ORG_BY_CODE
        ):
            demo.directory_ensure()
        orgs = {o.code: o for o in Organization.objects.filter(code__in=demo.ORG_BY_CODE)}
        usernames = [username for username, *_ in demo.STAFF]
        users = {u.username: u for u in User.objects.filter(username__in=usernames)}
        members = set(
            Membership.objects.filter(user__username__in=usernames).values_list("user__username", "role")
        )
        groups = None
        for username, role, org_code, full_name in demo.STAFF:
            if username in users and (username, role) in members:
                continue
            groups = groups or role_groups_ensure()
            user = users.get(username)
            if user is None:
                user = User(username=username, first_name=full_name, is_staff=True, is_active=True)
                user.set_unusable_password()
                user.save()
                users[username] = user
            Membership.objects.get_or_create(user=user, organization=orgs[org_code], role=role)
            user.groups.add(groups[role])
    return Directory(orgs=orgs, users=users)


# The columns each case row fills, in order: per case, then per worker, per employer, facts, per archetype.
CASE_VARYING = [
    "id", "tracking_code", "access_pin_hash", "created_at", "updated_at", "closed_at",
    "knowledge_date", "employment_ended_on", "employment_started_on",
    "worker_name", "worker_id_number", "worker_id_hash", "worker_phone", "worker_phone_hash",
    "employer_name", "employer_credit_code", "employer_key", "facts",
]  # fmt: skip
CASE_STATIC = [
    "status", "channel", "industry", "intake_org_id", "station_id", "handling_org_id", "mediator_id", "region_id",
    "services", "confidential", "still_employed", "amount_claimed", "amount_agreed", "amount_paid",
    "confirmation_route", "outcome_note", "employer_site", "is_representative", "referred_by_name",
]  # fmt: skip
EVENT_COLUMNS = ["case_id", "created_at", "transition", "from_state", "to_state", "actor_id", "actor_kind",
                 "note", "payload", "announce", "content_sha256", "prev_hash", "hash"]  # fmt: skip
# Stand-ins in an event's hash body, replaced per row (history_chain.event_body defines the body).
_CASE_MARK = 987_654_321_987_654_321
_AT_MARK = datetime(1901, 2, 3, 4, 5, 6, tzinfo=UTC)
_AT_MARK_TEXT = "1901-02-03T04:05:06.000000+00:00"
_CONTENT_MARK = "c" * 64


class ChainLink:
    """One planned event's part of the hash chain (disputes.history_chain), prepared once per archetype: the bytes
    :func:`~disputes.history_chain.chain_hash` hashes (``prev_hash``, a newline, the event's body) as pieces around
    the case id, time and (for notes holding ``{year}``) content digest, so a row costs one f-string and one
    SHA-256. The first link built checks itself against ``chain_hash(prev, event_body(...))``."""

    __slots__ = ("head", "mid", "tail", "content", "_note", "_payload", "_by_year")
    _checked = False  # the first instance checked its pieces against history_chain

    def __init__(self, *, transition, from_state, to_state, actor_id, actor_kind, note, payload):
        has_year = "{year}" in note or "{year}" in json.dumps(payload, ensure_ascii=False)
        self._note, self._payload, self._by_year = note, payload, {}
        self.content = None if has_year else content_digest(note=note, payload=payload)
        fields = dict(
            transition=transition,
            from_state=from_state,
            to_state=to_state,
            actor_id=actor_id,
            actor_kind=actor_kind,
            announce=False,
        )
        body = event_body(
            case_id=_CASE_MARK, created_at=_AT_MARK, content_sha256=self.content or _CONTENT_MARK, **fields
        ).decode()
        head, _, rest = body.partition(_AT_MARK_TEXT)
        self.mid, _, self.tail = rest.partition(str(_CASE_MARK))
        self.head = "\n" + head
        if not rest or not self.tail or (self.content is None and _CONTENT_MARK not in self.tail):
            raise SyntheticError("the hash body no longer has the expected shape (history_chain.event_body)")
        if not ChainLink._checked:
            at = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
            content = self.content or self.digest_for("2024")
            expected = chain_hash(
                GENESIS, event_body(case_id=42, created_at=at, content_sha256=content, **fields)
            )
            if self.link(GENESIS, "42", "2024-05-06T07:08:09.000000+00:00", "2024") != (content, expected):
                raise SyntheticError("ChainLink no longer hashes as history_chain.chain_hash does")
            ChainLink._checked = True

    def digest_for(self, year: str) -> str:
        """The content digest with ``{year}`` filled in as the COPY row fills it."""
        digest = self._by_year.get(year)
        if digest is None:
            note = self._note.replace("{year}", year)
            payload = json.loads(json.dumps(self._payload, ensure_ascii=False).replace("{year}", year))
            digest = self._by_year[year] = content_digest(note=note, payload=payload)
        return digest

    def link(self, prev_hash: str, case_id: str, at: str, year: str) -> tuple[str, str]:
        """(content digest, hash) of this event in case ``case_id`` at ``at`` (UTC, as ``_time`` writes it)."""
        content = self.content
        if content is None:
            content = self.digest_for(year)
            tail = self.tail.replace(_CONTENT_MARK, content, 1)
        else:
            tail = self.tail
        # chain_hash(prev_hash, body), with the body's pieces joined once
        return content, sha256(f"{prev_hash}{self.head}{at}{self.mid}{case_id}{tail}".encode()).hexdigest()


CLAIM_COLUMNS = ["case_id", "category", "amount"]


def _resolve(value, d: Directory):
    if isinstance(value, demo.OrgRef):
        return d.orgs[value.code]
    if isinstance(value, demo.UserRef):
        return d.users[value.username]
    return value


def _actor(key: str, d: Directory):
    return demo._actor(key, d.users)


def archetype_build(rng: random.Random, index: int, target: str, d: Directory) -> Archetype:
    """Plan one path to ``target`` as the demo seeder does, and run it through the real transition methods."""
    industry = demo._weighted(rng, demo.INDUSTRY_WEIGHTS)
    channel = demo._weighted(rng, demo.CHANNEL_WEIGHTS)
    needs_confirmation = target in (
        S.CONFIRMATION_REQUESTED,
        S.CONFIRMED,
        S.ENFORCEMENT,
        S.CLOSED,
        S.FULFILLED,
    )
    categories = demo._categories(rng, industry, no_relationship=needs_confirmation, only_wages=False)
    job = demo._job(rng, industry, categories)
    claims = demo._claims(rng, categories, job)
    facts = demo._facts(rng, industry=industry, employer=_EMPLOYER, claims=claims, name=_NAME, job=job)
    reject = None
    if target == S.REJECTED:
        roll = rng.random()
        if roll < 0.45:
            text, note = rng.choice(demo.NOT_LABOR)
            claims = [
                demo.ClaimInput(category=Category.OTHER, amount=demo._yuan(rng.randrange(1500, 6000, 100)))
            ]
            facts = text.format(name=_NAME, employer=_EMPLOYER, amount=claims[0].amount)
            reject = (RejectReason.NOT_LABOR_DISPUTE, note)
        elif roll < 0.8:
            text, note = rng.choice(demo.OUTSIDE)
            facts = facts.replace("请求依法调解", text + "请求依法调解")
            reject = (RejectReason.OUTSIDE_JURISDICTION, note)
        else:
            reject = (RejectReason.DUPLICATE, demo.DUPLICATE_NOTE)
    first, transfer_to, dispatch = demo._station_plan(rng, industry, target)
    steps = demo._plan_steps(
        rng, index, target=target, claims=claims, first=first, transfer_to=transfer_to, dispatch=dispatch,
        reject=reject,
    )  # fmt: skip
    intake_actor, intake_org = demo.CHANNEL_INTAKE[channel]
    chosen = first if channel == Channel.QR_WEB and rng.random() < 0.7 else None
    if chosen and demo.ORG_BY_CODE[chosen].type == OrgType.GOVERNMENT_STATION and transfer_to:
        chosen = None
    if job.ended_days:
        knowledge = job.ended_days
    else:
        knowledge = 30 * job.unpaid_months + 10 if Category.WAGES in categories else job.incident_days
    if Category.DISMISSAL not in categories and rng.random() < 0.06:
        knowledge = rng.randint(330, 375)
    home = transfer_to or first
    service = {
        OrgType.INDUSTRY_STATION: Service.INDUSTRY_MEDIATION,
        OrgType.GOVERNMENT_STATION: Service.PRE_ARBITRATION_MEDIATION,
        OrgType.UNION_COMMITTEE: Service.UNION_MEDIATION,
        OrgType.PEOPLES_MEDIATION: Service.PEOPLES_MEDIATION,
    }[demo.ORG_BY_CODE[home].type]
    services = [str(service)] + ([str(Service.LEGAL_AID)] if rng.random() < 0.15 else [])

    # Run the path through the model's own transition methods (they only change fields in memory).
    station = d.orgs[chosen] if chosen else None
    case = Case(status=S.SUBMITTED, station=station, amount_paid=Decimal("0"))
    amount_claimed = sum((c.amount for c in claims if c.amount is not None), Decimal("0"))
    intake_fields = _actor_fields(_actor(intake_actor, d))
    events = [
        (
            0,
            "submit",
            "",
            S.SUBMITTED,
            intake_fields,
            "",
            {"channel": str(channel), "station": chosen},
        )
    ]
    offset = 0.0
    for step in steps:
        offset += step.gap_hours * 3600
        payload = {k: _resolve(v, d) for k, v in step.payload.items()}
        before = case.status
        getattr(case, step.name)(**payload)
        events.append(
            (
                offset,
                step.name,
                before,
                case.status,
                _actor_fields(_actor(step.actor, d)),
                step.note,
                {k: _jsonable(v) for k, v in payload.items()},
            )
        )
    if case.status != target:
        raise SyntheticError(f"planned path for {target} ended at {case.status}")

    # Event offsets: strictly increasing whole seconds.
    event_rows = []
    last = -1
    for off, name, before, after, actor, note, payload in events:
        seconds = max(int(off), last + 60) if last >= 0 else 0
        last = seconds
        chain = ChainLink(
            transition=name,
            from_state=before,
            to_state=str(after),
            actor_id=actor["actor"].pk if actor["actor"] is not None else None,
            actor_kind=str(actor["actor_kind"]),
            note=note or "",
            payload=payload,
        )
        fields = "\t".join(
            [
                name,
                before,
                str(after),
                _text(actor["actor"].pk if actor["actor"] is not None else None),
                str(actor["actor_kind"]),
                _text(note),
                _text(payload),
                "f",
            ]
        )
        event_rows.append((seconds, fields, "{year}" in fields, chain))

    # The facts as a format string: literal braces doubled, placeholders numbered.
    pieces = _PLACEHOLDER.split(facts)
    fmt, dates = [], []
    for i, piece in enumerate(pieces):
        if i % 2 == 0:
            fmt.append(_esc(piece).replace("{", "{{").replace("}", "}}"))
        elif piece == _NAME:
            fmt.append("{0}")
        elif piece == _EMPLOYER:
            fmt.append("{1}")
        else:
            kind, days = piece[1:-1].split(":")
            fmt.append(f"{{{2 + len(dates)}}}")
            dates.append((kind == "month", int(days)))

    def org_id(org):
        return org.pk if org is not None else None

    static = "\t".join(
        _text(v)
        for v in [
            case.status,
            str(channel),
            str(industry),
            org_id(d.orgs[intake_org] if intake_org else None),
            org_id(case.station),
            org_id(case.handling_org),
            case.mediator.pk if case.mediator is not None else None,
            d.orgs[home].region_id,
            services,
            rng.random() < 0.05,
            job.still_employed,
            amount_claimed,
            case.amount_agreed,
            case.amount_paid,
            str(case.confirmation_route or ""),
            case.outcome_note,
            "",
            False,
            "",
        ]
    )
    # The agreement the mediation tables get: the last one recorded, and the first payment, if after it.
    names = [row[1] for row in events]
    agreement = None
    if case.amount_agreed and AGREEMENT_EVENT in names:
        agreed = len(names) - 1 - names[::-1].index(AGREEMENT_EVENT)
        paid = next((i for i, name in enumerate(names) if name in PAYMENT_EVENTS), None)
        money = [
            case.amount_agreed,
            case.amount_paid,
            case.mediator.pk if case.mediator is not None else None,
        ]
        category = str(claims[0].category) if claims else None
        agreement = (
            agreed,
            paid if paid is not None and paid > agreed else None,
            "\t".join(_text(v) for v in [*money, category]) + "\n",
        )
    return Archetype(
        target=target,
        industry=str(industry),
        facts_format="".join(fmt),
        facts_dates=dates,
        knowledge_days=knowledge if rng.random() < 0.85 else None,
        ended_days=job.ended_days,
        started_days=job.tenure_days,
        static=static,
        claims=[f"{c.category}\t{_text(c.amount)}" for c in claims],
        events=event_rows,
        total=event_rows[-1][0],
        terminal=case.status in TERMINAL_STATES,
        has_year=any(row[2] for row in event_rows),
        agreement=agreement,
    )


# --- Filing times ---------------------------------------------------------------------------------------------
def daily_counts(rng: random.Random, *, count: int, days: int) -> list[int]:
    """How many cases are filed on each of ``days`` days (oldest first): volume grows over the years, peaks
    before the Spring Festival (wage arrears) and dips on weekends; exactly ``count`` in all."""
    today = timezone.localdate()
    weights = []
    for i in range(days):
        day = today - timedelta(days=days - 1 - i)
        growth = 1 + 0.35 * i / max(days, 1)
        season = 1.5 if day.month in (12, 1) else 0.8 if day.month == 2 else 1.0
        weekend = 0.55 if day.weekday() >= 5 else 1.0
        weights.append(growth * season * weekend * rng.uniform(0.85, 1.15))
    total = sum(weights)
    counts = [int(count * w / total) for w in weights]
    short = count - sum(counts)
    for i in rng.sample(range(days), short) if short <= days else []:
        counts[i] += 1
    counts[-1] += count - sum(counts)
    return counts


# --- The generator -----------------------------------------------------------------------------------------
def event_moment(a: Archetype, i: int, filed: int, scale: float) -> int:
    """When event ``i`` of a case of archetype ``a`` filed at ``filed`` happened, its path squeezed by ``scale`` (as
    the generator's loop computes it inline)."""
    off = a.events[i][0]
    return filed + off if scale == 1 else filed + int(off * scale) + i


def _tracking_code(case_id: int) -> str:
    digits = []
    n = case_id
    base = len(TRACKING_ALPHABET)
    while n:
        n, r = divmod(n, base)
        digits.append(TRACKING_ALPHABET[r])
    raw = TRACKING_PREFIX + "".join(reversed(digits)).rjust(7, TRACKING_ALPHABET[0])
    if len(raw) != 8:
        raise SyntheticError(f"case id {case_id} is too large for a synthetic tracking code")
    return f"{raw[:4]}-{raw[4:]}"


def reserve_case_ids(count: int) -> int:
    """Take ``count`` consecutive ids from the case table's sequence and return the first.

    The table lock (which ordinary inserts also need) keeps any other session from drawing an id between our
    ``nextval`` and ``setval``; afterwards the sequence stands past the range, so normal inserts go on from there."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE disputes_case IN EXCLUSIVE MODE")
        cursor.execute("SELECT pg_get_serial_sequence('disputes_case', 'id')")
        (sequence,) = cursor.fetchone()
        cursor.execute("SELECT nextval(%s)", [sequence])
        (first,) = cursor.fetchone()
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM disputes_case")
        (highest,) = cursor.fetchone()
        first = max(first, highest + 1)
        cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return first


@dataclass
class Batch:
    cases: int = 0
    claims: int = 0
    events: int = 0
    case_buf: list[str] = field(default_factory=list)
    claim_buf: list[str] = field(default_factory=list)
    event_buf: list[str] = field(default_factory=list)
    data: list[bytes] = field(
        default_factory=list
    )  # the three buffers encoded, in TABLES order (see _Writer.put)


@dataclass
class GenerateResult:
    cases: int
    claims: int
    events: int
    workers: int
    employers: int
    first_id: int
    seconds: float
    prepare_seconds: float
    load_seconds: float  # generating and COPY, and in bulk mode rebuilding the indexes
    index_seconds: float = 0.0  # of which rebuilding the indexes and foreign keys (bulk mode)
    index_timings: list[tuple[str, float]] = field(default_factory=list)
    mediation: MediationRows | None = None  # agreements, instalments, payments (after the load, timed apart)

    @property
    def rows(self) -> int:
        return self.cases + self.claims + self.events

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.load_seconds if self.load_seconds else 0.0

    @property
    def cases_per_s(self) -> float:
        return self.cases / self.load_seconds if self.load_seconds else 0.0


TABLES = ("disputes_case", "disputes_claim", "disputes_caseevent")
_APPEND_ONLY_INDEX = re.compile(
    r"ON (?:\w+\.)?(?:disputes_claim|disputes_caseevent) USING btree \(case_id\b"
    r"|ON (?:\w+\.)?disputes_case USING btree \(created_at\)"
)


def _bulk_prepare(cursor, tables: tuple[str, ...] = TABLES) -> list[str]:
    """Lock ``tables`` (the three case tables, and the mediation tables the load also writes), drop their plain
    indexes and foreign keys, and return the statements that put them back exactly (``pg_get_indexdef``/
    ``pg_get_constraintdef``). Primary keys, unique constraints and unique indexes stay: ids and synthetic
    tracking codes only grow, so those indexes are appended to at their right edge, and a partial unique index
    checks a rule (one current agreement per case) as rows arrive; so do the indexes led by ``case_id`` and the
    case's ``created_at``."""
    cursor.execute("SET maintenance_work_mem = '1GB'")
    # Rebuilding an index writes every page of it to the WAL as a full-page image: compressed with lz4 for this
    # transaction, the rebuild alone took ~20% less (200k cases, 2 cores). Only where the role may set it (superuser)
    # and the server was built with lz4; otherwise the server's setting stays.
    cursor.execute(
        "SELECT set_config('wal_compression', 'lz4', true) FROM pg_settings "
        "WHERE name = 'wal_compression' AND 'lz4' = ANY(enumvals) "
        "AND (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)"
    )
    cursor.execute(f"LOCK TABLE {', '.join(tables)} IN ACCESS EXCLUSIVE MODE")
    cursor.execute(
        "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
        "WHERE c.contype = 'f' AND c.conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
        [list(tables)],
    )
    foreign_keys = cursor.fetchall()
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisunique AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
        "WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x')) "
        "ORDER BY 1",
        [list(tables)],
    )
    # Indexes led by the load's own order (a case's id on claims and events, a case's filing time) only ever
    # grow at their right edge: cheaper to maintain during the load than to rebuild, so they stay.
    indexes = [(name, d) for name, d in cursor.fetchall() if not _APPEND_ONLY_INDEX.search(d)]
    for table, name, _definition in foreign_keys:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {name}")
    return [definition for _name, definition in indexes] + [
        f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
        for table, name, definition in foreign_keys
    ]


# --- Agreements, their schedules and payments (the mediation app's tables) -----------------------------------
# Written in PostgreSQL (INSERT … SELECT) from one row per such case that the generator collects as it writes the
# case's events (COPYed into a temporary table: no second pass over the history), so they agree with each case:
# one effective agreement per case whose history records an agreement (total = amount_agreed, signed and in
# force at that event), one item and one instalment for the total, and one payment of amount_paid at the event
# that recorded the payment (fulfilment, or the end of enforcement), never more than the agreement's total.
# The mediation app's models are looked up by name: disputes does not import the apps above it.
AGREEMENT_EVENT = "record_agreement"
PAYMENT_EVENTS = ("record_fulfilment", "close_enforcement")
INSTALMENT_DAYS = 15  # a one-off payment due this many days after the agreement takes effect
SYNTHETIC_PROOF = "payments/synthetic/none.pdf"  # no file behind it: synthetic payments have no real proof


# The rows the generator hands mediation_rows_write, one per case with an agreement (COPY columns, in order):
# when it was recorded (the last time, should a path record one twice), when its payment was (the first time, if
# after that), and the case's employer, amounts, mediator and first claim's category.
AGREEMENT_SOURCE = (
    "case_id bigint, agreed_at timestamptz, paid_at timestamptz, employer_name text, total numeric, "
    "paid numeric, mediator_id bigint, category text"
)


@dataclass
class MediationRows:
    agreements: int = 0
    instalments: int = 0
    payments: int = 0
    seconds: float = 0.0


def _insert_select(cursor, model, expressions: dict[str, str], source: str, params: list) -> int:
    """``INSERT INTO model (...) SELECT ... FROM source``: ``expressions`` for the columns computed from the
    source, each other column its model default (so a column added later needs no change here, unless it is
    required without a default: then this says so)."""
    rest, values = [], []
    for f in model._meta.concrete_fields:
        if f.column in expressions or f.primary_key:
            continue
        default = f.get_default()
        if default is None and not f.null:
            raise SyntheticError(
                f"{model.__name__}.{f.name} is required and has no default: teach disputes.synthetic"
            )
        rest.append(f.column)
        values.append(f.get_db_prep_save(default, connection))
    columns = [*expressions, *rest]
    select = [*expressions.values(), *(["%s"] * len(rest))]
    # Table, columns and expressions are ours; values go as parameters.
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) SELECT {', '.join(select)} FROM {source}"  # noqa: S608  # nosec B608
    )
    cursor.execute(
        sql,
        [*values, *params],  # in statement order: the SELECT list's defaults, then the FROM clause's
    )
    return cursor.rowcount


def mediation_models() -> list[type[models.Model]]:
    """Agreement, AgreementItem, Instalment and Payment, when the mediation app is installed (else none)."""
    from django.apps import apps

    if not apps.is_installed("mediation"):
        return []
    return [
        apps.get_model("mediation", name) for name in ("Agreement", "AgreementItem", "Instalment", "Payment")
    ]


def mediation_rows_write(cursor, *, agreements: list[str], fallback_user_id: int) -> MediationRows:
    """Write the agreements, items, instalments and payments of the synthetic cases (see above) with ``cursor``, in
    its transaction. ``agreements`` holds one COPY text row per case with an agreement, in case order, with the
    columns of :data:`AGREEMENT_SOURCE` (the generator knows them: it wrote the events). Does nothing when the
    mediation app is not installed."""
    found = mediation_models()
    if not found or not agreements:
        return MediationRows()
    Agreement, Item, Instalment, Payment = found
    started = time.monotonic()
    tz = settings.TIME_ZONE
    result = MediationRows()
    cursor.execute("DROP TABLE IF EXISTS synthetic_agreement_source, synthetic_agreement")
    cursor.execute(f"CREATE TEMPORARY TABLE synthetic_agreement_source ({AGREEMENT_SOURCE}) ON COMMIT DROP")
    cursor.copy_expert("COPY synthetic_agreement_source FROM STDIN", io.BytesIO("".join(agreements).encode()))
    # Ids drawn in case order, as the agreements' numbers show them.
    cursor.execute(
        "CREATE TEMPORARY TABLE synthetic_agreement ON COMMIT DROP AS "
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) AS id, s.case_id, s.employer_name, s.total, s.paid, "
        "COALESCE(s.mediator_id, %s) AS mediator_id, s.agreed_at, s.paid_at, s.category "
        "FROM (SELECT * FROM synthetic_agreement_source ORDER BY case_id) s",
        [Agreement._meta.db_table, fallback_user_id],
    )
    local = f"(s.agreed_at AT TIME ZONE '{tz}')::date"
    paid = "LEAST(COALESCE(s.paid, 0), s.total)"
    result.agreements = _insert_select(
        cursor,
        Agreement,
        {
            "id": "s.id",
            "case_id": "s.case_id",
            "number": f"'TJ-' || extract(year FROM s.agreed_at AT TIME ZONE '{tz}')::int || '-' "
            "|| lpad(s.id::text, GREATEST(6, length(s.id::text)), '0')",  # as {pk:06d}: plain lpad would cut
            "status": "'effective'",
            "employer_name": "s.employer_name",
            "employer_contact_name": "'人事专员'",
            "total": "s.total",
            "payment_method": "'bank_transfer'",
            "created_by_id": "s.mediator_id",
            "created_at": "s.agreed_at - interval '2 hours'",
            "submitted_at": "s.agreed_at - interval '1 hour'",
            "worker_signed_at": "s.agreed_at - interval '30 minutes'",
            "employer_signed_at": "s.agreed_at",
            "employer_signatory": "'人事专员'",
            "employer_signature_recorded_by_id": "s.mediator_id",
            "effective_at": "s.agreed_at",
        },
        "synthetic_agreement s",
        [],
    )
    _insert_select(
        cursor,
        Item,
        {
            "agreement_id": "s.id",
            "position": "0",
            "category": "COALESCE(s.category, 'wages')",
            "description": "'协议约定款项'",
            "amount": "s.total",
        },
        "synthetic_agreement s",
        [],
    )
    result.instalments = _insert_select(
        cursor,
        Instalment,
        {
            "agreement_id": "s.id",
            "sequence": "1",
            "due_on": f"{local} + {INSTALMENT_DAYS}",
            "amount": "s.total",
            "paid_amount": paid,
            "status": f"CASE WHEN {paid} >= s.total THEN 'paid' WHEN {paid} > 0 THEN 'partial' ELSE 'pending' END",
            "paid_on": f"CASE WHEN {paid} >= s.total AND s.paid_at IS NOT NULL "
            f"THEN (s.paid_at AT TIME ZONE '{tz}')::date END",
        },
        "synthetic_agreement s",
        [],
    )
    result.payments = _insert_select(
        cursor,
        Payment,
        {
            "agreement_id": "s.id",
            "instalment_id": "i.id",
            "paid_on": f"(s.paid_at AT TIME ZONE '{tz}')::date",
            "amount": paid,
            "method": "'bank_transfer'",
            "note": "'合成数据'",
            "proof": f"'{SYNTHETIC_PROOF}'",
            "proof_content_type": "'application/pdf'",
            "proof_size": "0",
            "proof_sha256": "'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'",
            "proof_name": "'付款凭证（合成数据，无文件）.pdf'",
            "recorded_by_id": "s.mediator_id",
            "created_at": "s.paid_at",
        },
        f"synthetic_agreement s JOIN {Instalment._meta.db_table} i ON i.agreement_id = s.id AND i.sequence = 1 "
        f"WHERE s.paid_at IS NOT NULL AND {paid} > 0",
        [],
    )
    result.seconds = time.monotonic() - started
    return result


_ABORT = Batch()  # tells the writer thread to roll back and stop


class _Writer:
    """COPYs batches into the three tables.

    Outside a transaction it runs in a thread on its own connection, so generating and loading use both cores,
    and commits each batch; with ``bulk`` it instead loads everything in one transaction with the tables'
    plain indexes and foreign keys dropped and rebuilds them before committing (all or nothing; the tables are
    locked meanwhile, so only for a dedicated database). Inside a transaction (a test) it writes in-line on
    Django's connection, so everything stays in that transaction."""

    def __init__(
        self,
        columns: dict[str, list[str]],
        threaded: bool,
        bulk: bool = False,
        after_load: Callable | None = None,
        batch_size: int = BATCH_SIZE,
    ):
        # after_load(cursor): more rows derived from the loaded ones (the agreements), written last in the same
        # transaction as the final batch (bulk: before the indexes are rebuilt); its result is kept here.
        self.after_load = after_load
        self.after_load_result = None
        self.sql = {table: f"COPY {table} ({', '.join(cols)}) FROM STDIN" for table, cols in columns.items()}
        self.threaded = threaded
        self.bulk = bulk and threaded
        self.rebuild: list[str] = []
        self.rebuild_seconds = 0.0
        self.rebuild_timings: list[tuple[str, float]] = []
        self.error: BaseException | None = None
        if threaded:
            # About 100,000 cases waiting at most: slack for when PostgreSQL or the generator is slowed a while.
            self.queue: queue.Queue = queue.Queue(maxsize=max(2, QUEUED_CASES // batch_size))
            self.conn = connection.get_new_connection(connection.get_connection_params())
            self.conn.autocommit = False
            with self.conn.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO off")
                if self.bulk:
                    tables = TABLES + tuple(m._meta.db_table for m in mediation_models())
                    self.rebuild = _bulk_prepare(cursor, tables)
            self.thread = threading.Thread(target=self._run, name="generate-cases-copy", daemon=True)
            self.thread.start()

    @staticmethod
    def _encode(batch: Batch) -> None:
        batch.data = [
            "".join(buf).encode() for buf in (batch.case_buf, batch.claim_buf, batch.event_buf)
        ]  # same order as TABLES
        batch.case_buf, batch.claim_buf, batch.event_buf = [], [], []

    def _copy(self, cursor, batch: Batch) -> None:
        for table, data in zip(TABLES, batch.data, strict=True):
            # Large reads: psycopg2 holds the GIL only between them (it sends each with the GIL released).
            cursor.copy_expert(self.sql[table], io.BytesIO(data), size=COPY_CHUNK)

    def _run(self) -> None:
        ended = False  # the producer sent its last batch (None): nothing more will come to drain
        try:
            while (batch := self.queue.get()) is not None:
                if batch is _ABORT:
                    self.conn.rollback()
                    return
                with self.conn.cursor() as cursor:
                    self._copy(cursor, batch)
                if not self.bulk:
                    self.conn.commit()
            ended = True
            if self.after_load:
                with self.conn.cursor() as cursor:
                    self.after_load_result = self.after_load(cursor)
            started = time.monotonic()
            with self.conn.cursor() as cursor:
                for statement in self.rebuild:
                    begun = time.monotonic()
                    cursor.execute(statement)
                    self.rebuild_timings.append((statement, time.monotonic() - begun))
            self.conn.commit()
            self.rebuild_seconds = time.monotonic() - started
        except BaseException as exc:  # handed to the producer, which raises it
            self.error = exc
            self.conn.rollback()
            while not ended and (item := self.queue.get()) is not None and item is not _ABORT:
                pass  # drain: never block the producer

    def put(self, batch: Batch) -> None:
        # Encoded by the caller (the generating thread): the writer thread's path is then PostgreSQL's COPY alone.
        self._encode(batch)
        if not self.threaded:
            with connection.cursor() as cursor:
                self._copy(cursor.cursor, batch)
            return
        if self.error:
            raise self.error
        self.queue.put(batch)

    def close(self, *, abort: bool = False) -> None:
        """Finish (rebuild and commit in bulk mode), or with ``abort`` roll back what is not committed yet."""
        if not self.threaded:
            if self.after_load and not abort:
                with connection.cursor() as cursor:
                    self.after_load_result = self.after_load(cursor.cursor)
            return
        self.queue.put(_ABORT if abort else None)
        self.thread.join()
        self.conn.close()
        if self.error and not abort:
            raise self.error


def generate_cases(
    *,
    count: int,
    seed: int = 2026,
    years: float = DEFAULT_YEARS,
    workers: int | None = None,
    batch_size: int = BATCH_SIZE,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
    bulk: bool = False,
) -> GenerateResult:
    """Insert ``count`` synthetic cases filed over the last ``years`` years, with their claims and histories.

    ``workers`` is the size of the pool of distinct workers (default: a twentieth of ``count``, between 1,000
    and 50,000): each worker files ``count / workers`` cases on average. Deterministic for a given ``seed``
    (the dates move with ``now``). Called outside a transaction, each batch commits on its own (a failure
    leaves the batches before it), or with ``bulk`` all in one transaction with the indexes rebuilt at the end
    (see :class:`_Writer`: for a dedicated database such as the benchmark's); inside a transaction, all of it
    is part of that transaction."""
    if connection.vendor != "postgresql":
        raise SyntheticError(
            "generate_cases loads with PostgreSQL COPY and needs PostgreSQL (set DATABASE_URL); "
            "for a demo on SQLite use seed_demo."
        )
    if count <= 0:
        raise SyntheticError("count must be positive")
    started = time.monotonic()
    rng = random.Random(seed)  # synthetic benchmark data, deterministic by seed, not a secret  # nosec B311
    now = now or timezone.now()
    now_s = int(now.timestamp())
    tz = ZoneInfo(settings.TIME_ZONE)
    clock = _Clock(tz)
    d = directory_ensure()

    n_workers = workers or min(MAX_WORKERS, max(1_000, count // 20))
    n_workers = max(1, min(n_workers, count * 2))
    employers = employers_build(rng, max(40, min(20_000, count // 50)))
    pool = workers_build(rng, n_workers, employers)

    # Archetypes per target state, and per age bucket the cumulative weights over (target, archetype).
    per_target = min(400, max(24, count // 200))
    targets = sorted({t for _, mix in AGE_MIX for t in mix})
    archetypes: dict[str, list[Archetype]] = {
        t: [archetype_build(rng, i, t, d) for i in range(per_target)] for t in targets
    }
    bucket_bounds = [bound for bound, _ in AGE_MIX]
    buckets = []
    for _, mix in AGE_MIX:
        states = list(mix)
        buckets.append((states, list(accumulate(mix[s] for s in states))))

    days = max(1, int(years * 365))
    counts = daily_counts(rng, count=count, days=days)
    first_id = reserve_case_ids(count)
    case_cols, case_tail = _columns(Case, CASE_VARYING + CASE_STATIC)
    claim_cols, claim_tail = _columns(Claim, CLAIM_COLUMNS)
    event_cols, event_tail = _columns(CaseEvent, EVENT_COLUMNS)
    for group in archetypes.values():  # each row's constant tail, ready to append after the varying fields
        for a in group:
            a.static = f"{a.static}{case_tail}\n"
            a.claims = [f"\t{claim}{claim_tail}\n" for claim in a.claims]
            a.events = [(off, f"\t{fields}", has_year, link) for off, fields, has_year, link in a.events]
    event_end = f"{event_tail}\n"
    prepared = time.monotonic()

    fallback = d.users.get("mediator_gov") or next(iter(d.users.values()))
    writer = _Writer(
        {"disputes_case": case_cols, "disputes_claim": claim_cols, "disputes_caseevent": event_cols},
        threaded=not connection.in_atomic_block,
        bulk=bulk,
        batch_size=batch_size,
        after_load=lambda cursor: mediation_rows_write(
            cursor, agreements=agreements, fallback_user_id=fallback.pk
        ),
    )
    employer_cums = {i: _zipf_cum(len(employers[i])) for i in employers}
    local_midnight = datetime.combine(timezone.localdate(now), datetime.min.time(), tzinfo=tz)
    start_day = local_midnight - timedelta(days=days - 1)
    random_ = rng.random
    ts, iso, cn_date, cn_month = clock.ts, clock.iso, clock.cn_date, clock.cn_month
    day_text, day_of, hms = clock.days.get, clock.day, clock.hms
    agreements: list[
        str
    ] = []  # see mediation_rows_write; appended here, read by the writer after the last batch
    totals = Batch()
    batch = Batch()
    case_append, claim_append, event_append = (
        batch.case_buf.append,
        batch.claim_buf.append,
        batch.event_buf.append,
    )
    case_id = first_id
    try:
        for day_index, n in enumerate(counts):
            if not n:
                continue
            day_start = int((start_day + timedelta(days=day_index)).timestamp())
            day_ordinal = (start_day + timedelta(days=day_index)).date().toordinal()
            # Filed between 07:30 and 22:30 local time (today: up to now), in order, so ids follow filing time
            # as on a live system.
            high = min(day_start + 81_000, now_s - 120)
            low = min(day_start + 27_000, high - 3_600)
            moments = sorted(low + int(random_() * (high - low)) for _ in range(n))
            for t in moments:
                age_days = (now_s - t) / 86400
                states, cum = buckets[bisect_right(bucket_bounds, age_days)]
                target = states[bisect_right(cum, random_() * cum[-1])]
                choices = archetypes[target]
                a = choices[int(random_() * len(choices))]
                workers_ = pool[a.industry]
                w = workers_[int(random_() * len(workers_))]
                emps = employers[a.industry]
                if random_() < 0.7:
                    e = emps[w.employer]
                else:
                    cum_e = employer_cums[a.industry]
                    e = emps[min(bisect_right(cum_e, random_() * cum_e[-1]), len(emps) - 1)]
                names = e.names
                ename = (
                    names[0]
                    if len(names) == 1 or random_() < 0.8
                    else names[1 + int(random_() * (len(names) - 1))]
                )
                year = str(datetime.fromtimestamp(t, tz=tz).year) if a.has_year else ""
                dates = [
                    cn_month(day_ordinal - back) if is_month else cn_date(day_ordinal - back)
                    for is_month, back in a.facts_dates
                ]
                facts = a.facts_format.format(w.name, ename, *dates)
                knowledge = iso(day_ordinal - a.knowledge_days) if a.knowledge_days else NULL
                ended = iso(day_ordinal - a.ended_days) if a.ended_days else NULL
                credit = e.credit_code if random_() < 0.7 else ""
                cid = str(case_id)
                # Steps squeezed to fit before now (the planner's gaps assume enough time has passed).
                room = now_s - t - 60
                scale = 1 if a.total <= room else room / a.total
                prev = GENESIS
                for i, (off, row, has_year, link) in enumerate(a.events):
                    moment = t + off if scale == 1 else t + int(off * scale) + i
                    day, sec = divmod(moment, 86400)
                    on, at = day_text(day) or day_of(day), hms[sec]
                    # the time as the row writes it, and as the chain hashes it (history_chain._time)
                    content, digest = link.link(prev, cid, f"{on}T{at}.000000+00:00", year)
                    event_append(
                        f"{cid}\t{on} {at}+00{row.replace('{year}', year) if has_year else row}"
                        f"\t{content}\t{prev}\t{digest}{event_end}"
                    )
                    prev = digest
                last = f"{on} {at}+00"
                if a.agreement is not None:
                    agreed, paid, tail = a.agreement
                    agreed_at, paid_at = (
                        NULL if i is None else ts(event_moment(a, i, t, scale)) for i in (agreed, paid)
                    )
                    agreements.append(f"{cid}\t{agreed_at}\t{paid_at}\t{ename}\t{tail}")
                for row in a.claims:
                    claim_append(cid + row)
                case_append(
                    f"{cid}\t{_tracking_code(case_id)}\t{NO_PIN}\t{ts(t)}\t{last}\t{last if a.terminal else NULL}\t"
                    f"{knowledge}\t{ended}\t{iso(day_ordinal - a.started_days)}\t{w.text}\t{ename}\t{credit}\t"
                    f"{e.key}\t{facts}\t{a.static}"
                )
                batch.cases += 1
                batch.claims += len(a.claims)
                batch.events += len(a.events)
                case_id += 1
                if batch.cases >= batch_size:
                    writer.put(batch)
                    totals.cases += batch.cases
                    totals.claims += batch.claims
                    totals.events += batch.events
                    if progress:
                        progress(totals.cases, count)
                    batch = Batch()
                    case_append, claim_append = batch.case_buf.append, batch.claim_buf.append
                    event_append = batch.event_buf.append
        if batch.cases:
            writer.put(batch)
            totals.cases += batch.cases
            totals.claims += batch.claims
            totals.events += batch.events
            if progress:
                progress(totals.cases, count)
    except BaseException:
        writer.close(abort=True)
        raise
    writer.close()
    finished = time.monotonic()
    return GenerateResult(
        cases=totals.cases,
        claims=totals.claims,
        events=totals.events,
        workers=sum(len(v) for v in pool.values()),
        employers=sum(len(v) for v in employers.values()),
        first_id=first_id,
        seconds=finished - started,
        prepare_seconds=prepared - started,
        load_seconds=finished - prepared,
        index_seconds=writer.rebuild_seconds,
        index_timings=writer.rebuild_timings,
        mediation=writer.after_load_result,
    )
