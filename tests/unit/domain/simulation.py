"""A small team of simulated devices that edit one audit offline and sync now and then.

Used by the property tests: it produces realistic histories (bases taken from what each device had
seen, skewed wall clocks) whose merge must not depend on order or duplication.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from auditapp.domain import drafts
from auditapp.domain.clock import HybridClock
from auditapp.domain.events import DomainEvent, EventFactory
from auditapp.domain.evidence import EvidenceTarget
from auditapp.domain.findings import Finding, FindingGrade
from auditapp.domain.plan import AuditPlan, AuditType, ChecklistRef
from auditapp.domain.responses import Answer
from auditapp.domain.state import Projector

AUDIT = "A-1"
ITEMS = [("I-1", "7.5.1"), ("I-2", "7.5.6"), ("I-3", "8.2.4")]
ANSWERS = list(Answer)


def sample_plan(**changes: object) -> AuditPlan:
    """A valid plan that tests change one field of."""
    values: dict[str, object] = {
        "title": "Production walkthrough",
        "organisation": "Acme Medical",
        "site": "Plant 1",
        "audit_type": AuditType.INTERNAL,
        "objectives": "Verify production controls work in practice",
        "scope": "Moulding and packaging lines",
        "criteria": (ChecklistRef("iso13485-7", "1.0", "a" * 64),),
        "start_date": dt.date(2026, 3, 2),
        "end_date": dt.date(2026, 3, 3),
        "lead_auditor": "R. Lead",
        "team": ("T. Member",),
        "auditees": (),
    }
    values.update(changes)
    return AuditPlan(**values)  # type: ignore[arg-type]


class FakeWall:
    """A wall clock the test moves by hand, skewed and sometimes jumping back."""

    def __init__(self, start: int) -> None:
        self.now = start

    def __call__(self) -> int:
        return self.now


@dataclass
class Device:
    """One tablet: its clock, its event factory and every event it knows."""

    name: str
    wall: FakeWall
    clock: HybridClock = field(init=False)
    factory: EventFactory = field(init=False)
    known: dict[str, DomainEvent] = field(default_factory=dict)
    counter: int = 0

    def __post_init__(self) -> None:
        self.clock = HybridClock(self.name, self.wall)
        self.factory = EventFactory(self.name, self.clock, new_id=self._new_id)

    def _new_id(self) -> str:
        self.counter += 1
        return f"{self.name}-{self.counter}"

    def view(self) -> Projector:
        """The device's own projection of the audit."""
        return Projector(AUDIT).add_all(self.known.values())

    def record(self, draft: drafts.Draft) -> DomainEvent:
        """Stamp and keep one event."""
        event = self.factory.make(AUDIT, draft.kind, draft.payload)
        self.known[event.event_id] = event
        return event

    def receive(self, events: list[DomainEvent]) -> None:
        """Sync: learn other devices' events and move the clock past them."""
        for event in events:
            if event.event_id not in self.known:
                self.known[event.event_id] = event
                self.clock.observe(event.hlc)


def make_team(size: int, skews: list[int]) -> list[Device]:
    """Devices whose wall clocks start apart by the given skews (ms)."""
    return [Device(f"dev{i}", FakeWall(1_700_000_000_000 + skews[i % len(skews)])) for i in range(size)]


def apply_op(device: Device, op: tuple[int, int, int, int], everyone: list[Device]) -> None:
    """One step of a device: an edit chosen by op, from what the device has seen, or a sync."""
    kind, which, value, tick = op
    device.wall.now += tick - 3  # the wall clock also jumps backwards now and then
    state = device.view().state()
    if kind == 0:
        item_id, clause = ITEMS[which % len(ITEMS)]
        base = state.version("response", item_id, "answer")
        device.record(drafts.response_recorded(item_id, clause, ANSWERS[value % len(ANSWERS)], base))
    elif kind == 1:
        item_id, clause = ITEMS[which % len(ITEMS)]
        device.record(
            drafts.note_added(
                f"{device.name}-n{device.counter}", EvidenceTarget.item(item_id, clause), f"note {value}"
            )
        )
    elif kind == 2:
        fid = f"F-{which % 2}"
        if fid not in state.findings:
            device.record(
                drafts.finding_raised(
                    Finding(fid, None, "7.5.1", FindingGrade.MINOR_NC, "7.5.1 a", f"statement {value}")
                )
            )
        else:
            grade = list(FindingGrade)[value % len(FindingGrade)]
            device.record(
                drafts.finding_edited(fid, "grade", grade.value, state.version("finding", fid, "grade"))
            )
    elif kind == 3:
        device.record(
            drafts.meeting_note_recorded("opening", f"opening {value}", state.version("meeting", "opening"))
        )
    else:
        other = everyone[which % len(everyone)]
        device.receive(list(other.known.values()))


def run_team(ops: list[tuple[int, int, int, int, int]], size: int = 3) -> list[DomainEvent]:
    """Play the ops (device index first) on a fresh team; every event any device made."""
    team = make_team(size, [0, 5_000, -7_000, 120])
    planner = team[0]
    planner.record(drafts.audit_planned(sample_plan()))
    for member in team[1:]:
        member.receive(list(planner.known.values()))
    for device_index, *op in ops:
        apply_op(team[device_index % size], (op[0], op[1], op[2], op[3]), team)
    out: dict[str, DomainEvent] = {}
    for device in team:
        out.update(device.known)
    return list(out.values())
