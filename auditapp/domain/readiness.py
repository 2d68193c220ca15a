"""Certification readiness: do the records show the quality system runs, not just that it is written down?

Pure rules over projected audits and CAPA facts (ADR 0093). Four questions, each answered from records:
- each key process has run in the last 12 months (a real record, or a dry run flagged as simulated where
  a process may not have been triggered yet);
- the audit programme covered every clause in the cycle (a clause x month grid);
- CAPAs were opened and closed, with effectiveness verified;
- no implementation gap: where the paper conforms, practice conforms too and is shown.
The verdict is ready for Stage 2, ready for Stage 1, or not ready, with the reasons that decided it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from auditapp.domain.errors import ValidationError
from auditapp.domain.evidence import DocumentReviewed, Interview, Note, PhotoRef, SampledRecord
from auditapp.domain.places import same_name
from auditapp.domain.plan import AuditType
from auditapp.domain.practice import ClausePractice, clause_key, paper_vs_practice, under
from auditapp.domain.readiness_capas import CapaFacts as CapaFacts
from auditapp.domain.readiness_capas import CapaSummary as CapaSummary
from auditapp.domain.readiness_capas import Effectiveness as Effectiveness
from auditapp.domain.readiness_capas import Loop as Loop
from auditapp.domain.readiness_capas import capa_name, capa_summary
from auditapp.domain.responses import Answer
from auditapp.domain.state import AuditState

CYCLE_DAYS = 365
EARLIEST_AS_OF = dt.date(1900, 1, 1)
"""The earliest assessment date accepted: no quality records are older."""
MAX_DAYS_AHEAD = 366
"""How far past today an assessment date may lie (a planned audit's date, up to a year ahead)."""


def check_as_of(as_of: dt.date, today: dt.date, where: str = "as_of") -> None:
    """Refuse an assessment date outside 1900-01-01 .. a year from today; `where` names the input."""
    latest = today + dt.timedelta(days=MAX_DAYS_AHEAD)
    if not EARLIEST_AS_OF <= as_of <= latest:
        raise ValidationError(
            f"{as_of.isoformat()} is out of range: give a date from {EARLIEST_AS_OF.isoformat()} to "
            f"{latest.isoformat()} (a year from today)",
            where,
        )


# ---------------------------------------------------------------- key processes
@dataclass(frozen=True)
class KeyProcess:
    """A process a certification auditor expects to see running, and the clauses whose records show it."""

    key: str
    name: str
    clauses: tuple[str, ...]
    dry_run_ok: bool = False  # event-driven: a flagged simulation shows it works when nothing triggered it
    core: bool = True  # in every scope unless its clauses were answered not applicable


KEY_PROCESSES: tuple[KeyProcess, ...] = (
    KeyProcess("internal_audit", "Internal audit", ("8.2.4",)),
    KeyProcess("management_review", "Management review", ("5.6",)),
    KeyProcess("capa", "Corrective and preventive action", ("8.5.2", "8.5.3"), dry_run_ok=True),
    KeyProcess("complaints", "Complaints and customer feedback", ("8.2.1", "8.2.2"), dry_run_ok=True),
    KeyProcess("vigilance", "Reporting to regulatory authorities", ("8.2.3",), dry_run_ok=True),
    KeyProcess("nonconforming_product", "Control of nonconforming product", ("8.3",), dry_run_ok=True),
    KeyProcess("document_control", "Document and record control", ("4.2.4", "4.2.5")),
    KeyProcess("training", "Competence and training", ("6.2",)),
    KeyProcess("purchasing", "Purchasing and supplier control", ("7.4",)),
    KeyProcess("design", "Design and development", ("7.3",)),
    KeyProcess("production", "Production and process control", ("7.5",)),
    KeyProcess("measuring_equipment", "Monitoring and measuring equipment", ("7.6",)),
    KeyProcess("installation", "Installation", ("7.5.3",), core=False),
    KeyProcess("servicing", "Servicing", ("7.5.4",), core=False),
    KeyProcess("sterilisation", "Sterilization and sterile barrier", ("7.5.5", "7.5.7"), core=False),
)


def process_of(clause: str, processes: Sequence[KeyProcess] = KEY_PROCESSES) -> KeyProcess | None:
    """The key process a clause belongs to: the one with the most specific matching clause."""
    best: tuple[int, KeyProcess] | None = None
    for process in processes:
        for prefix in process.clauses:
            if under(clause, prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), process)
    return best[1] if best else None


