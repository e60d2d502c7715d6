"""The benchmark's measurements. Each figure function takes a :class:`Context` and returns a dict that goes into
``bench/report.json`` under ``figures`` (times in milliseconds, median and p95 of one run), optionally with a
``plan`` (EXPLAIN (ANALYZE, BUFFERS) text) and ``notes`` for ``bench/report.md``.

Nothing here writes for good: whatever a measurement creates (a case to triage) is created inside a transaction
that is rolled back. A figure that cannot be measured yet (the code it times is not built) is left out of the
report with the reason, never invented.
"""

from __future__ import annotations

import importlib
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

ITERATIONS = 200
WARMUP = 5


class Skip(Exception):
    """The figure cannot be measured on this code base (yet); the message says why."""


@dataclass
class Context:
    cases: int
    seed: int = 2026
    iterations: int = ITERATIONS
    rng: random.Random = field(init=False)

    def __post_init__(self):
        self.rng = random.Random(self.seed)


# --- Helpers -----------------------------------------------------------------------------------------------
def summarize(samples_s: list[float]) -> dict:
    """Median, p95 and max in milliseconds, and how many samples."""
    ms = sorted(s * 1000 for s in samples_s)
    p95 = ms[min(len(ms) - 1, max(0, round(0.95 * len(ms)) - 1))]
    return {
        "median_ms": round(statistics.median(ms), 3),
        "p95_ms": round(p95, 3),
        "max_ms": round(ms[-1], 3),
        "samples": len(ms),
    }


def timed(calls: list[Callable[[], object]], *, warmup: int = WARMUP) -> list[float]:
    """Run each call once (after ``warmup`` untimed runs of the first few) and return the durations."""
    for call in calls[:warmup]:
        call()
    samples = []
    for call in calls:
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def captured_sql(call: Callable[[], object], *, table: str = "disputes_case") -> list[str]:
    """The SQL statements ``call`` runs that read ``table`` (as sent, parameters interpolated)."""
    with CaptureQueriesContext(connection) as ctx:
        call()
    return [
        q["sql"] for q in ctx.captured_queries if f'"{table}"' in q["sql"] and q["sql"].startswith("SELECT")
    ]


def seq_scans(plan: str, table: str = "disputes_case") -> bool:
    return f"Seq Scan on {table}" in plan


