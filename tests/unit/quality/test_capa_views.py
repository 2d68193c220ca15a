"""CAPAs on the board and in detail, the forms of each section, the closure checklist, the dashboard."""

from __future__ import annotations

import datetime as dt

import pytest

from auditapp.domain.capa_gates import GATE_CODES
from auditapp.services.quality import capa_views, capa_work, dashboard, effectiveness, trail_view
from auditapp.services.quality.session import Done, Failed, QualitySession
from tests.unit.quality.fakes import FakeStore

NOW = dt.datetime(2026, 12, 10, 9, 0, tzinfo=dt.UTC)


def _capa(capa_id: str = "c1", **extra: object) -> dict[str, object]:
    return {
        "id": capa_id,
        "title": "Gowning records not signed",
        "stage": "action",
        "owner": "quinn",
        "round": 0,
        "created_at": "2026-11-20T10:00:00+00:00",
        "problem_statement": "Pages left unsigned",
        "root_cause": {"method": "five_whys", "result": "Sign-off at shift end"},
        "actions": [
            {
                "id": "a1",
                "kind": "corrective",
                "description": "Move sign-off",
                "owner": "quinn",
                "due_date": "2026-12-01",
                "status": "planned",
            },
            {
                "id": "a2",
                "kind": "preventive",
                "description": "Audit logs",
                "owner": "owen",
                "due_date": "2026-12-20",
                "status": "in_progress",
            },
        ],
        "effectiveness_checks": [],
        "source_findings": [],
        "reopenings": [],
        "missing": [
            {
                "code": "action_implemented",
                "ref": "a1",
                "message": "action 'Move sign-off' is not implemented yet",
            },
            {
                "code": "verification",
                "ref": None,
                "message": "verify that the actions do not adversely affect",
            },
        ],
        "ready_to_close": False,
        "content_sha256": "ab" * 32,
        "signatures": [],
        **extra,
    }


@pytest.mark.req("QAP-030")
def test_board_cards_carry_owner_next_due_date_and_overdue_mark(
    session: QualitySession, store: FakeStore
) -> None:
    store.capas = {"c1": _capa(), "c2": _capa("c2", stage="open", actions=[], owner="")}
    board = session.attempt(lambda api: capa_views.load_board(api, now=NOW))
    assert isinstance(board, Done)
    assert "closed" not in board.value.columns
    [card] = board.value.columns["action"]
    assert (card.owner, card.due_text, card.overdue) == ("quinn", "due 2026-12-01", True)
    [fresh] = board.value.columns["open"]
    assert (fresh.due, fresh.overdue) == (None, False)
    assert board.value.count == 2


@pytest.mark.req("QAP-032")
def test_the_closure_checklist_lists_every_gate_and_what_is_missing() -> None:
    view = capa_views.capa_view(_capa(), NOW)
    assert [g.code for g in view.gates] == list(GATE_CODES)
    missing = {g.code: g.missing or g.waits_for for g in view.gates if not g.met}
    assert missing == {
        "action_implemented": ("action 'Move sign-off' is not implemented yet",),
        "verification": ("verify that the actions do not adversely affect",),
        # What the verification found waits for the verification: not ticked while there is none, and
        # the verification's own line is the one that says what is missing.
        "verification_adverse": "waits for: 8.5.2 e verification recorded",
    }
    assert view.root_cause_method_label == "5 whys"
    assert [a.overdue(NOW.date()) for a in view.actions] == [True, False]


@pytest.mark.req("QAP-031")
@pytest.mark.parametrize(
    ("section", "values", "says"),
    [
        ("root-cause", {"method": "guess", "result": "x"}, "Method: choose one of: 5 whys, Fishbone, Other"),
        ("root-cause", {"method": "fishbone", "result": " "}, "Root cause: fill it in"),
        ("containment", {}, "Containment: say what was contained or corrected"),
        ("verification", {"compliance_unaffected": "yes"}, "How this was verified: fill it in"),
        (
            "document-update",
            {"justification": "none"},
            "Why no document changes: give at least 10 characters",
        ),
    ],
)
def test_a_section_form_names_what_to_fix_and_sends_nothing(
    session: QualitySession, store: FakeStore, section: str, values: dict[str, str], says: str
) -> None:
    store.capas = {"c1": _capa()}
    outcome = session.attempt(lambda api: capa_work.record_section(api, "c1", section, values))
    assert isinstance(outcome, Failed)
    assert outcome.message.startswith(says)
    assert store.calls == []