class Light(StrEnum):
    """Traffic light of one process."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    GREY = "grey"


class ProcessState(StrEnum):
    """What the records say about a process over the last 12 months."""

    RUNNING = "running"
    RUNNING_WITH_NC = "running_with_nc"
    DRY_RUN = "dry_run"
    DRY_RUN_NOT_ENOUGH = "dry_run_not_enough"
    STALE = "stale"
    PAPER_ONLY = "paper_only"
    AUDITED_WITHOUT_RECORDS = "audited_without_records"
    """Audited through answers, interviews or observation, but no document read and no record sampled."""
    NO_EVIDENCE = "no_evidence"
    EXCLUDED = "excluded"

    @property
    def label(self) -> str:
        """The state in words, for a tooltip or a legend."""
        return _STATE_LABELS[self]


_STATE_LABELS = {
    ProcessState.RUNNING: "running",
    ProcessState.RUNNING_WITH_NC: "running, with nonconforming records",
    ProcessState.DRY_RUN: "shown by a simulated dry run",
    ProcessState.DRY_RUN_NOT_ENOUGH: "only a simulated dry run, which is not enough here",
    ProcessState.STALE: "records older than 12 months",
    ProcessState.PAPER_ONLY: "on paper only",
    ProcessState.AUDITED_WITHOUT_RECORDS: "audited, but no record sampled",
    ProcessState.NO_EVIDENCE: "nothing seen",
    ProcessState.EXCLUDED: "out of scope",
}


_LIGHTS = {
    ProcessState.RUNNING: Light.GREEN,
    ProcessState.RUNNING_WITH_NC: Light.AMBER,
    ProcessState.DRY_RUN: Light.AMBER,
    ProcessState.DRY_RUN_NOT_ENOUGH: Light.RED,
    ProcessState.STALE: Light.RED,
    ProcessState.PAPER_ONLY: Light.RED,
    ProcessState.AUDITED_WITHOUT_RECORDS: Light.RED,
    ProcessState.NO_EVIDENCE: Light.RED,
    ProcessState.EXCLUDED: Light.GREY,
}


@dataclass(frozen=True)
class ProcessRun:
    """One record showing a process ran: when, what, and whether it was a simulated dry run."""

    on: dt.date | None
    what: str
    simulated: bool = False
    conforms: bool = True


@dataclass
class Seen:
    """What the audits of the cycle saw of a process besides documents and records."""

    answers: int = 0
    interviews: int = 0
    observations: int = 0
    samples: int = 0  # samples drawn, whose records were not (yet) entered

    def __bool__(self) -> bool:
        return bool(self.answers or self.interviews or self.observations or self.samples)

    def words(self) -> str:
        """How the process was audited, for a consultant: e.g. `audited by interview and observation only
        (4 answers, 1 interview, 1 observation)`."""
        means = [
            noun for noun, n in (("interview", self.interviews), ("observation", self.observations)) if n
        ]
        how = " and ".join(means) or ("checklist answers" if self.answers else "drawing a sample")
        counts = [
            f"{n} {noun}{'' if n == 1 else 's'}"
            for noun, n in (
                ("answer", self.answers),
                ("interview", self.interviews),
                ("observation", self.observations),
                ("sample", self.samples),
            )
            if n
        ]
        return f"audited by {how} only ({', '.join(counts)})"


@dataclass(frozen=True)
class ProcessStatus:
    """A key process's state, its light, the newest evidence and one line that explains it."""

    key: str
    name: str
    state: ProcessState
    latest: dt.date | None
    runs: int
    simulated_runs: int
    documents: int
    explanation: str

    @property
    def light(self) -> Light:
        """Green running, amber with caveats, red not shown, grey out of scope."""
        return _LIGHTS[self.state]


