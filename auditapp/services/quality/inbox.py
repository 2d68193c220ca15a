"""The triage inbox: filters, sort and paging over the store's findings, rows ready to show."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from auditapp.domain.errors import ValidationError
from auditapp.services.quality import timefmt
from auditapp.services.quality.errors import CentralApiError
from auditapp.services.quality.finding_view import load_photos
from auditapp.services.quality.labels import GRADE_LABEL, SORT_LABEL, STATUS_LABEL, label
from auditapp.services.quality.port import Json, QualityApi

PAGE_SIZE = 25


@dataclass(frozen=True)
class InboxFilters:
    """What the user chose in the filter bar (empty means "any")."""

    status: str = "new"
    grade: str = ""
    clause: str = ""
    process: str = ""
    site: str = ""
    audit_id: str = ""
    older_than_days: str = ""
    repeat_only: bool = False
    sort: str = "newest"

    def query(self) -> dict[str, str]:
        """The query of GET /api/findings; ValidationError names a filter the store would refuse."""
        days = self.older_than_days.strip()
        if days and (not days.isdigit() or int(days) > 36500):
            raise ValidationError("enter a whole number of days (or leave it empty)", "Older than (days)")
        if self.grade and self.grade not in GRADE_LABEL:
            raise ValidationError(f"choose one of: {', '.join(GRADE_LABEL.values())}", "Grade")
        if self.status and self.status not in STATUS_LABEL:
            raise ValidationError(f"choose one of: {', '.join(STATUS_LABEL.values())}", "Status")
        if self.sort not in SORT_LABEL:
            raise ValidationError(f"choose one of: {', '.join(SORT_LABEL.values())}", "Sort")
        query = {
            "status": self.status,
            "grade": self.grade,
            "clause": self.clause.strip(),
            "process": self.process.strip(),
            "site": self.site.strip(),
            "audit_id": self.audit_id.strip(),
            "older_than_days": days,
            "sort": self.sort,
        }
        if self.repeat_only:
            query["repeat"] = "true"
        return {k: v for k, v in query.items() if v}


@dataclass(frozen=True)
class FindingRow:
    """One finding in the inbox."""

    finding_id: str
    grade: str
    clause: str
    process: str
    site: str
    audit_id: str
    audit_title: str
    statement: str
    status: str
    age_days: int | None
    repeat: bool = False
    capa_id: str | None = None
    duplicate_of: str | None = None
    conflicts: int = 0
    thumbnails: tuple[str, ...] = ()

    @property
    def grade_label(self) -> str:
        """The grade in words."""
        return label(GRADE_LABEL, self.grade)

    @property
    def status_label(self) -> str:
        """The status in words."""
        return label(STATUS_LABEL, self.status)

    @property
    def age(self) -> str:
        """Age since the finding was raised, in words."""
        return timefmt.age_text(self.age_days)

    @property
    def where(self) -> str:
        """Clause, process, site, audit and age on one line."""
        age = "raised today" if self.age_days == 0 else (f"raised {self.age} ago" if self.age else "")
        parts = (
            f"Clause {self.clause}",
            self.process or "no process",
            self.site or "no site",
            self.audit_title,
            age,
        )
        return " · ".join(p for p in parts if p)

    @property
    def short_statement(self) -> str:
        """The statement cut to one line."""
        return self.statement if len(self.statement) <= 90 else self.statement[:87] + "…"


@dataclass(frozen=True)
class InboxPage:
    """Rows of one page and the cursor of the next (None on the last page)."""

    rows: list[FindingRow] = field(default_factory=list)
    next_cursor: str | None = None


def row_from(item: Json, now: dt.datetime) -> FindingRow:
    """A row from the store's finding summary (or detail)."""
    thumbnails = item.get("thumbnails")
    if thumbnails is None:
        thumbnails = [e.get("sha256") for e in item.get("evidence") or [] if e.get("kind") == "photo"]
    return FindingRow(
        finding_id=str(item["id"]),
        grade=str(item.get("grade") or ""),
        clause=str(item.get("clause") or ""),
        process=str(item.get("process") or ""),
        site=str(item.get("site") or ""),
        audit_id=str(item.get("audit_id") or ""),
        audit_title=str(item.get("audit_title") or ""),
        statement=str(item.get("statement") or ""),
        status=str(item.get("status") or ""),
        age_days=timefmt.age_days(item.get("raised_at") or item.get("received_at"), now),
        repeat=bool(item.get("repeat")),
        capa_id=item.get("capa_id"),
        duplicate_of=item.get("duplicate_of"),
        conflicts=len(item.get("conflicts") or []),
        thumbnails=tuple(str(t) for t in thumbnails if t),
    )


def load_page(
    api: QualityApi,
    filters: InboxFilters,
    cursor: str | None = None,
    now: dt.datetime | None = None,
    limit: int = PAGE_SIZE,
) -> InboxPage:
    """One page of the inbox."""
    page = api.findings(filters.query(), cursor, limit)
    moment = now or dt.datetime.now(dt.UTC)
    return InboxPage([row_from(item, moment) for item in page.items], page.next_cursor)


def thumbnails(
    api: QualityApi, rows: Sequence[FindingRow], per_finding: int = 3
) -> dict[str, list[bytes | None]]:
    """Up to `per_finding` photo thumbnails of each row (image bytes), fetched after the rows are shown.

    The photos of the rows that do not carry their own are asked for in one call for the whole page. Each
    thumbnail is fetched on its own: one whose photo has not reached the store yet is None (shown as "not
    received yet"), and the others still come.
    """
    missing = [row.finding_id for row in rows if not row.thumbnails]
    photos = _photo_hashes(api, missing) if missing else {}
    images: dict[str, list[bytes | None]] = {}
    for row in rows:
        hashes = list(row.thumbnails) or photos.get(row.finding_id, [])
        if hashes:
            images[row.finding_id] = load_photos(api, hashes[:per_finding], thumbnail=True)
    return images


def _photo_hashes(api: QualityApi, finding_ids: Sequence[str]) -> dict[str, list[str]]:
    try:
        photos = api.finding_photos(finding_ids)
    except CentralApiError as exc:
        if exc.status != 404 or exc.code != "unknown_finding" or "'photos'" not in exc.message:
            raise
        # A store older than the call for a page's photos reads "photos" as a finding id: ask each finding.
        photos = {i: list(api.finding(i).get("evidence") or []) for i in finding_ids}
    return {
        finding_id: [str(e["sha256"]) for e in evidence if e.get("kind") == "photo" and e.get("sha256")]
        for finding_id, evidence in photos.items()
    }
