"""Reporting use cases: gather an audit (or a site's audits) into what the report and readiness need.

The same dossier is built on the tablet (from the local store, offline) and at the central store (from the
events it holds), so `auditapp.reports` renders one thing the same way in both places.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, runtime_checkable

from auditapp.domain.errors import AuditAppError, NotFoundError, ValidationError
from auditapp.domain.events import DomainEvent, EventKind
from auditapp.domain.places import PlaceKey, name_key, place_key, same_name
from auditapp.domain.readiness import CapaFacts, Effectiveness, Readiness, ReadinessInputs, assess
from auditapp.domain.state import AuditState, project
from auditapp.services.followup import for_this_audit
from auditapp.services.ports import EventStore, PhotoStore, Settings
from auditapp.services.workspace import ChecklistItemText, ChecklistTexts

PHOTO_DAMAGED = "its file on this device is damaged (it fails its integrity check)"
"""Why a report shows a placeholder for a photo whose file is damaged (REP-017)."""

FINDING_STATUSES_KEY = "sync.finding_statuses"
PRIOR_FINDINGS_KEY = "sync.pulled.prior_findings"


class PhotoSource(Protocol):
    """Where a report finds photo bytes; None when the photo is not available here."""

    def photo(self, sha256: str) -> bytes | None:
        """The display image with this SHA-256, or None."""


@runtime_checkable
class CheckedPhotoSource(PhotoSource, Protocol):
    """A PhotoSource that can also say why a photo it holds cannot be used (its file is damaged)."""

    def fetch(self, sha256: str) -> tuple[bytes | None, str]:
        """The photo's bytes, or None and why ('' when it is simply not held here)."""


def fetch_photo(source: PhotoSource, sha256: str) -> tuple[bytes | None, str]:
    """A photo's bytes for a report, or None and why: '' when it is not held here, else what is wrong with
    it, so the report names a damaged photo instead of failing or leaving it out silently."""
    if isinstance(source, CheckedPhotoSource):
        return source.fetch(sha256)
    return source.photo(sha256), ""


class NoPhotos:
    """PhotoSource with no photos: every photo is shown as a named placeholder."""

    def photo(self, sha256: str) -> bytes | None:
        """Always None."""
        return None


@dataclass(frozen=True)
class StorePhotos:
    """PhotoSource over the device's photo store."""

    store: PhotoStore

    def photo(self, sha256: str) -> bytes | None:
        """The stored bytes, or None when this device does not hold the photo or its file is damaged."""
        return self.fetch(sha256)[0]

    def fetch(self, sha256: str) -> tuple[bytes | None, str]:
        """The stored bytes, or None and why: '' when this device does not hold the photo, PHOTO_DAMAGED
        when its file fails its check (one damaged photo never stops a whole report)."""
        try:
            return (self.store.get(sha256) if self.store.has(sha256) else None), ""
        except NotFoundError:
            return None, ""
        except (AuditAppError, ValueError):
            # StoreCorruptError (the integrity check failed), or a file too short to hold a sealed photo.
            return None, PHOTO_DAMAGED


@dataclass(frozen=True)
class ChecklistDetail:
    """A checklist of the audit's criteria with the texts of its items."""

    checklist_id: str
    version: str
    content_hash: str
    title: str
    items: tuple[ChecklistItemText, ...]


@dataclass(frozen=True)
class PriorFinding:
    """A finding of an earlier audit of the site, with where it stands now."""

    finding_id: str
    audit_id: str
    clause: str
    grade: str
    statement: str
    status: str = ""
    capa_id: str = ""
    capa_status: str = ""


@dataclass(frozen=True)
class AuditExtras:
    """What an audit's events say beyond its projection: the closing summary and simulated dry runs."""

    closing_summary: str = ""
    simulated_records: frozenset[str] = frozenset()


