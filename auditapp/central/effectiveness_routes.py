"""Effectiveness checks API: plan a check on a CAPA, record a desk result, list checks across CAPAs."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy import Select, String, cast, select

from auditapp.central import capa_checks
from auditapp.central.capa_models import CapaDetail, CheckOut, CheckResultRequest, NewCheck
from auditapp.central.capa_records import get_capa, refresh
from auditapp.central.capa_tables import CapaRow, EffectivenessCheckRow
from auditapp.central.capa_views import capa_detail, check_out, tasks_by_check
from auditapp.central.cursor_types import check_cursor
from auditapp.central.deps import CapaManager, Db, Reader
from auditapp.central.effectiveness_tasks import evaluate_windows
from auditapp.central.effectiveness_tick import evaluate_now
from auditapp.central.paging import Page, PageQuery, SortKey, keyset_page
from auditapp.domain.capa import CheckMethod, CheckResult

router = APIRouter(tags=["effectiveness checks"])

CapaId = Annotated[str, Path(min_length=1, max_length=64)]
CheckId = Annotated[str, Path(min_length=1, max_length=64)]


@router.post("/api/capas/{capa_id}/effectiveness", status_code=201)
def plan_check(capa_id: CapaId, body: NewCheck, s: Db, user: CapaManager) -> CapaDetail:
    """Plan an effectiveness check: criterion, method (field_reverification, record_review, metric), window.
    A field check whose window is already open queues its re-verification tasks at once."""
    row = get_capa(s, capa_id, lock=True)
    capa_checks.plan_check(
        s, user, row, body.criterion, body.method.value, body.window_start, body.window_end
    )
    evaluate_windows(s, capa_id=row.id)
    return capa_detail(s, refresh(s, row, touched=False))


@router.post("/api/capas/{capa_id}/effectiveness/{check_id}/result")
def record_result(
    capa_id: CapaId, check_id: CheckId, body: CheckResultRequest, s: Db, user: CapaManager
) -> CapaDetail:
    """Record a check's result at the desk (record review, metric, or a field check decided by hand);
    `failed` reopens the CAPA."""
    row = get_capa(s, capa_id, lock=True)
    check = capa_checks.get_check(s, row, check_id, lock=True)
    bundle = capa_checks.record_result(s, user, row, check, body.result, body.comment, body.evidence)
    return capa_detail(s, bundle)


@router.get("/api/effectiveness-checks", dependencies=[Depends(evaluate_now)])
def list_checks(
    s: Db,
    _user: Reader,
    page: PageQuery,
    result: CheckResult | None = None,
    method: CheckMethod | None = None,
    capa_id: Annotated[str | None, Query(max_length=64)] = None,
    open_on: Annotated[date | None, Query(description="only checks whose window contains this date")] = None,
) -> Page[CheckOut]:
    """Effectiveness checks across CAPAs, by window end (soonest first), with their field tasks."""
    check_cursor(page, [str, str])
    query: Select[*tuple[Any, ...]] = select(EffectivenessCheckRow, CapaRow.title, CapaRow.round).join(
        CapaRow, CapaRow.id == EffectivenessCheckRow.capa_id
    )
    if result is not None:
        query = query.where(EffectivenessCheckRow.result == result.value)
    if method is not None:
        query = query.where(EffectivenessCheckRow.method == method.value)
    if capa_id is not None:
        query = query.where(EffectivenessCheckRow.capa_id == capa_id)
    if open_on is not None:
        query = query.where(
            EffectivenessCheckRow.window_start <= open_on, EffectivenessCheckRow.window_end >= open_on
        )
    listed = keyset_page(
        s,
        query,
        # The date as ISO text: the same order, and a cursor value both databases compare alike.
        [SortKey(cast(EffectivenessCheckRow.window_end, String(10))), SortKey(EffectivenessCheckRow.id)],
        page,
        key_of=lambda row: [row[0].window_end.isoformat(), row[0].id],
        item=lambda row: row,
    )
    tasks = tasks_by_check(s, [row[0].id for row in listed.items])
    items = [check_out(check, tasks[check.id], current, title) for check, title, current in listed.items]
    return Page[CheckOut](items=items, next_cursor=listed.next_cursor)
