"""Counters behind the dashboard, kept in step with every write in the same transaction (ADR 0075).

Each finding, CAPA, action and effectiveness check *contributes* to a few counters (a finding that is not
a duplicate or rejected counts for its grade and its audit, and for its clause and process when it is a
repeat; a CAPA not closed for its stage; an open action for its due date; a decided check for its result).
The session's unit of work says what every flush inserted, changed and deleted, with the values before
and after; the difference of the contributions is added up per transaction and written just before it
commits, in one sorted upsert, so the counter rows are the last locks a transaction takes (no deadlock
with the rows it wrote) and a rollback drops them with everything else.

Writes that bypass the unit of work (bulk `insert()`/`update()` statements on these tables) are not
seen: the only one in the store changes a finding's site, which no counter uses. A store filled by bulk
statements (the benchmark, a restore) calls `rebuild`; `auditapp admin rebuild-metrics` does the same.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from sqlalchemy import String, delete, event, func, insert, inspect, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from auditapp.central import locks
from auditapp.central.capa_tables import CapaActionRow, CapaRow, EffectivenessCheckRow
from auditapp.central.tables import Audit, Base, Finding

NOT_COUNTED = ("duplicate", "rejected")
"""Finding statuses that are not findings any more (triaged away)."""
OPEN_ACTION_STATUSES = ("planned", "in_progress")
DECIDED = ("passed", "failed")

GRADE = "grade"
AUDIT = "audit"
REPEAT_CLAUSE = "repeat_clause"
REPEAT_PROCESS = "repeat_process"
CAPA_STAGE = "capa_stage"
ACTION_DUE = "action_due"
EFFECTIVENESS = "effectiveness"
AUDITS_WITH_FINDINGS = "audits_with_findings"
"""One row (key ""): audits in the audits table with at least one counted finding."""

Key = tuple[str, str]
_PENDING = "metric_counts.pending"
_CHUNK = 500


class MetricCount(Base):
    """One counter: how many rows contribute to (kind, key) right now."""

    __tablename__ = "metric_counts"

    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    n: Mapped[int] = mapped_column(default=0)


# ---------------------------------------------------------------------- what each row counts for
def finding_keys(status: Any, grade: Any, audit_id: Any, repeat: Any, clause: Any, process: Any) -> list[Key]:
    """The counters one finding adds 1 to."""
    if status is None or status in NOT_COUNTED:
        return []
    keys = [(GRADE, str(grade or "")), (AUDIT, str(audit_id))]
    if repeat:
        keys += [(REPEAT_CLAUSE, str(clause or "")), (REPEAT_PROCESS, str(process or ""))]
    return keys


def capa_keys(stage: Any) -> list[Key]:
    """A CAPA counts for its stage until it is closed."""
    return [] if stage is None or stage == "closed" else [(CAPA_STAGE, str(stage))]


def due_key(due: date | str) -> str:
    """The counter key of a due date: ISO text, which sorts as the dates do."""
    return due.isoformat() if isinstance(due, date) else str(due)[:10]


def action_keys(status: Any, due_date: Any) -> list[Key]:
    """An action not done (or cancelled) counts for its due date, if it has one."""
    if status not in OPEN_ACTION_STATUSES or due_date is None:
        return []
    return [(ACTION_DUE, due_key(due_date))]


def check_keys(result: Any) -> list[Key]:
    """A decided effectiveness check counts for its result (every round)."""
    return [(EFFECTIVENESS, str(result))] if result in DECIDED else []


_RULES: dict[type[Any], tuple[tuple[str, ...], Any]] = {
    Finding: (("status", "grade", "audit_id", "repeat", "clause", "process"), finding_keys),
    CapaRow: (("stage",), capa_keys),
    CapaActionRow: (("status", "due_date"), action_keys),
    EffectivenessCheckRow: (("result",), check_keys),
}


# ---------------------------------------------------------------------- watching the unit of work
def _before_and_after(obj: Any, names: tuple[str, ...], new: bool) -> tuple[list[Any] | None, list[Any]]:
    state = inspect(obj)
    before: list[Any] = []
    changed = new
    for name in names:
        history = state.attrs[name].history
        if history.deleted:
            before.append(history.deleted[0])
            changed = True
        elif history.unchanged:
            before.append(history.unchanged[0])
        else:
            before.append(getattr(obj, name))
    after = [getattr(obj, name) for name in names]
    if new:
        return None, after
    return (before, after) if changed else (after, after)


def _pending(session: Session) -> tuple[Counter[Key], set[str]]:
    if _PENDING not in session.info:
        session.info[_PENDING] = (Counter(), set())
    pending: tuple[Counter[Key], set[str]] = session.info[_PENDING]
    return pending


def _after_flush(session: Session, _context: Any) -> None:
    """Add what this flush changed to the transaction's pending deltas (values are as written)."""
    deltas, audits = _pending(session)
    for objects, sign in ((session.new, 0), (session.dirty, 1), (session.deleted, -1)):
        for obj in objects:
            if isinstance(obj, Audit):
                if sign != 1:  # an audit that appears (or goes) may change audits_with_findings
                    audits.add(obj.id)
                continue
            rule = _RULES.get(type(obj))
            if rule is None:
                continue
            names, keys_of = rule
            before, after = _before_and_after(obj, names, new=sign == 0)
            for key in keys_of(*before) if before is not None else ():
                deltas[key] -= 1
            for key in keys_of(*after) if sign != -1 else ():
                deltas[key] += 1
    for key in [k for k, v in deltas.items() if v == 0]:
        del deltas[key]