@dataclass(frozen=True)
class AuditDossier:
    """Everything an audit report shows: the projected audit, its checklists, history and photos."""

    state: AuditState
    checklists: tuple[ChecklistDetail, ...]
    extras: AuditExtras
    prior_findings: tuple[PriorFinding, ...] = ()
    capas: tuple[CapaFacts, ...] = ()
    finding_statuses: Mapping[str, str] = field(default_factory=dict)
    distribution: tuple[str, ...] = ()
    photos: PhotoSource = field(default_factory=NoPhotos)
    source: str = ""
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    events: tuple[DomainEvent, ...] = ()


def audit_extras(events: Iterable[DomainEvent]) -> AuditExtras:
    """The closing summary and the sampled records flagged as simulated dry runs."""
    summary = ""
    simulated: set[str] = set()
    for event in sorted(events, key=lambda e: (e.hlc, e.event_id)):
        p = event.payload
        if event.kind is EventKind.AUDIT_CLOSED:
            summary = str(p.get("summary") or "") or summary
        elif event.kind is EventKind.RECORD_SAMPLED and p.get("simulated") is True:
            simulated.add(str(p["evidence_id"]))
    return AuditExtras(summary, frozenset(simulated))


def checklist_details(checklists: ChecklistTexts, state: AuditState) -> tuple[ChecklistDetail, ...]:
    """The audit's pinned checklists with item texts; one the catalog lacks is listed without items."""
    out: list[ChecklistDetail] = []
    for ref in state.plan.criteria if state.plan else ():
        try:
            info = checklists.get(ref.checklist_id, ref.content_hash)
            items = tuple(checklists.items(ref.checklist_id, ref.content_hash))
            title = info.title
        except (NotFoundError, KeyError):
            items, title = (), ref.checklist_id
        out.append(ChecklistDetail(ref.checklist_id, ref.version, ref.content_hash, title, items))
    return tuple(out)


def build_dossier(
    events: Sequence[DomainEvent],
    audit_id: str,
    checklists: ChecklistTexts,
    *,
    photos: PhotoSource | None = None,
    prior_findings: Sequence[PriorFinding] = (),
    capas: Sequence[CapaFacts] = (),
    finding_statuses: Mapping[str, str] | None = None,
    distribution: Sequence[str] = (),
    source: str = "",
) -> AuditDossier:
    """The dossier of one audit from its events; NotFoundError when they hold no plan."""
    state = project(events, audit_id)
    if state.plan is None:
        raise NotFoundError(f"no audit with id {audit_id} (no plan among its events)")
    plan = state.plan
    people = [f"{plan.lead_auditor} (lead auditor)", *(f"{m} (audit team)" for m in plan.team)]
    people += [f"{a.name} ({a.role or 'auditee'})" for a in plan.auditees]
    return AuditDossier(
        state=state,
        checklists=checklist_details(checklists, state),
        extras=audit_extras(events),
        prior_findings=tuple(prior_findings),
        capas=tuple(capas),
        finding_statuses=dict(finding_statuses or {}),
        distribution=tuple(dict.fromkeys([*people, *distribution])),
        photos=photos or NoPhotos(),
        source=source,
        events=tuple(events),
    )


class FieldStore(EventStore, Settings, Protocol):
    """What the field reports read: events and the settings where pulled records are kept."""


def _json(settings: Settings, key: str, default: Any) -> Any:
    try:
        return json.loads(settings.get(key) or "null") or default
    except ValueError:
        return default