# ---------------------------------------------------------------- coverage grid
@dataclass(frozen=True)
class CoverageGrid:
    """Audit programme coverage: rows are clause groups (4.1 ... 8.5), columns months, cells answers."""

    months: tuple[str, ...]
    rows: tuple[str, ...]
    cells: tuple[tuple[int, ...], ...]
    uncovered: tuple[str, ...]
    excluded: tuple[str, ...] = ()

    def total(self, row: str) -> int:
        """Answers recorded under a clause group over the cycle."""
        return sum(self.cells[self.rows.index(row)])


def clause_group(clause: str) -> str:
    """The second-level clause a clause belongs to (7.5.9.1 -> 7.5)."""
    return ".".join(clause.split(".")[:2])


def cycle_months(as_of: dt.date, count: int = 12) -> tuple[str, ...]:
    """The `count` months ending with the month of `as_of`, oldest first, as YYYY-MM."""
    year, month = as_of.year, as_of.month
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return tuple(reversed(out))


# ---------------------------------------------------------------- verdict
class Verdict(StrEnum):
    """The readiness verdict for the certification audit."""

    READY_STAGE2 = "ready_for_stage_2"
    READY_STAGE1 = "ready_for_stage_1"
    NOT_READY = "not_ready"

    @property
    def label(self) -> str:
        """How the verdict is written for people."""
        return {
            Verdict.READY_STAGE2: "Ready for Stage 2",
            Verdict.READY_STAGE1: "Ready for Stage 1",
            Verdict.NOT_READY: "Not ready",
        }[self]


@dataclass(frozen=True)
class Reason:
    """One reason behind the verdict; `blocks` is the stage it keeps the site from (1 or 2)."""

    blocks: int
    topic: str
    text: str


@dataclass(frozen=True)
class Readiness:
    """The whole assessment of one site of one organisation at one date; `organisation` is '' when not
    known (readiness written before it was named, or of audits of several organisations)."""

    site: str
    as_of: dt.date
    verdict: Verdict
    reasons: tuple[Reason, ...]
    processes: tuple[ProcessStatus, ...]
    grid: CoverageGrid
    capas: CapaSummary
    gaps: tuple[ClausePractice, ...]
    audits: tuple[str, ...]
    organisation: str = ""


@dataclass(frozen=True)
class ReadinessInputs:
    """Everything the rules read: the site's audits, its CAPAs, the clauses of the standard, the date."""

    site: str
    as_of: dt.date
    audits: Sequence[AuditState]
    capas: Sequence[CapaFacts] = ()
    clauses: Sequence[str] = ()
    excluded_clauses: Sequence[str] = ()
    simulated_records: Mapping[str, bool] = field(default_factory=dict)
    finding_statuses: Mapping[str, str] = field(default_factory=dict)
    """Triage status of findings at the central store (finding id -> status), as far as known here."""
    organisation: str = ""
    """The organisation whose site it is, as shown ('' when not known); the audits are already its own."""


def assess(inputs: ReadinessInputs) -> Readiness:
    """The readiness of a site from its records over the 12 months up to `inputs.as_of`."""
    start = inputs.as_of - dt.timedelta(days=CYCLE_DAYS)
    audits = [
        a
        for a in inputs.audits
        if a.plan is not None
        and same_name(a.plan.site, inputs.site)
        and start < a.plan.start_date <= inputs.as_of
    ]
    audits.sort(key=lambda a: (a.plan.start_date if a.plan else inputs.as_of, a.audit_id))
    excluded = _excluded(audits, inputs.excluded_clauses)
    grid = coverage_grid(audits, inputs.clauses, inputs.as_of, excluded)
    processes = tuple(_process_status(p, audits, inputs, start, excluded) for p in KEY_PROCESSES)
    capas = capa_summary(audits, inputs.capas, start, inputs.as_of, inputs.finding_statuses)
    # A nonconformity whose CAPA closed with verified effectiveness leaves no gap: practice was fixed.
    fixed = {fid for c in inputs.capas if c.loop_closed for fid in c.finding_ids}
    gaps = tuple(
        row
        for row in paper_vs_practice(audits)
        if row.verdict.is_gap
        and not any(under(row.clause, x) for x in excluded)
        and not (row.findings and set(row.findings) <= fixed)
    )
    reasons = _reasons(processes, grid, capas, gaps, audits)
    if any(r.blocks == 1 for r in reasons):
        verdict = Verdict.NOT_READY
    elif reasons:
        verdict = Verdict.READY_STAGE1
    else:
        verdict = Verdict.READY_STAGE2
    return Readiness(
        inputs.site,
        inputs.as_of,
        verdict,
        tuple(reasons),
        processes,
        grid,
        capas,
        gaps,
        tuple(a.audit_id for a in audits),
        inputs.organisation,
    )