def _before_commit(session: Session) -> None:
    session.flush()
    deltas, audits = session.info.pop(_PENDING, (Counter(), set()))
    if deltas or audits:
        apply(session, deltas, audits)


def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(_PENDING, None)


_INSTRUMENTED: list[bool] = []


def track(sessions: sessionmaker[Session]) -> None:
    """Keep the counters in step with every transaction of sessions made by this factory."""
    if not _INSTRUMENTED:
        # Load the old value on every change of a counted column, even of an expired row.
        for cls, (names, _keys) in _RULES.items():
            for name in names:
                event.listen(getattr(cls, name), "set", _noop, active_history=True)
        _INSTRUMENTED.append(True)
    event.listen(sessions, "after_flush", _after_flush)
    event.listen(sessions, "before_commit", _before_commit)
    event.listen(sessions, "after_rollback", _forget)


def _noop(_target: Any, value: Any, _old: Any, _initiator: Any) -> Any:
    return value


# ---------------------------------------------------------------------- writing the counters
def _upsert(session: Session) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def _add(session: Session, rows: list[dict[str, Any]]) -> dict[Key, int]:
    """Add each row's n to its counter (created at 0 when new); returns the counters' new values."""
    out: dict[Key, int] = {}
    for start in range(0, len(rows), _CHUNK):
        statement = _upsert(session)(MetricCount).values(rows[start : start + _CHUNK])
        statement = statement.on_conflict_do_update(
            index_elements=["kind", "key"], set_={"n": MetricCount.n + statement.excluded.n}
        ).returning(MetricCount.kind, MetricCount.key, MetricCount.n)
        out.update({(kind, key): int(n) for kind, key, n in session.execute(statement)})
    return out