def _day(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


_RESULTS = {"effective": Effectiveness.VERIFIED, "not_effective": Effectiveness.NOT_EFFECTIVE}


PulledRecord = Mapping[str, Any]
"""One `prior_findings` record as pulled: {audit_id, organisation, site, findings, capas}."""


def _records(store: FieldStore) -> list[PulledRecord]:
    """The prior_findings records held here, oldest first. They are appended as they arrive, so an audit
    whose organisation or site was corrected holds its former place's records as well as its new one's."""
    records = _json(store, PRIOR_FINDINGS_KEY, [])
    return [r for r in records if isinstance(r, Mapping)] if isinstance(records, list) else []


def pulled_capas(store: FieldStore, keep: Callable[[PulledRecord], bool] | None = None) -> list[CapaFacts]:
    """CAPAs pulled with prior findings (from the records `keep` accepts, or all), with effectiveness from
    re-verifications recorded here; a CAPA is dated by its opening day at the store (a record from a store
    that did not send it leaves it undated)."""
    results: dict[str, str] = {}
    for audit_id in store.audit_ids():
        for r in project(store.events(audit_id), audit_id).effectiveness.values():
            results[r.capa_id] = r.result
    by_id: dict[str, CapaFacts] = {}
    for record in _records(store):
        if keep is not None and not keep(record):
            continue
        linked: dict[str, list[str]] = {}
        for f in record.get("findings", []):
            if f.get("capa_id"):
                linked.setdefault(str(f["capa_id"]), []).append(str(f["id"]))
        for c in record.get("capas", []):
            capa_id = str(c["id"])
            stage = str(c.get("stage") or "")
            result = results.get(capa_id)
            by_id[capa_id] = CapaFacts(
                capa_id=capa_id,
                title=str(c.get("title") or ""),
                status="closed" if stage == "closed" else "open",
                opened_on=_day(c.get("created_at")),
                due_on=_day(c.get("due")),
                finding_ids=tuple(linked.get(capa_id, ())),
                clauses=tuple(str(x) for x in c.get("clauses") or ()),
                effectiveness=_RESULTS.get(result or "", Effectiveness.PENDING),
                stage=stage,
            )
    return list(by_id.values())


def at_place_of(state: AuditState) -> Callable[[PulledRecord], bool]:
    """Whether a pulled record concerns the audit's current organisation and site (REP-020): one held from
    before the audit moved to another client or site is another place's history."""
    plan = state.plan
    if plan is None:
        return lambda _record: False
    return lambda record: for_this_audit(record, plan.organisation, plan.site)


def prior_findings_for(store: FieldStore, state: AuditState) -> list[PriorFinding]:
    """Findings of the previous audit of the site on this device (the same organisation's site: another
    client's site of the same name is another site), and those pulled for this audit at its current
    organisation and site."""
    statuses: dict[str, str] = _json(store, FINDING_STATUSES_KEY, {})
    found: dict[str, PriorFinding] = {}
    plan = state.plan
    if plan is None:
        return []
    here = place_key(plan.organisation, plan.site)
    earlier = [
        s
        for a in store.audit_ids()
        if a != state.audit_id
        and (s := project(store.events(a), a)).plan is not None
        and place_key(s.plan.organisation, s.plan.site) == here
        and s.plan.start_date <= plan.start_date
    ]
    if earlier:
        last = max(earlier, key=lambda s: (s.plan.start_date if s.plan else dt.date.min, s.audit_id))
        for f in last.findings.values():
            found[f.finding_id] = PriorFinding(
                f.finding_id, last.audit_id, f.clause, f.grade.value, f.statement,
                statuses.get(f.finding_id, ""),
            )  # fmt: skip
    ours = at_place_of(state)
    for record in _records(store):
        if record.get("audit_id") != state.audit_id or not ours(record):
            continue
        for f in record.get("findings", []):
            found[str(f["id"])] = PriorFinding(
                str(f["id"]),
                str(f.get("audit_id") or ""),
                str(f.get("clause") or ""),
                str(f.get("grade") or ""),
                str(f.get("statement") or ""),
                str(f.get("status") or ""),
                str(f.get("capa_id") or ""),
                str(f.get("capa_status") or ""),
            )
    return sorted(found.values(), key=lambda p: (p.audit_id, p.clause, p.finding_id))


def field_dossier(
    store: FieldStore,
    checklists: ChecklistTexts,
    audit_id: str,
    *,
    photos: PhotoStore | None = None,
    distribution: Sequence[str] = (),
    source: str = "field workspace",
) -> AuditDossier:
    """An audit on this device, offline: its events, local history, pulled CAPAs and the photo store."""
    events = store.events(audit_id)
    if not events:
        raise NotFoundError(f"no audit with id {audit_id} on this device")
    state = project(events, audit_id)
    prior = prior_findings_for(store, state)
    related = set(state.findings) | {p.finding_id for p in prior}
    # Any audit's records of this place may hold this audit's findings' CAPAs; another place's never count.
    capas = [c for c in pulled_capas(store, at_place_of(state)) if related & set(c.finding_ids)]
    return build_dossier(
        events,
        audit_id,
        checklists,
        photos=StorePhotos(photos) if photos is not None else None,
        prior_findings=prior,
        capas=capas,
        finding_statuses=_json(store, FINDING_STATUSES_KEY, {}),
        distribution=distribution,
        source=source,
    )


def readiness_inputs(
    events_by_audit: Mapping[str, Sequence[DomainEvent]],
    site: str,
    as_of: dt.date,
    clauses: Sequence[str],
    capas: Sequence[CapaFacts] = (),
    excluded_clauses: Sequence[str] = (),
    finding_statuses: Mapping[str, str] | None = None,
    *,
    organisation: str | None = None,
) -> ReadinessInputs:
    """The readiness rules' inputs from every audit's events (any site: the site's own are picked, of the
    organisation given, since two clients' sites of the same name are different sites; names compare as
    `places.name_key` does); `finding_statuses` are the triage statuses of the findings at the central
    store, where known. Without an organisation, the readiness names the one its audits share, if any."""
    states: list[AuditState] = []
    simulated: dict[str, bool] = {}
    for audit_id, events in events_by_audit.items():
        if not events:
            continue
        state = project(events, audit_id)
        if state.plan is None or not _at(state, organisation, site):
            continue
        states.append(state)
        simulated.update(dict.fromkeys(audit_extras(events).simulated_records, True))
    return ReadinessInputs(
        site,
        as_of,
        states,
        capas,
        clauses,
        excluded_clauses,
        simulated,
        dict(finding_statuses or {}),
        organisation=_one_organisation(states) if organisation is None else organisation,
    )


def _at(state: AuditState, organisation: str | None, site: str) -> bool:
    """Whether the audit is of the site (of the organisation, when given)."""
    plan = state.plan
    return (
        plan is not None
        and same_name(plan.site, site)
        and (organisation is None or same_name(plan.organisation, organisation))
    )


def _latest_first(states: Iterable[AuditState]) -> list[AuditState]:
    """Audits with a plan, the latest start first (the spelling of a name shown is the latest plan's)."""
    planned = [s for s in states if s.plan is not None]
    return sorted(
        planned, key=lambda s: (s.plan.start_date if s.plan else dt.date.min, s.audit_id), reverse=True
    )


def _one_organisation(states: Sequence[AuditState]) -> str:
    """The organisation the audits are all of, as its latest plan spells it; '' when they are of several."""
    latest = _latest_first(states)
    keys = {name_key(s.plan.organisation) for s in latest if s.plan is not None}
    return latest[0].plan.organisation if len(keys) == 1 and latest[0].plan is not None else ""


def field_readiness_inputs(
    store: FieldStore,
    site: str,
    as_of: dt.date,
    clauses: Sequence[str],
    excluded: Sequence[str] = (),
    *,
    organisation: str | None = None,
) -> ReadinessInputs:
    """Readiness inputs from every audit on this device of the site (of the organisation, when given), the
    CAPAs pulled to it for those audits at their current organisation and site and the findings' triage
    statuses last pulled from the central store."""
    events = {a: store.events(a) for a in store.audit_ids()}
    statuses = pulled_statuses(store)
    inputs = readiness_inputs(events, site, as_of, clauses, (), excluded, statuses, organisation=organisation)
    ours = {state.audit_id: at_place_of(state) for state in inputs.audits}

    def keep(record: PulledRecord) -> bool:
        at_place = ours.get(str(record.get("audit_id")))
        return at_place is not None and at_place(record)

    return replace(inputs, capas=pulled_capas(store, keep))


def pulled_statuses(store: FieldStore) -> dict[str, str]:
    """Triage status of findings at the central store, as last pulled: this device's findings and those
    pulled with prior findings (finding id -> status)."""
    statuses: dict[str, str] = {}
    for record in _records(store):
        for f in record.get("findings", []):
            if f.get("status"):
                statuses[str(f["id"])] = str(f["status"])
    statuses.update({str(k): str(v) for k, v in _json(store, FINDING_STATUSES_KEY, {}).items()})
    return statuses


def import_audit(
    store: EventStore, photos: PhotoStore | None, events: Sequence[DomainEvent], blobs: Iterable[bytes] = ()
) -> int:
    """Store an exported audit's events (as events from elsewhere, not queued for sync) and its photos."""
    if photos is not None:
        for data in blobs:
            photos.put(data)
    return store.merge_remote(events)


def sites(store: EventStore) -> list[str]:
    """Every site audited on this device, sorted (one spelling of each, its latest plan's)."""
    found: dict[str, str] = {}
    for _organisation, site in places(store):
        found.setdefault(name_key(site), site)
    return sorted(found.values())


def places(store: EventStore) -> list[tuple[str, str]]:
    """Every (organisation, site) audited on this device, sorted: one per place as `places.place_key`
    compares them, spelled as its latest plan spells it."""
    found: dict[PlaceKey, tuple[str, str]] = {}
    for state in _latest_first(project(store.events(a), a) for a in store.audit_ids()):
        if state.plan is not None:
            plan = state.plan
            found.setdefault(place_key(plan.organisation, plan.site), (plan.organisation, plan.site))
    return sorted(found.values())


def site_choices(found: Sequence[tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """The sites to choose from on a readiness screen, by label -> (organisation, site): a site's name alone,
    or with its organisation when another organisation has a site of the same name (REP-020)."""
    names = [name_key(site) for _organisation, site in found]
    return {
        (site if names.count(name_key(site)) == 1 else f"{site} ({organisation})"): (organisation, site)
        for organisation, site in found
    }


def field_readiness(
    store: FieldStore,
    site: str,
    as_of: dt.date,
    clauses: Sequence[str],
    where: str = "site",
    *,
    organisation: str | None = None,
    organisation_where: str = "organisation",
) -> Readiness:
    """A site's readiness from what this device holds (its audits and the CAPAs pulled to it).

    An unknown site is refused with the sites there are, so a typo can be put right (`where` names the
    input, e.g. `--site`). The site is that of the organisation given; without one, a site name that two
    organisations share is refused naming them (`organisation_where` names that input), never mixed. Names
    compare as `places.name_key` does, and the readiness names the organisation whose site it is.
    """
    known = places(store)
    here = [(o, s) for o, s in known if same_name(s, site)]
    if not here:
        names = sites(store)
        there = (
            "the sites audited here are " + ", ".join(repr(s) for s in names)
            if names
            else "no audit in it has a site yet"
        )
        raise NotFoundError(f"{where}: no audit of the site {site!r} in this workspace; {there}")
    listed = ", ".join(repr(o) if o else "(no organisation)" for o, _s in here)
    if organisation is None and len(here) > 1:
        raise ValidationError(
            f"{len(here)} organisations have a site called {site!r} here ({listed}); give the "
            "organisation whose site to assess",
            organisation_where,
        )
    chosen = (
        here[0] if organisation is None else next((p for p in here if same_name(p[0], organisation)), None)
    )
    if chosen is None:
        raise NotFoundError(
            f"{organisation_where}: no audit of the site {site!r} of {organisation!r} in this workspace; "
            f"the site {site!r} is audited here for {listed}"
        )
    owner, spelled = chosen
    return assess(field_readiness_inputs(store, spelled, as_of, clauses, organisation=owner))