def _excluded(audits: Sequence[AuditState], given: Sequence[str]) -> tuple[str, ...]:
    """Clauses out of scope: those given, and process clauses every audit answered not applicable."""
    out = set(given)
    for process in KEY_PROCESSES:
        for prefix in process.clauses:
            answers = [r.answer for a in audits for r in a.responses.values() if under(r.clause, prefix)]
            applicable = [x for x in answers if x is not Answer.NOT_AUDITED]
            if applicable and all(x is Answer.NOT_APPLICABLE for x in applicable):
                out.add(prefix)
    return tuple(sorted(out, key=clause_key))


def coverage_grid(
    audits: Sequence[AuditState], clauses: Sequence[str], as_of: dt.date, excluded: Sequence[str] = ()
) -> CoverageGrid:
    """Answers per clause group and month, and the clauses of the standard no audit of the cycle covered."""
    months = cycle_months(as_of)
    groups = sorted({clause_group(c) for c in clauses}, key=clause_key)
    counts = {(g, m): 0 for g in groups for m in months}
    covered: set[str] = set()
    for state in audits:
        assert state.plan is not None
        month = state.plan.start_date.strftime("%Y-%m")
        for response in state.responses.values():
            if response.answer is Answer.NOT_AUDITED:
                continue
            covered.add(response.clause)
            key = (clause_group(response.clause), month)
            if key in counts:
                counts[key] += 1
    uncovered = tuple(c for c in clauses if c not in covered and not any(under(c, x) for x in excluded))
    cells = tuple(tuple(counts[g, m] for m in months) for g in groups)
    return CoverageGrid(months, tuple(groups), cells, uncovered, tuple(excluded))


def _parse_day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def _process_status(
    process: KeyProcess,
    audits: Sequence[AuditState],
    inputs: ReadinessInputs,
    start: dt.date,
    excluded: Sequence[str],
) -> ProcessStatus:
    def ours(clause: str | None) -> bool:
        return clause is not None and process_of(clause) == process

    if all(any(under(c, x) for x in excluded) for c in process.clauses):
        return ProcessStatus(process.key, process.name, ProcessState.EXCLUDED, None, 0, 0, 0, "out of scope")
    runs: list[ProcessRun] = []
    documents = 0
    seen = Seen()
    for state in audits:
        clause_of = {fid: f.clause for fid, f in state.findings.items()}
        for ev in state.evidence:
            clause = ev.target.clause or clause_of.get(ev.target.finding_id or "")
            if not ours(clause):
                continue
            if isinstance(ev, DocumentReviewed):
                documents += 1
            elif isinstance(ev, SampledRecord):
                simulated = bool(inputs.simulated_records.get(ev.evidence_id))
                what = f"{ev.record_type} {ev.identifier}"
                runs.append(ProcessRun(_parse_day(ev.record_date), what, simulated, ev.conforms))
            elif isinstance(ev, Interview):
                seen.interviews += 1
            elif isinstance(ev, Note | PhotoRef):
                seen.observations += 1
            else:
                seen.samples += 1
        seen.answers += sum(
            1
            for r in state.responses.values()
            if ours(r.clause) and r.answer not in (Answer.NOT_APPLICABLE, Answer.NOT_AUDITED)
        )
        plan = state.plan
        if process.key == "internal_audit" and plan is not None and _ran_internal_audit(state):
            runs.append(ProcessRun(plan.start_date, f"internal audit '{plan.title}'"))
    if process.key == "capa":
        for capa in inputs.capas:
            runs.append(ProcessRun(capa.opened_on, capa_name(capa), capa.simulated))
    if not process.core and not seen and not documents and not runs:
        return ProcessStatus(
            process.key, process.name, ProcessState.EXCLUDED, None, 0, 0, 0, "not part of the audited scope"
        )
    return _judge(process, runs, documents, seen, start, inputs.as_of)