def apply(session: Session, deltas: Counter[Key], audits: set[str]) -> None:
    """Write one transaction's deltas; `audits` were inserted or deleted by it.

    Keys are written in sorted order and the audits-with-findings row last, so two transactions always
    lock counter rows in the same order. The audits whose own count was touched are locked by the upsert
    before their existence is read, so a concurrent plan and finding of one audit are counted once.
    """
    examined = sorted({key for kind, key in deltas if kind == AUDIT} | audits)
    for audit_id in examined:
        deltas.setdefault((AUDIT, audit_id), 0)
    rows = [{"kind": kind, "key": key, "n": n} for (kind, key), n in sorted(deltas.items())]
    after = _add(session, rows)
    if not examined:
        return
    exists = set(session.scalars(select(Audit.id).where(Audit.id.in_(examined))))
    change = 0
    for audit_id in examined:
        n_after = after[(AUDIT, audit_id)]
        n_before = n_after - deltas[(AUDIT, audit_id)]
        existed = (audit_id in exists) != (audit_id in audits)  # inserted or deleted by this transaction
        change += int(audit_id in exists and n_after > 0) - int(existed and n_before > 0)
    if change:
        _add(session, [{"kind": AUDITS_WITH_FINDINGS, "key": "", "n": change}])


# ---------------------------------------------------------------------- rebuilding from the tables
def _counted() -> Any:
    return Finding.status.not_in(NOT_COUNTED)


def live_counts(session: Session) -> Iterator[tuple[str, str, int]]:
    """Every counter as the tables say it should be, by GROUP BY (what `rebuild` writes)."""
    groups: Iterable[tuple[str, Any, Any]] = (
        (GRADE, Finding.grade, _counted()),
        (AUDIT, Finding.audit_id, _counted()),
        (REPEAT_CLAUSE, Finding.clause, _counted() & (Finding.repeat == True)),  # noqa: E712
        (REPEAT_PROCESS, Finding.process, _counted() & (Finding.repeat == True)),  # noqa: E712
    )
    for kind, column, where in groups:
        for key, n in session.execute(select(column, func.count()).where(where).group_by(column)):
            yield kind, str(key or ""), int(n)
    open_capa = CapaRow.stage != "closed"
    for key, n in session.execute(
        select(CapaRow.stage, func.count()).where(open_capa).group_by(CapaRow.stage)
    ):
        yield CAPA_STAGE, str(key), int(n)
    open_action = CapaActionRow.status.in_(OPEN_ACTION_STATUSES) & CapaActionRow.due_date.is_not(None)
    dues = select(CapaActionRow.due_date, func.count()).where(open_action).group_by(CapaActionRow.due_date)
    for due, n in session.execute(dues):
        yield ACTION_DUE, due_key(due or ""), int(n)
    decided = EffectivenessCheckRow.result.in_(DECIDED)
    query = (
        select(EffectivenessCheckRow.result, func.count())
        .where(decided)
        .group_by(EffectivenessCheckRow.result)
    )
    for key, n in session.execute(query):
        yield EFFECTIVENESS, str(key), int(n)
    has = select(literal(1)).where(Finding.audit_id == Audit.id, _counted()).exists()
    yield (
        AUDITS_WITH_FINDINGS,
        "",
        int(session.scalar(select(func.count()).select_from(Audit).where(has)) or 0),
    )


def stored_counts(session: Session) -> dict[Key, int]:
    """Every counter as stored, zeros left out."""
    rows = session.execute(select(MetricCount.kind, MetricCount.key, MetricCount.n).where(MetricCount.n != 0))
    return {(kind, key): int(n) for kind, key, n in rows}


def rebuild(session: Session) -> int:
    """Recount every counter from the tables; returns how many stored counters were wrong or missing.

    The counter table is emptied first, which takes its write lock (SQLite: the database's; PostgreSQL:
    an exclusive table lock), so no transaction can add a delta between the recount and the commit.
    """
    locks.write_lock(session, "LOCK TABLE metric_counts IN EXCLUSIVE MODE")
    before = stored_counts(session)
    session.execute(delete(MetricCount))
    fresh = {(kind, key): n for kind, key, n in live_counts(session) if n}
    rows = [{"kind": kind, "key": key, "n": n} for (kind, key), n in sorted(fresh.items())]
    for start in range(0, len(rows), _CHUNK):
        session.execute(insert(MetricCount), rows[start : start + _CHUNK])
    return sum(1 for key in before.keys() | fresh.keys() if before.get(key) != fresh.get(key))
