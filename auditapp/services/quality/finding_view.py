"""A finding's detail as the quality app shows it: header, triage record and every piece of evidence."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from auditapp.services.quality import timefmt
from auditapp.services.quality.errors import CentralApiError
from auditapp.services.quality.labels import DECISION_LABEL, GRADE_LABEL, METHOD_LABEL, STATUS_LABEL, label
from auditapp.services.quality.port import Json, QualityApi


@dataclass(frozen=True)
class PhotoView:
    """A photo: its hash (to fetch it), caption, capture time and size in pixels (None when not known)."""

    sha256: str
    caption: str
    captured: str
    size: str
    width: int | None = None
    height: int | None = None

    def fitted(self, max_width: float, max_height: float) -> tuple[int, int]:
        """The largest size, up to the photo's own, that fits the space: it is never enlarged past its
        pixels, and keeps its proportions. A photo of unknown size gets the whole space (shown contained)."""
        room_w, room_h = max(1, int(max_width)), max(1, int(max_height))
        if not self.width or not self.height:
            return room_w, room_h
        scale = min(1.0, room_w / self.width, room_h / self.height)
        return max(1, round(self.width * scale)), max(1, round(self.height * scale))

    @property
    def details(self) -> str:
        """Capture time and size on one line."""
        return f"{self.captured or 'capture time unknown'} · {self.size}"

    def shown_at(self, width: int) -> str:
        """The details, and how a photo shown `width` pixels wide compares with its own size, in words."""
        if not self.width:
            return f"{self.details} · fitted to the window (its own size is not known)"
        if width >= self.width:
            return f"{self.details} · shown at actual size"
        return f"{self.details} · shown at {round(100 * width / self.width)} % of actual size"


@dataclass(frozen=True)
class InterviewView:
    """Who was asked what and what they answered."""

    person: str
    role: str
    question: str
    answer: str


@dataclass(frozen=True)
class DocumentView:
    """A document reviewed: the procedure on paper."""

    document_id: str
    revision: str
    title: str


@dataclass(frozen=True)
class RecordView:
    """One sampled record and what it showed."""

    identifier: str
    record_type: str
    record_date: str
    conforms: bool
    comment: str


@dataclass(frozen=True)
class SampleView:
    """A sample with the method that makes it reproducible, and the records checked in it."""

    sample_id: str
    population: str
    population_size: int
    sample_size: int
    method: str
    seed: str
    selected: tuple[str, ...]
    records: tuple[RecordView, ...] = ()

    @property
    def how_drawn(self) -> str:
        """Method with its seed, start or reason, in words."""
        return f"{label(METHOD_LABEL, self.method)}{f' ({self.seed})' if self.seed else ''}"


@dataclass(frozen=True)
class FindingView:
    """Everything the detail screen shows."""

    finding_id: str
    grade: str
    clause: str
    process: str
    site: str
    audit_title: str
    statement: str
    requirement: str
    status: str
    raised: str
    age: str
    repeat: bool
    n19_grade: int | None
    duplicate_of: str | None
    capa_id: str | None
    capa_title: str
    decision: str
    decision_note: str
    triaged_by: str
    triaged_at: str
    conflicts: tuple[str, ...]
    photos: tuple[PhotoView, ...] = ()
    interviews: tuple[InterviewView, ...] = ()
    documents: tuple[DocumentView, ...] = ()
    notes: tuple[str, ...] = ()
    samples: tuple[SampleView, ...] = field(default=())

    @property
    def grade_label(self) -> str:
        """The grade in words."""
        return label(GRADE_LABEL, self.grade)

    @property
    def status_label(self) -> str:
        """The status in words."""
        return label(STATUS_LABEL, self.status)

    @property
    def decision_label(self) -> str:
        """The triage decision in words ("" before triage)."""
        return label(DECISION_LABEL, self.decision) if self.decision else ""

    @property
    def awaiting_triage(self) -> bool:
        """Whether a triage decision is still due."""
        return self.status == "new"

    @property
    def evidence_count(self) -> int:
        """Pieces of evidence shown."""
        return (
            len(self.photos)
            + len(self.interviews)
            + len(self.documents)
            + len(self.notes)
            + len(self.samples)
        )


def _pixels(value: object) -> int | None:
    """A width or height in pixels as the store sends it, or None when it is missing or not a size."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        pixels = int(value)
    except ValueError:
        return None
    return pixels if pixels > 0 else None


def _seed(item: Json) -> str:
    if item.get("seed"):
        return f"seed {item['seed']}"
    if item.get("start") is not None:
        return f"start {item['start']}"
    return str(item.get("reason") or "")


