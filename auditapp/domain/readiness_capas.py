"""CAPA loops of the readiness rules: the CAPAs and nonconformities not closed, named as people know them.

A certification auditor follows each nonconformity of the internal audits to its treatment: a correction
(the nonconformity itself fixed) and, through a CAPA, a corrective action (its root cause found and
removed), closed with its effectiveness verified. ADR 0093 and its addendum decide which loop keeps a site
from which stage. Every loop is named by what a quality manager recognises (the CAPA's title, the
finding's grade, clause, first words and audit), never by an internal id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from auditapp.domain.findings import Finding, FindingGrade
from auditapp.domain.plan import AuditPlan, AuditType
from auditapp.domain.practice import clause_key
from auditapp.domain.state import AuditState


class Effectiveness(StrEnum):
    """Where a CAPA's effectiveness check stands."""

    VERIFIED = "verified"
    NOT_EFFECTIVE = "not_effective"
    PENDING = "pending"
    NONE = "none"


@dataclass(frozen=True)
class CapaFacts:
    """What readiness and the CAPA log need of a CAPA, from the central store or pulled to a device."""

    capa_id: str
    title: str
    status: str  # open or closed (any stage before closure counts as open)
    opened_on: dt.date | None = None
    closed_on: dt.date | None = None
    due_on: dt.date | None = None
    finding_ids: tuple[str, ...] = ()
    clauses: tuple[str, ...] = ()
    effectiveness: Effectiveness = Effectiveness.NONE
    owner: str = ""
    stage: str = ""
    simulated: bool = False

    @property
    def closed(self) -> bool:
        """Whether the CAPA has been closed."""
        return self.status == "closed"

    @property
    def loop_closed(self) -> bool:
        """Closed with effectiveness verified: the loop a certification auditor looks for."""
        return self.closed and self.effectiveness is Effectiveness.VERIFIED


@dataclass(frozen=True)
class Loop:
    """A CAPA or a nonconformity whose loop is not closed: its name, what is missing, the stage it blocks."""

    ref: str  # the CAPA's or the finding's id, for programs; people read `name`
    kind: str  # "capa" or "finding"
    name: str
    problem: str
    blocks: int = 2

    @property
    def text(self) -> str:
        """The loop as one sentence."""
        return f"{self.name} {self.problem}"


@dataclass(frozen=True)
class CapaSummary:
    """CAPAs of the cycle: opened, closed, closed with effectiveness verified, and the loops not closed."""

    opened: int
    closed: int
    verified: int
    open_ids: tuple[str, ...]
    unverified_ids: tuple[str, ...]
    findings_without_capa: tuple[str, ...]
    loops: tuple[Loop, ...] = ()


# Triage statuses at the central store (finding id -> status) that the loops read.
CORRECTED = "corrected"
NO_ACTION = "no_action"
IN_A_CAPA = ("capa", "closed")
"""The store put the finding in a CAPA, even when this place does not hold that CAPA."""
SET_ASIDE = ("rejected", "duplicate")
"""Not a nonconformity to act on: rejected with a justification, or a duplicate of one that is acted on."""

STILL_OPEN = "is still open"
UNVERIFIED = "was closed without verified effectiveness"
NO_CAPA = "has no CAPA"
CORRECTED_NO_CAPA = "was corrected, but has no CAPA to remove its cause"
CORRECTED_MAJOR = (
    "was corrected, but has no corrective action (no root cause analysis, no CAPA): "
    "a major nonconformity needs one before Stage 2"
)
UNTREATED_MAJOR = "has no correction or CAPA on record"
NO_ACTION_MAJOR = "was triaged as needing no action, so it has no correction or CAPA"

GRADE_WORDS = {
    FindingGrade.MAJOR_NC: "major nonconformity",
    FindingGrade.MINOR_NC: "minor nonconformity",
    FindingGrade.OBSERVATION: "observation",
    FindingGrade.OFI: "opportunity for improvement",
    FindingGrade.GOOD_PRACTICE: "good practice",
}
AUDIT_WORDS = {
    AuditType.INTERNAL: "internal audit",
    AuditType.SUPPLIER: "supplier audit",
    AuditType.STAGE1_MOCK: "Stage 1 mock audit",
    AuditType.STAGE2_MOCK: "Stage 2 mock audit",
}
OWN_SYSTEM_AUDITS = (AuditType.INTERNAL, AuditType.STAGE1_MOCK, AuditType.STAGE2_MOCK)
"""Audits of the site's own system: their nonconformities need treating before certification. A supplier
audit's findings are the supplier's to treat."""
FIRST_WORDS = 8
FIRST_CHARS = 60


