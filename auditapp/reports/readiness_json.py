"""Readiness as JSON and back: what `auditapp readiness --json` prints and the central store sends."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from auditapp.domain.errors import ValidationError
from auditapp.domain.practice import ClausePractice
from auditapp.domain.readiness import (
    CapaSummary,
    CoverageGrid,
    Loop,
    ProcessState,
    ProcessStatus,
    Readiness,
    Reason,
    Verdict,
)


def readiness_to_dict(r: Readiness) -> dict[str, Any]:
    """Plain JSON values; lights and labels included so a reader needs no rules of its own."""
    return {
        "organisation": r.organisation,
        "site": r.site,
        "as_of": r.as_of.isoformat(),
        "verdict": r.verdict.value,
        "verdict_label": r.verdict.label,
        "reasons": [{"blocks_stage": x.blocks, "topic": x.topic, "text": x.text} for x in r.reasons],
        "processes": [
            {
                "key": p.key,
                "name": p.name,
                "state": p.state.value,
                "light": p.light.value,
                "latest": p.latest.isoformat() if p.latest else None,
                "runs": p.runs,
                "simulated_runs": p.simulated_runs,
                "documents": p.documents,
                "explanation": p.explanation,
            }
            for p in r.processes
        ],
        "coverage": {
            "months": list(r.grid.months),
            "rows": list(r.grid.rows),
            "cells": [list(row) for row in r.grid.cells],
            "uncovered": list(r.grid.uncovered),
            "excluded": list(r.grid.excluded),
        },
        "capas": {
            "opened": r.capas.opened,
            "closed": r.capas.closed,
            "verified": r.capas.verified,
            "open": list(r.capas.open_ids),
            "closed_unverified": list(r.capas.unverified_ids),
            "findings_without_capa": list(r.capas.findings_without_capa),
            "loops": [
                {"ref": x.ref, "kind": x.kind, "name": x.name, "problem": x.problem, "blocks_stage": x.blocks}
                for x in r.capas.loops
            ],
        },
        "gaps": [
            {
                "clause": g.clause,
                "documents": list(g.documents),
                "records": g.records,
                "records_failed": g.records_failed,
                "interviews": g.interviews,
                "observations": g.observations,
                "nonconforming_answers": g.nonconforming_answers,
                "findings": list(g.findings),
                "verdict": g.verdict.value,
            }
            for g in r.gaps
        ],
        "audits": list(r.audits),
    }


def readiness_from_dict(data: Mapping[str, Any]) -> Readiness:
    """Rebuild a Readiness from `readiness_to_dict`; a malformed value is a ValidationError. JSON written
    before readiness named its organisation reads with none ('')."""
    try:
        grid = data["coverage"]
        capas = data["capas"]
        return Readiness(
            site=str(data["site"]),
            as_of=dt.date.fromisoformat(data["as_of"]),
            verdict=Verdict(data["verdict"]),
            reasons=tuple(Reason(int(x["blocks_stage"]), x["topic"], x["text"]) for x in data["reasons"]),
            processes=tuple(
                ProcessStatus(
                    p["key"],
                    p["name"],
                    ProcessState(p["state"]),
                    dt.date.fromisoformat(p["latest"]) if p.get("latest") else None,
                    int(p["runs"]),
                    int(p["simulated_runs"]),
                    int(p["documents"]),
                    p["explanation"],
                )
                for p in data["processes"]
            ),
            grid=CoverageGrid(
                tuple(grid["months"]),
                tuple(grid["rows"]),
                tuple(tuple(int(v) for v in row) for row in grid["cells"]),
                tuple(grid["uncovered"]),
                tuple(grid.get("excluded", ())),
            ),
            capas=CapaSummary(
                int(capas["opened"]),
                int(capas["closed"]),
                int(capas["verified"]),
                tuple(capas["open"]),
                tuple(capas["closed_unverified"]),
                tuple(capas["findings_without_capa"]),
                _loops(capas),
            ),
            gaps=tuple(
                ClausePractice(
                    g["clause"],
                    list(g["documents"]),
                    int(g["records"]),
                    int(g["records_failed"]),
                    int(g["interviews"]),
                    int(g["observations"]),
                    int(g["nonconforming_answers"]),
                    list(g["findings"]),
                )
                for g in data["gaps"]
            ),
            audits=tuple(data.get("audits", ())),
            organisation=str(data.get("organisation") or ""),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValidationError(f"the readiness data is malformed: {exc}") from None


def _loops(capas: Mapping[str, Any]) -> tuple[Loop, ...]:
    """The loops not closed; from a store that sends only their ids, named by those ids."""
    if "loops" in capas:
        return tuple(
            Loop(x["ref"], x["kind"], x["name"], x["problem"], int(x["blocks_stage"])) for x in capas["loops"]
        )
    loops = [Loop(x, "capa", f"CAPA {x}", "is still open") for x in capas["open"]]
    loops += [
        Loop(x, "capa", f"CAPA {x}", "was closed without verified effectiveness")
        for x in capas["closed_unverified"]
    ]
    loops += [Loop(x, "finding", f"nonconformity {x}", "has no CAPA") for x in capas["findings_without_capa"]]
    return tuple(loops)