def evidence_views(items: Sequence[Json]) -> dict[str, tuple[object, ...]]:
    """Evidence objects grouped by kind, samples with their records attached, in recorded order."""
    photos: list[PhotoView] = []
    interviews: list[InterviewView] = []
    documents: list[DocumentView] = []
    notes: list[str] = []
    samples: dict[str, Json] = {}
    records: dict[str, list[RecordView]] = {}
    for item in items:
        kind = item.get("kind")
        if kind == "photo":
            width, height = _pixels(item.get("width")), _pixels(item.get("height"))
            photos.append(
                PhotoView(
                    str(item["sha256"]),
                    str(item.get("caption") or ""),
                    timefmt.local(item.get("captured_at")) or str(item.get("captured_at") or ""),
                    f"{width or '?'} × {height or '?'} px",
                    width,
                    height,
                )
            )
        elif kind == "interview":
            interviews.append(
                InterviewView(
                    str(item.get("person") or ""),
                    str(item.get("role") or ""),
                    str(item.get("question") or ""),
                    str(item.get("answer") or ""),
                )
            )
        elif kind in ("document", "document_reviewed"):
            documents.append(
                DocumentView(
                    str(item.get("document_id") or ""),
                    str(item.get("revision") or ""),
                    str(item.get("title") or ""),
                )
            )
        elif kind == "note":
            notes.append(str(item.get("text") or ""))
        elif kind == "sample":
            samples[str(item["id"])] = item
        elif kind == "sampled_record":
            records.setdefault(str(item.get("sample_id") or ""), []).append(
                RecordView(
                    str(item.get("identifier") or ""),
                    str(item.get("record_type") or ""),
                    str(item.get("record_date") or ""),
                    bool(item.get("conforms")),
                    str(item.get("comment") or ""),
                )
            )
    sample_views = [
        SampleView(
            sample_id,
            str(s.get("population_description") or ""),
            int(s.get("population_size") or 0),
            int(s.get("sample_size") or 0),
            str(s.get("method") or ""),
            _seed(s),
            tuple(str(i) for i in s.get("selected_ids") or []),
            tuple(records.pop(sample_id, [])),
        )
        for sample_id, s in samples.items()
    ]
    # Records of a sample that is not itself in the list still show, under an unknown sample.
    for sample_id, orphans in records.items():
        sample_views.append(SampleView(sample_id, "(sample not shown)", 0, 0, "", "", (), tuple(orphans)))
    return {
        "photos": tuple(photos),
        "interviews": tuple(interviews),
        "documents": tuple(documents),
        "notes": tuple(notes),
        "samples": tuple(sample_views),
    }


def finding_view(item: Json, now: dt.datetime | None = None) -> FindingView:
    """The view of a finding from the store's detail object."""
    moment = now or dt.datetime.now(dt.UTC)
    capa = item.get("capa") or {}
    seen: set[str] = set()
    evidence: list[Json] = []
    for e in [*(item.get("evidence") or []), *(item.get("item_evidence") or [])]:
        key = str(e.get("id"))
        if key not in seen:
            seen.add(key)
            evidence.append(e)
    grouped = evidence_views(evidence)
    return FindingView(
        finding_id=str(item["id"]),
        grade=str(item.get("grade") or ""),
        clause=str(item.get("clause") or ""),
        process=str(item.get("process") or ""),
        site=str(item.get("site") or ""),
        audit_title=str(item.get("audit_title") or item.get("audit_id") or ""),
        statement=str(item.get("statement") or ""),
        requirement=str(item.get("requirement") or ""),
        status=str(item.get("status") or ""),
        raised=timefmt.local(item.get("raised_at") or item.get("received_at")),
        age=timefmt.age_text(timefmt.age_days(item.get("raised_at") or item.get("received_at"), moment)),
        repeat=bool(item.get("repeat")),
        n19_grade=item.get("n19_grade"),
        duplicate_of=item.get("duplicate_of"),
        capa_id=item.get("capa_id") or capa.get("id"),
        capa_title=str(capa.get("title") or ""),
        decision=str(item.get("decision") or ""),
        decision_note=str(item.get("decision_note") or ""),
        triaged_by=str(item.get("triaged_by") or ""),
        triaged_at=timefmt.local(item.get("triaged_at")),
        conflicts=tuple(str(c) for c in item.get("conflicts") or []),
        **grouped,  # type: ignore[arg-type]
    )


def load_finding(api: QualityApi, finding_id: str) -> FindingView:
    """A finding's detail."""
    return finding_view(api.finding(finding_id))


NOT_RECEIVED = "Photo not received yet: it arrives when the auditor's tablet syncs"
"""Shown in place of a photo the finding names whose image has not reached the store yet."""


def load_photo(api: QualityApi, sha256: str, thumbnail: bool = False) -> bytes | None:
    """A photo's bytes, or None when the store has not received it yet (404 `photo_not_received`).

    Photos travel after their findings, so a missing one is normal and must not hide the others; any other
    failure (store unreachable, sign-in expired) is raised."""
    try:
        return api.photo(sha256, thumbnail)
    except CentralApiError as exc:
        if exc.status == 404 and exc.code == "photo_not_received":
            return None
        raise


def load_photos(api: QualityApi, shas: Sequence[str], thumbnail: bool = False) -> list[bytes | None]:
    """Each photo fetched on its own, in order: None for one not received yet, the others' bytes."""
    return [load_photo(api, sha, thumbnail) for sha in shas]