@pytest.mark.req("QAP-031")
def test_actions_are_planned_and_implemented_with_their_evidence(
    session: QualitySession, store: FakeStore
) -> None:
    store.capas = {"c1": _capa(actions=[])}
    bad_date = session.attempt(
        lambda api: capa_work.add_action(
            api, "c1", {"kind": "corrective", "description": "Move", "due_date": "soon"}
        )
    )
    assert isinstance(bad_date, Failed)
    assert bad_date.message.startswith("Due date: 'soon' is not a date")
    added = session.attempt(
        lambda api: capa_work.add_action(
            api,
            "c1",
            {
                "kind": "corrective",
                "description": " Move sign-off ",
                "owner": "quinn",
                "due_date": "2026-12-15",
            },
        )
    )
    assert isinstance(added, Done)
    [action] = added.value.actions
    assert (action.description, action.due) == ("Move sign-off", dt.date(2026, 12, 15))

    no_evidence = session.attempt(
        lambda api: capa_work.update_action(api, "c1", "a1", {"status": "implemented"})
    )
    assert isinstance(no_evidence, Failed)
    assert no_evidence.message.startswith("Evidence of implementation:")
    half_document = {
        "status": "implemented",
        "evidence": "Checklist in use",
        "document_id": "SOP-007",
        "document_revision": "",
    }
    assert session.attempt(lambda api: capa_work.update_action(api, "c1", "a1", half_document)) == Failed(
        "New revision: a changed document needs both its id and its new revision", "invalid"
    )
    done = dict(half_document, document_revision="E", communication_record="TR-2291")
    implemented = session.attempt(lambda api: capa_work.update_action(api, "c1", "a1", done))
    assert isinstance(implemented, Done)
    assert implemented.value.actions[0].status == "implemented"


@pytest.mark.req("QAP-040")
def test_checks_need_a_window_that_closes_after_it_opens(session: QualitySession, store: FakeStore) -> None:
    store.capas = {"c1": _capa()}
    values = {
        "criterion": "Every page signed",
        "method": "field_reverification",
        "window_start": "2026-12-10",
        "window_end": "2026-12-01",
    }
    backwards = session.attempt(lambda api: capa_work.plan_check(api, "c1", values))
    assert isinstance(backwards, Failed)
    assert backwards.message.startswith("Window closes: the window closes (2026-12-01) before it opens")
    planned = session.attempt(
        lambda api: capa_work.plan_check(api, "c1", dict(values, window_end="2027-01-10"))
    )
    assert isinstance(planned, Done)
    [check] = planned.value.checks
    assert (check.method_label, check.window, check.state(dt.date(2026, 12, 20))) == (
        "Field re-verification",
        "2026-12-10 – 2027-01-10",
        "open",
    )


@pytest.mark.req("QAP-033")
def test_signing_sends_the_password_meaning_zone_and_the_reviewed_content(
    session: QualitySession, store: FakeStore
) -> None:
    store.capas = {"c1": _capa()}
    assert isinstance(session.attempt(lambda api: capa_work.sign_closure(api, "c1", "")), Failed)
    refused = session.attempt(lambda api: capa_work.sign_closure(api, "c1", "quality-pass-1", "ab" * 32, NOW))
    assert isinstance(refused, Failed)
    assert refused.message == (
        "Closing is refused. Still missing: action 'Move sign-off' is not implemented yet; "
        "verify that the actions do not adversely affect"
    )
    [(name, (capa_id, meaning, zone, local, reviewed))] = store.calls
    assert (name, capa_id, meaning, reviewed) == ("sign_closure", "c1", "approved closure", "ab" * 32)
    assert zone[0] in "+-"
    assert zone[3] == ":"
    assert local.startswith("2026-12-10")
    store.capas["c1"]["missing"] = []
    signed = session.attempt(lambda api: capa_work.sign_closure(api, "c1", "quality-pass-1", "ab" * 32, NOW))
    assert isinstance(signed, Done)
    assert signed.value.is_closed


@pytest.mark.req("QAP-033")
def test_a_signature_shows_printed_name_meaning_and_both_times() -> None:
    view = capa_views.capa_view(
        _capa(
            stage="closed",
            signatures=[
                {
                    "printed_name": "Quinn Quality",
                    "username": "quinn",
                    "meaning": "approved closure",
                    "signed_at": "2026-12-10T08:00:00+00:00",
                    "signer_local_time": "2026-12-10 09:00:00",
                    "signer_timezone": "+01:00",
                    "matches_current_content": True,
                }
            ],
        )
    )
    [sig] = view.signatures
    assert (sig.printed_name, sig.meaning, sig.signed_utc, sig.signed_local) == (
        "Quinn Quality",
        "approved closure",
        "2026-12-10 08:00:00 UTC",
        "2026-12-10 09:00:00 (+01:00)",
    )


