"""The two places where the apps above ``disputes`` plug into a case, without ``disputes`` importing them.

``disputes`` never imports ``referrals``, ``mediation`` or ``arbitration`` (STYLE.md), yet a case change must
write their rows in its own transaction (a handoff to arbitration is an outbox row written with the transition),
and the worker's tracking page must show what they offer (sign an agreement, ask for legal aid). Each upper app
registers its callables once, in its ``AppConfig.ready``; nothing else registers anything.

- **Case effects** run inside :func:`disputes.services.case_transition`, :func:`~disputes.services.case_create`
  and :func:`~disputes.services.case_event_record`, after the history row is written and before the transaction
  commits: an effect that raises rolls the whole change back. An effect writes rows only; anything that talks to
  the outside world is published after commit (``config.celery.enqueue_on_commit``).
- **Recorded events** are history rows that upper apps write through
  :func:`disputes.services.case_event_record` without changing the state (a handoff accepted, an agreement
  signed): each has a staff label and, unless it is for staff only, the sentence the worker reads.
- **Staff desks** are the pages of upper apps where a case's desk transitions are done (the mediation desk, the
  commission's and the court's queues): a callable gets the case and the user and returns the links to show on
  the staff case page, each a ``(label, url)`` pair.
- **Worker panels** add a section to the worker's tracking page (``/track/``): a callable gets the opened case and
  returns ``None`` (nothing to show) or a :class:`WorkerPanel` with a template and its context.

Unlike Django signals, the registries are explicit lists read in one place each, and the order of registration
(the order of ``INSTALLED_APPS``) is the order of execution.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

CaseEffect = Callable[..., None]  # effect(*, case, event) -> None


@dataclass(frozen=True)
class WorkerPanel:
    template: str
    context: dict = field(default_factory=dict)
    order: int = 100  # lower first; the core sections of the page come before all panels


WorkerPanelFactory = Callable[..., "WorkerPanel | None"]  # panel(*, case) -> WorkerPanel | None


@dataclass(frozen=True)
class RecordedEvent:
    name: str
    label: str  # staff-facing, lazy translation
    worker_sentence: Callable[..., str] | None = None  # sentence(event) -> str; None: hidden from the worker


StaffDesk = Callable[..., "list[tuple[str, str]]"]  # desk(*, case, user) -> [(label, url), ...]

_case_effects: list[CaseEffect] = []
_staff_desks: list[StaffDesk] = []
_recorded_events: dict[str, RecordedEvent] = {}
_worker_panels: list[WorkerPanelFactory] = []
BatchFlush = Callable[..., None]  # flush(*, state: dict) -> None
_batch_flushes: list[BatchFlush] = []
_batch: ContextVar[dict | None] = ContextVar("case_effects_batch", default=None)


def register_case_effect(effect: CaseEffect) -> None:
    if effect not in _case_effects:
        _case_effects.append(effect)


def register_worker_panel(panel: WorkerPanelFactory) -> None:
    if panel not in _worker_panels:
        _worker_panels.append(panel)


def register_staff_desk(desk: StaffDesk) -> None:
    if desk not in _staff_desks:
        _staff_desks.append(desk)


def staff_desks_for(*, case, user) -> list[tuple[str, str]]:
    return [link for desk in _staff_desks for link in desk(case=case, user=user)]


def register_recorded_event(event: RecordedEvent) -> None:
    _recorded_events[event.name] = event


def recorded_events() -> dict[str, RecordedEvent]:
    return dict(_recorded_events)


def run_case_effects(*, case, event) -> None:
    """Called by the services of :mod:`disputes.services` inside their transaction, once per history row."""
    for effect in _case_effects:
        effect(case=case, event=event)


def register_batch_flush(flush: BatchFlush) -> None:
    if flush not in _batch_flushes:
        _batch_flushes.append(flush)


def case_effects_batch_state() -> dict | None:
    """Inside :func:`case_effects_batched`, the block's scratch dict (each app under its own key), for an effect
    that puts its work off to the end of the block; ``None`` outside, where every effect works at once."""
    return _batch.get()


@contextmanager
def case_effects_batched() -> Iterator[None]:
    """A block of several case changes inside one transaction (a filing: the new cases, then their triage). An
    effect whose work depends only on the cases as they end up (the statistics) may note the case in
    :func:`case_effects_batch_state` and do the work once per case when the block ends: every registered flush
    then runs, still inside the caller's transaction, so what commits is the same. Enter it only inside a
    transaction; when the block raises, no flush runs (the transaction rolls back). Nested blocks join the outer
    one."""
    if _batch.get() is not None:
        yield
        return
    state: dict = {}
    token = _batch.set(state)
    try:
        yield
    finally:
        _batch.reset(token)
    for flush in _batch_flushes:
        flush(state=state)


def worker_panels_for(*, case) -> list[WorkerPanel]:
    panels = [panel for factory in _worker_panels if (panel := factory(case=case)) is not None]
    return sorted(panels, key=lambda panel: panel.order)