def sample_case_ids(ctx: Context, n: int) -> list[int]:
    """``n`` random existing case ids (uniform over the id range, retried past gaps)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(id), MAX(id) FROM disputes_case")
        low, high = cursor.fetchone()
    if low is None:
        raise Skip("no cases")
    from disputes.models import Case

    ids: set[int] = set()
    for _attempt in range(20):
        wanted = [ctx.rng.randint(low, high) for _ in range(n * 2)]
        ids.update(Case.objects.filter(pk__in=wanted).values_list("pk", flat=True))
        if len(ids) >= n:
            break
    return sorted(ids)[:n] if len(ids) <= n else ctx.rng.sample(sorted(ids), n)


# --- (b) related cases: the probable-duplicate check at intake ----------------------------------------------
def related_cases(ctx: Context) -> dict:
    """``intake_probable_duplicate`` for existing workers and employers (ID number decrypted from a random case,
    the employer as that case names it, with its credit code when recorded): the check intake runs while the
    worker fills in the form. Must use the indexes on worker_id_hash / employer_key, not scan the table."""
    from disputes.intake.services import intake_probable_duplicate
    from disputes.models import Case

    ids = sample_case_ids(ctx, ctx.iterations)
    probes = [
        (c.worker_id_number, c.employer_name, c.employer_credit_code)
        for c in Case.objects.filter(pk__in=ids).only(
            "worker_id_number", "employer_name", "employer_credit_code"
        )
    ]

    def probe(args):
        return lambda: intake_probable_duplicate(
            id_number=args[0], employer_name=args[1], credit_code=args[2]
        )

    samples = timed([probe(p) for p in probes])
    found = sum(1 for p in probes if probe(p)() is not None)
    with_code = next((p for p in probes if p[2]), probes[0])
    sqls = captured_sql(probe(with_code))
    plan = explain(sqls[-1]) if sqls else ""
    result = {
        **summarize(samples),
        "function": "disputes.intake.services.intake_probable_duplicate",
        "found_duplicate": found,
        "plan": plan,
        "seq_scan": seq_scans(plan),
    }
    detect = _related_candidates(ctx, ids)
    if detect:
        result["related_candidates"] = detect
    return result


def _related_candidates(ctx: Context, ids: list[int]) -> dict | None:
    """The staff-side detection (``disputes.related.related_candidates``) where it exists: same figures."""
    try:
        related = importlib.import_module("disputes.related")
    except ImportError:
        return None
    candidates = getattr(related, "related_candidates", None)
    if candidates is None:
        return None
    from disputes.models import Case

    cases = list(Case.objects.filter(pk__in=ids).defer("facts"))
    samples = timed([lambda c=c: list(candidates(case=c)[:20]) for c in cases])
    sqls = captured_sql(lambda: list(candidates(case=cases[0])[:20]))
    plan = explain(sqls[-1]) if sqls else ""
    return {
        **summarize(samples),
        "function": "disputes.related.related_candidates",
        "plan": plan,
        "seq_scan": seq_scans(plan),
    }


# --- (c) triage of one case ------------------------------------------------------------------------------------
TRIAGE_FUNCTIONS = ["case_triage_auto", "case_triage", "triage_case", "case_route"]


def _demo_rules() -> tuple[int, bool]:
    """When the database has no active routing rule, the demo city's routing as rules (one per industry station,
    then the government station as the fallback), so triage has something to match; the caller rolls them back.
    Returns how many rules are active and whether they are the ones added here."""
    try:
        from disputes.models import RoutingRule
    except ImportError:
        return 0, False
    from disputes import demo
    from organizations.models import Organization

    active = RoutingRule.objects.filter(is_active=True).count()
    if active:
        return active, False
    orgs = {o.code: o for o in Organization.objects.filter(code__in=demo.ORG_BY_CODE)}
    return demo.routing_rules_ensure(orgs), True


def triage(ctx: Context) -> dict:
    """Triage one freshly filed case: ``disputes.triage``'s routing service when it exists (rules as data),
    else the plain transition ``case_transition(name="triage")`` to the station the demo would choose. Each
    case is filed (untimed) and triaged (timed) inside a transaction that is then rolled back; so are the demo
    routing rules added when the database has none."""
    with transaction.atomic():
        rules, added = _demo_rules()
        result = _triage(ctx)
        result["active_rules"] = rules
        result["rules_added_by_bench"] = added
        transaction.set_rollback(True)
    return result


def _triage(ctx: Context) -> dict:
    from disputes.models import Case
    from disputes.permissions import SYSTEM, WORKER
    from disputes.services import ClaimInput, case_create, case_transition
    from organizations.models import Organization

    try:
        module = importlib.import_module("disputes.triage")
    except ImportError:
        module = None
    name = next((n for n in TRIAGE_FUNCTIONS if module is not None and hasattr(module, n)), None)
    ids = sample_case_ids(ctx, ctx.iterations)
    templates = list(
        Case.objects.filter(pk__in=ids).only(
            "worker_name",
            "worker_id_number",
            "worker_phone",
            "employer_name",
            "employer_credit_code",
            "industry",
        )
    )
    stations = {o.industry: o for o in Organization.objects.filter(accepts_claims=True, parent=None)}
    fallback = Organization.objects.filter(accepts_claims=True, parent=None).order_by("pk").first()
    if name is None and fallback is None:
        raise Skip("no station to triage to")

    def run(template) -> tuple[float, str]:
        with transaction.atomic():
            case, _pin = case_create(
                actor=WORKER,
                worker_name=template.worker_name,
                worker_id_number=template.worker_id_number,
                worker_phone=template.worker_phone,
                employer_name=template.employer_name,
                employer_credit_code=template.employer_credit_code,
                industry=template.industry,
                claims=[ClaimInput(category="wages", amount=None)],
                facts="基准测试：拖欠工资。",
                announce=False,
            )
            started = time.perf_counter()
            if name:
                getattr(module, name)(case_id=case.pk)
            else:
                station = stations.get(template.industry) or fallback
                case_transition(case_id=case.pk, name="triage", actor=SYSTEM, payload={"station": station})
            elapsed = time.perf_counter() - started
            status = Case.objects.filter(pk=case.pk).values_list("status", flat=True).get()
            transaction.set_rollback(True)
        return elapsed, status

    for template in templates[:WARMUP]:
        run(template)
    results = [run(t) for t in templates]
    statuses: dict[str, int] = {}
    for _elapsed, status in results:
        statuses[status] = statuses.get(status, 0) + 1
    measured = f"disputes.triage.{name}" if name else 'disputes.services.case_transition(name="triage")'
    queries = _triage_queries(templates[0], module, name, stations, fallback)
    return {
        **summarize([e for e, _ in results]),
        "function": measured,
        "outcome": statuses,
        "queries": queries,
    }


def _triage_queries(template, module, name, stations, fallback) -> int:
    from disputes.permissions import SYSTEM, WORKER
    from disputes.services import ClaimInput, case_create, case_transition

    with transaction.atomic():
        case, _pin = case_create(
            actor=WORKER,
            worker_name=template.worker_name,
            worker_id_number=template.worker_id_number,
            worker_phone=template.worker_phone,
            employer_name=template.employer_name,
            industry=template.industry,
            claims=[ClaimInput(category="wages", amount=None)],
            facts="基准测试：拖欠工资。",
            announce=False,
        )
        with CaptureQueriesContext(connection) as ctx:
            if name:
                getattr(module, name)(case_id=case.pk)
            else:
                station = stations.get(template.industry) or fallback
                case_transition(case_id=case.pk, name="triage", actor=SYSTEM, payload={"station": station})
        transaction.set_rollback(True)
    return len(ctx.captured_queries)


# --- (d) the staff case list ------------------------------------------------------------------------------------
PAGE = 25


def _case_list(ctx: Context, username: str) -> dict:
    """The first page (25, newest first) of ``case_list_visible_to`` for one staff member, without a count:
    the scope is computed afresh each time, as on every request."""
    from disputes.selectors import case_list_visible_to

    User = get_user_model()
    try:
        user = User.objects.get(username=username)
    except User.DoesNotExist:
        raise Skip(f"no user {username}") from None

    def page():
        fresh = User.objects.get(pk=user.pk)  # the per-request user: its scope is not cached yet
        return lambda: list(case_list_visible_to(user=fresh).order_by("-created_at")[:PAGE])

    samples = timed([page() for _ in range(ctx.iterations)])
    sqls = captured_sql(page())
    plan = explain(sqls[-1]) if sqls else ""
    return {
        **summarize(samples),
        "user": username,
        "page_size": PAGE,
        "plan": plan,
        "seq_scan": seq_scans(plan),
    }


def staff_case_list_mediator(ctx: Context) -> dict:
    return _case_list(ctx, "mediator_express")


def staff_case_list_official(ctx: Context) -> dict:
    return _case_list(ctx, "official_hrb")


# In report order: name → function. Other figures (stats, admin lists, intake, handoffs) are added here.
FIGURES: dict[str, Callable[[Context], dict]] = {
    "related_cases": related_cases,
    "triage": triage,
    "staff_case_list_mediator": staff_case_list_mediator,
    "staff_case_list_official": staff_case_list_official,
}

# The statistics for officials (stats/): bench/stats_figures.py.
from bench import stats_figures  # noqa: E402

FIGURES.update(stats_figures.FIGURES)

# The admin case lists against a stock ModelAdmin: bench/admin_lists.py.
from bench import admin_lists  # noqa: E402

FIGURES.update(admin_lists.FIGURES)