@pytest.mark.req("QAP-034")
def test_trail_entries_read_as_who_when_and_old_to_new() -> None:
    [line] = trail_view.trail_lines(
        [
            {
                "seq": 7,
                "at": "2026-12-01T10:00:00+00:00",
                "actor": "quinn",
                "action": "recorded root-cause",
                "changes": {"root_cause_result": ["", "Sign-off at shift end"], "title": ["x", "x"]},
            }
        ]
    )
    assert (line.actor, line.action, line.changes) == (
        "quinn",
        "recorded root-cause",
        "root cause result: — -> Sign-off at shift end",
    )
    # Values in words: no Python lists, dicts or True/False in the trail.
    assert trail_view.changes_text(
        {
            "verification_compliance": [None, False],
            "finding_ids": [None, ["f-1", "f-2"]],
            "evidence": [None, {"check_id": "k1", "event_id": None, "comment": "Seen on the line"}],
        }
    ) == (
        "verification compliance: — -> no; finding ids: — -> f-1, f-2; "
        "evidence: — -> check id k1, comment Seen on the line"
    )
    assert trail_view.task_line({"site": "Plant 1", "device_count": 2, "result": None}) == (
        "Field task at Plant 1: sent to 2 tablet(s), waiting for an auditor's result"
    )


@pytest.mark.req("QAP-040")
def test_the_calendar_groups_checks_by_month_and_lists_reopened_capas(
    session: QualitySession, store: FakeStore
) -> None:
    store.checks = [
        {
            "id": "k2",
            "capa_id": "c1",
            "capa_title": "B",
            "criterion": "x",
            "method": "metric",
            "window_start": "2027-01-05",
            "window_end": "2027-01-30",
            "result": "pending",
        },
        {
            "id": "k1",
            "capa_id": "c1",
            "capa_title": "A",
            "criterion": "y",
            "method": "field_reverification",
            "window_start": "2026-12-01",
            "window_end": "2026-12-31",
            "result": "passed",
        },
        {  # planned in the round before the CAPA was reopened: no result will ever be asked for
            "id": "k0",
            "capa_id": "c1",
            "capa_title": "A",
            "criterion": "z",
            "method": "record_review",
            "window_start": "2026-11-01",
            "window_end": "2026-11-30",
            "result": "pending",
            "current": False,
        },
    ]
    store.capas = {
        "c1": _capa(
            round=1,
            reopenings=[
                {
                    "at": "2026-12-05T10:00:00Z",
                    "reason": "check_failed",
                    "actor": "system",
                    "comment": "still unsigned",
                }
            ],
        )
    }
    calendar = session.attempt(
        lambda api: effectiveness.load_calendar(api, effectiveness.CalendarFilters(), dt.date(2026, 12, 20))
    )
    assert isinstance(calendar, Done)
    assert [(m.title, [c.check_id for c in m.checks]) for m in calendar.value.months] == [
        ("November 2026", ["k0"]),
        ("December 2026", ["k1"]),
        ("January 2027", ["k2"]),
    ]
    assert calendar.value.counts == {"passed": 1, "upcoming": 1, "superseded": 1}  # not "overdue"
    [reopened] = calendar.value.reopened
    assert [(r.reason, r.comment) for r in reopened.reopenings] == [("check_failed", "still unsigned")]
    with pytest.raises(Exception, match=r"^Window includes: tomorrow is not a date"):
        effectiveness.CalendarFilters(open_on="tomorrow").query()


@pytest.mark.req("QAP-050")
def test_the_dashboard_shapes_every_metric_as_a_chart_with_its_words() -> None:
    board = dashboard.dashboard_from(
        {
            "as_of": "2026-12-10T09:00:00+00:00",
            "open_capas_by_stage": {"open": 1, "action": 2},
            "open_capas": 3,
            "overdue_actions": 1,
            "capa_age": {"0-30 days": 2, "31-60 days": 1},
            "effectiveness_passed": 5,
            "effectiveness_failed": 1,
            "effectiveness_pass_rate": 5 / 6,
            "repeat_findings_by_clause": {"7.5.1": 2, "6.2": 3},
            "repeat_findings_by_process": {"Production": 4},
            "findings_per_audit_by_grade": {"major_nc": 0.5, "minor_nc": 1.0},
            "recent_audits": [
                {"audit_id": "a1", "title": "Cleanroom walk", "site": "Plant 1", "grades": {"minor_nc": 2}}
            ],
        }
    )
    assert board.stages.spoken.startswith("Open CAPAs by stage: Open 1, Investigation 0, Action 2")
    assert board.pass_rate_text == "83 %"
    assert [name for name, _ in board.repeats_by_clause.bars] == ["6.2", "7.5.1"]
    assert board.per_audit_by_grade.spoken.startswith(
        "Findings per audit, by grade (average): Major nonconformity 0.5, Minor nonconformity 1"
    )
    assert board.audits_spoken == "Findings per audit: Cleanroom walk: Minor nonconformity 2"
    empty = dashboard.dashboard_from({})
    assert (empty.pass_rate_text, empty.repeats_by_clause.spoken) == (
        "no result yet",
        "Repeat findings by clause: No repeat finding.",
    )