def first_words(text: str, words: int = FIRST_WORDS, chars: int = FIRST_CHARS) -> str:
    """The start of a statement, enough to recognise it: a few words, with an ellipsis when cut."""
    parts = text.split()
    shown = " ".join(parts[:words])
    if len(shown) > chars:
        cut = shown[:chars]
        shown = cut.rsplit(" ", 1)[0] if " " in cut else cut
    return shown + ("…" if shown != " ".join(parts) else "")


def finding_name(finding: Finding, plan: AuditPlan | None = None) -> str:
    """A finding as a quality manager knows it: grade, clause, first words, and the audit that raised it."""
    name = f'{GRADE_WORDS[finding.grade]} at {finding.clause}, "{first_words(finding.statement)}"'
    if plan is None:
        return name
    title, when = plan.title.strip(), plan.start_date.isoformat()
    audit = AUDIT_WORDS[plan.audit_type] + (f' "{title}"' if title else "")
    return f"{name} ({audit}{'' if when in title else ', ' + when})"


def capa_name(capa: CapaFacts) -> str:
    """A CAPA as its owner knows it: by its title and the day it was opened."""
    title = capa.title.strip()
    opened = capa.opened_on.isoformat() if capa.opened_on else ""
    if not title:
        return f"CAPA opened {opened}" if opened else f"CAPA {capa.capa_id[:8]}"
    return f'CAPA "{title}"' + (f" (opened {opened})" if opened else "")


def _finding_loop(finding: Finding, plan: AuditPlan | None, status: str) -> Loop:
    """The loop of a nonconformity with no CAPA, worded by what triage did with it."""
    major = finding.grade is FindingGrade.MAJOR_NC
    if status == CORRECTED:
        # Corrected, so not untreated; but without a root cause removed a major one is not closed for Stage 2.
        problem, blocks = (CORRECTED_MAJOR, 2) if major else (CORRECTED_NO_CAPA, 2)
    elif major:
        problem, blocks = (NO_ACTION_MAJOR if status == NO_ACTION else UNTREATED_MAJOR), 1
    else:
        problem, blocks = NO_CAPA, 2
    return Loop(finding.finding_id, "finding", finding_name(finding, plan), problem, blocks)


def capa_summary(
    audits: Sequence[AuditState],
    capas: Sequence[CapaFacts],
    start: dt.date,
    as_of: dt.date,
    statuses: Mapping[str, str],
) -> CapaSummary:
    """CAPAs opened in the cycle, and every loop not closed: CAPAs open or unverified, and the
    nonconformities of the audits of the site's own system (internal and mock certification audits, given
    in date order) with no CAPA, by their triage status."""
    in_cycle = [c for c in capas if c.opened_on is None or start < c.opened_on <= as_of]
    linked = {fid for c in capas for fid in c.finding_ids}
    loops = [Loop(c.capa_id, "capa", capa_name(c), STILL_OPEN) for c in in_cycle if not c.closed]
    loops += [
        Loop(c.capa_id, "capa", capa_name(c), UNVERIFIED) for c in in_cycle if c.closed and not c.loop_closed
    ]
    without: list[str] = []
    for audit in audits:
        if audit.plan is None or audit.plan.audit_type not in OWN_SYSTEM_AUDITS:
            continue
        for f in sorted(audit.findings.values(), key=lambda f: (clause_key(f.clause), f.finding_id)):
            status = statuses.get(f.finding_id, "")
            if not f.grade.is_nonconformity or f.finding_id in linked or status in (*IN_A_CAPA, *SET_ASIDE):
                continue
            without.append(f.finding_id)
            loops.append(_finding_loop(f, audit.plan, status))
    return CapaSummary(
        opened=len(in_cycle),
        closed=sum(1 for c in in_cycle if c.closed),
        verified=sum(1 for c in in_cycle if c.loop_closed),
        open_ids=tuple(c.capa_id for c in in_cycle if not c.closed),
        unverified_ids=tuple(c.capa_id for c in in_cycle if c.closed and not c.loop_closed),
        findings_without_capa=tuple(without),
        loops=tuple(loops),
    )