def _ran_internal_audit(state: AuditState) -> bool:
    """An internal audit recorded in the app, with answers, is itself a record of the process running."""
    return state.plan is not None and state.plan.audit_type is AuditType.INTERNAL and bool(state.responses)


def _judge(
    process: KeyProcess,
    runs: Sequence[ProcessRun],
    documents: int,
    seen: Seen,
    start: dt.date,
    as_of: dt.date,
) -> ProcessStatus:
    recent = [r for r in runs if r.on is not None and start < r.on <= as_of]
    real = [r for r in recent if not r.simulated]
    simulated = [r for r in recent if r.simulated]
    dated = [r.on for r in runs if r.on is not None]
    latest = max((r.on for r in recent if r.on is not None), default=max(dated, default=None))
    if real:
        failed = [r for r in real if not r.conforms]
        state = ProcessState.RUNNING_WITH_NC if failed else ProcessState.RUNNING
        text = f"{len(real)} record(s) in the last 12 months, latest {max(r.on for r in real if r.on)}"
        if failed:
            text += f"; {len(failed)} did not conform"
    elif simulated:
        ok = process.dry_run_ok
        state = ProcessState.DRY_RUN if ok else ProcessState.DRY_RUN_NOT_ENOUGH
        text = f"only a simulated dry run ({simulated[0].what})" + (
            "" if ok else ": this process must be shown by real records"
        )
    elif runs:
        state = ProcessState.STALE
        text = "records found, but none dated in the last 12 months" + (
            f" (latest {latest})" if latest else ""
        )
    elif documents:
        state, text = ProcessState.PAPER_ONLY, f"{documents} document(s) reviewed, no record of it running"
    elif seen:
        # Seen, so not "no evidence at all" (ADR 0093); no record shows it ran: a Stage 2 matter.
        state = ProcessState.AUDITED_WITHOUT_RECORDS
        text = f"{seen.words()}: no record sampled to show it ran in the last 12 months"
    else:
        state, text = ProcessState.NO_EVIDENCE, "no document or record seen in any audit of the cycle"
    return ProcessStatus(process.key, process.name, state, latest, len(real), len(simulated), documents, text)


_STAGE1_PROCESSES = ("internal_audit", "management_review")


def _reasons(
    processes: Sequence[ProcessStatus],
    grid: CoverageGrid,
    capas: CapaSummary,
    gaps: Sequence[ClausePractice],
    audits: Sequence[AuditState],
) -> list[Reason]:
    reasons: list[Reason] = []
    if not audits:
        reasons.append(Reason(1, "audits", "no audit of this site in the last 12 months"))
    for p in processes:
        if p.light is not Light.RED:
            continue
        # Stage 1 needs the system documented, internal audit and management review performed.
        stage1 = p.key in _STAGE1_PROCESSES or p.state is ProcessState.NO_EVIDENCE
        reasons.append(Reason(1 if stage1 else 2, p.name, f"{p.name}: {p.explanation}"))
    if grid.uncovered:
        shown = ", ".join(grid.uncovered[:12]) + (" ..." if len(grid.uncovered) > 12 else "")
        reasons.append(
            Reason(2, "coverage", f"{len(grid.uncovered)} clause(s) not audited in the cycle: {shown}")
        )
    # One reason per CAPA or nonconformity, worded by its treatment (ADR 0093 and its addendum).
    reasons.extend(Reason(loop.blocks, "CAPA", loop.text) for loop in capas.loops)
    for gap in gaps:
        what = "practice does not conform" if gap.practice_fails else "practice not shown"
        docs = ", ".join(gap.documents)
        reasons.append(Reason(2, "gap", f"clause {gap.clause}: paper ({docs}) conforms, {what}"))
    return reasons
