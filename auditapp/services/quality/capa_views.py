"""CAPAs as the board and the detail screen show them: stages, due dates, gates, signatures, history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from auditapp.domain.capa_gates import GATE_CODES
from auditapp.services.quality import timefmt
from auditapp.services.quality.inbox import FindingRow, row_from
from auditapp.services.quality.labels import (
    ACTION_KIND_LABEL,
    ACTION_STATUS_LABEL,
    METHOD_LABEL,
    RESULT_LABEL,
    STAGE_LABEL,
    STAGE_ORDER,
    label,
)
from auditapp.services.quality.port import Json, QualityApi

GATE_LABEL = {
    "root_cause": "Root cause analysed: method and result",
    "corrective_action": "A corrective or preventive action is planned",
    "action_implemented": "Every action is implemented",
    "action_evidence": "Every implemented action has evidence",
    "document_update": "Changed document and revision recorded (or justified)",
    "communication": "Team training or communication recorded (or justified)",
    "verification": "8.5.2 e verification recorded",
    "verification_adverse": "The verification found no adverse effect",
    "effectiveness_check": "An effectiveness check is planned",
    "effectiveness_pending": "Every effectiveness check has a result",
    "effectiveness_passed": "An effectiveness check passed",
}
GATE_SHORTFALL = {
    "root_cause": "root cause not analysed",
    "corrective_action": "no corrective or preventive action planned",
    "action_implemented": "an action is not implemented",
    "action_evidence": "an implemented action has no evidence",
    "document_update": "document change not recorded or justified",
    "communication": "training or communication not recorded or justified",
    "verification": "8.5.2 e verification not recorded",
    "verification_adverse": "the verification found an adverse effect",
    "effectiveness_check": "no effectiveness check planned",
    "effectiveness_pending": "an effectiveness check has no result",
    "effectiveness_passed": "effectiveness check not passed",
}
"""What an unmet gate lacks, in a few words, for the line beside "Sign closure…"."""


@dataclass(frozen=True)
class ActionView:
    """One action of a CAPA."""

    action_id: str
    kind: str
    description: str
    owner: str
    due: dt.date | None
    status: str
    evidence: str
    document_id: str
    document_revision: str
    communication_record: str
    cancel_reason: str

    @property
    def kind_label(self) -> str:
        """Correction, corrective or preventive."""
        return label(ACTION_KIND_LABEL, self.kind)

    @property
    def status_label(self) -> str:
        """The status in words."""
        return label(ACTION_STATUS_LABEL, self.status)

    @property
    def open(self) -> bool:
        """Still to be done."""
        return self.status in ("planned", "in_progress")

    def overdue(self, today: dt.date) -> bool:
        """Past its due date and not done."""
        return self.open and self.due is not None and self.due < today


@dataclass(frozen=True)
class CheckView:
    """An effectiveness check with its result and, for field checks, the results from the tablets."""

    check_id: str
    capa_id: str
    capa_title: str
    criterion: str
    method: str
    window_start: dt.date | None
    window_end: dt.date | None
    result: str
    comment: str
    evidence: tuple[str, ...]
    decided_by: str
    decided_at: str
    round: int
    current: bool
    tasks: tuple[Json, ...] = ()

    @property
    def method_label(self) -> str:
        """How effectiveness is shown, in words."""
        return label(METHOD_LABEL, self.method)

    @property
    def result_label(self) -> str:
        """Pending, passed or failed."""
        return label(RESULT_LABEL, self.result)

    @property
    def window(self) -> str:
        """ "start – end"."""
        return f"{self.window_start or '?'} – {self.window_end or '?'}"

    def state(self, today: dt.date) -> str:
        """upcoming, open, overdue (window over, no result), superseded (pending in a round before the CAPA
        was reopened: never decided, due from nobody) or decided."""
        if self.result != "pending":
            return "decided"
        if not self.current:
            return "superseded"
        if self.window_start and today < self.window_start:
            return "upcoming"
        if self.window_end and today > self.window_end:
            return "overdue"
        return "open"


@dataclass(frozen=True)
class SignatureView:
    """An electronic signature as 21 CFR 11.50 wants it shown."""

    printed_name: str
    username: str
    meaning: str
    signed_utc: str
    signed_local: str
    matches: bool
    manifestation: str


@dataclass(frozen=True)
class Reopening:
    """Why and when a CAPA was reopened, with what showed it."""

    at: str
    reason: str
    actor: str
    comment: str
    finding_id: str
    evidence_ids: tuple[str, ...]


@dataclass(frozen=True)
class GateLine:
    """One line of the closure checklist: met, or what is missing."""

    code: str
    text: str
    met: bool
    missing: tuple[str, ...] = ()
    waits_on: str = ""
    """The gate whose record this one speaks of, when that record is missing (see GATE_NEEDS)."""

    @property
    def waits_for(self) -> str:
        """ "waits for: <the other gate>" when this gate cannot be met before another one ("" otherwise)."""
        if not self.waits_on:
            return ""
        return f"waits for: {GATE_LABEL.get(self.waits_on, self.waits_on.replace('_', ' '))}"

    @property
    def shortfall(self) -> str:
        """What is missing in a few words (the store's own sentence for a gate this app does not know)."""
        if self.code in GATE_SHORTFALL:
            return GATE_SHORTFALL[self.code]
        return self.missing[0] if self.missing else f"{self.text}: missing"


@dataclass(frozen=True)
class CapaView:
    """Everything the CAPA detail screen shows."""

    capa_id: str
    title: str
    stage: str
    owner: str
    round: int
    created: str
    closed: str
    problem_statement: str
    containment: str
    correction: str
    root_cause_method: str
    root_cause_result: str
    actions: tuple[ActionView, ...]
    document_update_justification: str
    communication_justification: str
    verification: Json | None
    checks: tuple[CheckView, ...]
    sources: tuple[FindingRow, ...]
    reopenings: tuple[Reopening, ...]
    missing: tuple[Json, ...]
    ready_to_close: bool
    content_sha256: str
    signatures: tuple[SignatureView, ...]
    signature_valid: bool | None = None
    gates: tuple[GateLine, ...] = field(default=())

    @property
    def stage_label(self) -> str:
        """The stage in words."""
        return label(STAGE_LABEL, self.stage)

    @property
    def is_closed(self) -> bool:
        """Signed closed."""
        return self.stage == "closed"

    @property
    def root_cause_method_label(self) -> str:
        """5 whys, fishbone or other ("" before analysis)."""
        return label(METHOD_LABEL, self.root_cause_method) if self.root_cause_method else ""

    @property
    def can_sign(self) -> bool:
        """Whether "Sign closure…" may be pressed: open, and every gate of the closure checklist met.

        The store still checks the gates when the signature arrives (another user may have changed the
        CAPA since this view was read) and refuses, listing what is missing."""
        return not self.is_closed and self.ready_to_close and all(g.met for g in self.gates)

    @property
    def not_ready_line(self) -> str:
        """ "Not ready to close: …" naming what is missing ("" once it can be signed or when closed).

        A gate that only waits for another gate's record is left out: the other gate names it already."""
        if self.is_closed or self.can_sign:
            return ""
        gaps = [g.shortfall for g in self.gates if not g.met and not g.waits_on]
        reasons = (
            ", ".join(dict.fromkeys(gaps))
            or "the store does not report it ready yet; reload the page to read it again"
        )
        return f"Not ready to close: {reasons}"

    def verified_line(self, name: Callable[[str], str] = str) -> str:
        """Who verified (as `name` words a username), and when (local time)."""
        if not self.verification:
            return ""
        who = str(self.verification.get("verified_by") or "")
        return f"{name(who) if who else ''} {timefmt.local(self.verification.get('verified_at'))}".strip()


GATE_NEEDS = {
    "action_implemented": "corrective_action",
    "action_evidence": "corrective_action",
    "verification_adverse": "verification",
    "effectiveness_pending": "effectiveness_check",
    "effectiveness_passed": "effectiveness_check",
}
"""Gates that say something of what another gate brings into being: "every action is implemented" is
empty, not met, while no action is planned; likewise the verification's finding and the checks' results."""


def gate_lines(missing: Sequence[Json]) -> tuple[GateLine, ...]:
    """The closure checklist: every gate in order, met unless the store lists it as missing, or it speaks
    of what a missing gate would bring (GATE_NEEDS): then it waits for that gate, whose line already says
    what is missing. The store's gates stay the only rules; nothing is ticked for want of something to
    check."""
    by_code: dict[str, list[str]] = {}
    for gap in missing:
        by_code.setdefault(str(gap.get("code")), []).append(str(gap.get("message") or ""))
    codes = list(GATE_CODES) + [c for c in by_code if c not in GATE_CODES]
    lines: list[GateLine] = []
    for code in codes:
        text = GATE_LABEL.get(code, code.replace("_", " "))
        needed = GATE_NEEDS.get(code)
        if code in by_code:
            lines.append(GateLine(code, text, False, tuple(by_code[code])))
        elif needed in by_code:
            lines.append(GateLine(code, text, False, waits_on=needed or ""))
        else:
            lines.append(GateLine(code, text, True))
    return tuple(lines)


def action_view(item: Json) -> ActionView:
    """An action from the store's object."""
    return ActionView(
        str(item["id"]),
        str(item.get("kind") or ""),
        str(item.get("description") or ""),
        str(item.get("owner") or ""),
        timefmt.parse_date(item.get("due_date")),
        str(item.get("status") or ""),
        str(item.get("evidence") or ""),
        str(item.get("document_id") or ""),
        str(item.get("document_revision") or ""),
        str(item.get("communication_record") or ""),
        str(item.get("cancel_reason") or ""),
    )


def check_view(item: Json, capa_title: str = "") -> CheckView:
    """An effectiveness check from the store's object."""
    return CheckView(
        str(item["id"]),
        str(item.get("capa_id") or ""),
        str(item.get("capa_title") or capa_title),
        str(item.get("criterion") or ""),
        str(item.get("method") or ""),
        timefmt.parse_date(item.get("window_start")),
        timefmt.parse_date(item.get("window_end")),
        str(item.get("result") or "pending"),
        str(item.get("comment") or ""),
        tuple(str(e) for e in item.get("evidence") or []),
        str(item.get("decided_by") or ""),
        timefmt.local(item.get("decided_at")),
        int(item.get("round") or 0),
        bool(item.get("current", True)),
        tuple(dict(t) for t in item.get("tasks") or []),
    )


def signature_view(item: Json) -> SignatureView:
    """A signature from the store's object."""
    zone = str(item.get("signer_timezone") or "")
    local = str(item.get("signer_local_time") or "")
    return SignatureView(
        str(item.get("printed_name") or ""),
        str(item.get("username") or ""),
        str(item.get("meaning") or ""),
        timefmt.utc(item.get("signed_at")),
        f"{local} ({zone})" if zone else local,
        bool(item.get("matches_current_content", True)),
        str(item.get("manifestation") or ""),
    )


def capa_view(item: Json, now: dt.datetime | None = None) -> CapaView:
    """The detail view from the store's CAPA object."""
    moment = now or dt.datetime.now(dt.UTC)
    root = item.get("root_cause") or {}
    title = str(item.get("title") or "")
    missing = tuple(dict(g) for g in item.get("missing") or [])
    return CapaView(
        capa_id=str(item["id"]),
        title=title,
        stage=str(item.get("stage") or ""),
        owner=str(item.get("owner") or ""),
        round=int(item.get("round") or 0),
        created=timefmt.local(item.get("created_at")),
        closed=timefmt.local(item.get("closed_at")),
        problem_statement=str(item.get("problem_statement") or ""),
        containment=str(item.get("containment") or ""),
        correction=str(item.get("correction") or ""),
        root_cause_method=str(root.get("method") or ""),
        root_cause_result=str(root.get("result") or ""),
        actions=tuple(action_view(a) for a in item.get("actions") or []),
        document_update_justification=str(item.get("document_update_justification") or ""),
        communication_justification=str(item.get("communication_justification") or ""),
        verification=item.get("verification"),
        checks=tuple(check_view(c, title) for c in item.get("effectiveness_checks") or []),
        sources=tuple(row_from(f, moment) for f in item.get("source_findings") or []),
        reopenings=tuple(
            Reopening(
                timefmt.local(r.get("at")),
                str(r.get("reason") or ""),
                str(r.get("actor") or ""),
                str(r.get("comment") or ""),
                str(r.get("finding_id") or ""),
                tuple(str(e) for e in r.get("evidence_ids") or []),
            )
            for r in item.get("reopenings") or []
        ),
        missing=missing,
        ready_to_close=bool(item.get("ready_to_close")),
        content_sha256=str(item.get("content_sha256") or ""),
        signatures=tuple(signature_view(s) for s in item.get("signatures") or []),
        signature_valid=item.get("signature_valid"),
        gates=gate_lines(missing),
    )


def load_capa(api: QualityApi, capa_id: str) -> CapaView:
    """A CAPA's detail."""
    return capa_view(api.capa(capa_id))


# ---------------------------------------------------------------------------- the board
@dataclass(frozen=True)
class CapaCard:
    """A CAPA on the board."""

    capa_id: str
    title: str
    stage: str
    owner: str
    round: int
    age_days: int | None
    due: dt.date | None = None
    overdue: bool = False

    @property
    def due_text(self) -> str:
        """ "due 2026-12-01", or "" when no action is open."""
        return f"due {self.due.isoformat()}" if self.due else ""


@dataclass(frozen=True)
class Board:
    """Cards in columns by stage (closed CAPAs only when asked)."""

    columns: dict[str, list[CapaCard]]

    @property
    def count(self) -> int:
        """Cards on the board."""
        return sum(len(cards) for cards in self.columns.values())


def card_from(item: Json, now: dt.datetime) -> CapaCard:
    """A card from the store's CAPA summary (or detail)."""
    today = now.date()
    actions = [action_view(a) for a in item.get("actions") or []]
    dues = [a.due for a in actions if a.open and a.due is not None]
    due = timefmt.parse_date(item.get("due_date")) or (min(dues) if dues else None)
    late = (
        any(a.overdue(today) for a in actions)
        or bool(item.get("overdue"))
        or (due is not None and due < today)
    )
    return CapaCard(
        str(item["id"]),
        str(item.get("title") or ""),
        str(item.get("stage") or ""),
        str(item.get("owner") or ""),
        int(item.get("round") or 0),
        timefmt.age_days(item.get("created_at"), now),
        due,
        late and item.get("stage") != "closed",
    )


def load_board(
    api: QualityApi, owner: str = "", include_closed: bool = False, now: dt.datetime | None = None
) -> Board:
    """Every CAPA (open ones unless asked), in columns by stage, with the due date of its next action."""
    moment = now or dt.datetime.now(dt.UTC)
    query = {"owner": owner.strip(), "open_only": "" if include_closed else "true"}
    items: list[Json] = []
    cursor: str | None = None
    while True:
        page = api.capas(query, cursor, 200)
        items.extend(page.items)
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    columns: dict[str, list[CapaCard]] = {s: [] for s in STAGE_ORDER if include_closed or s != "closed"}
    for item in items:
        if "actions" not in item and "due_date" not in item:
            item = api.capa(str(item["id"]))  # the list carries no due dates (yet): read them from the detail
        card = card_from(item, moment)
        columns.setdefault(card.stage, []).append(card)
    return Board(columns)
