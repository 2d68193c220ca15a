"""What each role may do in the quality app; the screens show edit controls only where it is allowed.

This mirrors the central store's role policy (the store still refuses anything else); a unit test checks
that the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditapp.services.quality.capa_views import CapaView

ROLE_LABEL = {
    "admin": "administrator",
    "quality_manager": "quality manager",
    "capa_owner": "CAPA owner",
    "auditor": "auditor",
    "viewer": "viewer",
}
ROLES = tuple(ROLE_LABEL)


@dataclass(frozen=True)
class Abilities:
    """The edit rights of one role in the quality app, and whether its users audit in the field."""

    role: str
    audits_in_field: bool = False  # may have a tablet enrolled; not an edit right of the quality app
    triage: bool = False
    manage_capas: bool = False
    work_capas: bool = False
    sign: bool = False
    issue_codes: bool = False
    manage_devices: bool = False
    manage_users: bool = False
    publish_checklists: bool = False

    @property
    def read_only(self) -> bool:
        """Whether the role may change nothing."""
        return not (
            self.triage
            or self.manage_capas
            or self.work_capas
            or self.sign
            or self.issue_codes
            or self.manage_devices
            or self.manage_users
            or self.publish_checklists
        )

    @property
    def label(self) -> str:
        """The role in plain words."""
        return ROLE_LABEL.get(self.role, self.role)


def abilities(role: str) -> Abilities:
    """The abilities of a role; an unknown role may only read."""
    if role == "admin":
        return Abilities(
            role,
            audits_in_field=True,
            issue_codes=True,
            manage_devices=True,
            manage_users=True,
            publish_checklists=True,
        )
    if role == "quality_manager":
        return Abilities(
            role,
            audits_in_field=True,
            triage=True,
            manage_capas=True,
            work_capas=True,
            sign=True,
            issue_codes=True,
            publish_checklists=True,
        )
    if role == "capa_owner":
        return Abilities(role, work_capas=True)
    if role == "auditor":
        return Abilities(role, audits_in_field=True)
    return Abilities(role)


@dataclass(frozen=True)
class CapaRights:
    """What the signed-in user may change on one CAPA: the forms its screen shows.

    Mirrors the store: planning checks, recording their results, assigning and reopening need the role that
    manages CAPAs; recording sections and adding actions need a CAPA worker who is a quality manager or owns
    the CAPA; an action's owner may also record that action's progress. Nothing is changed on a closed CAPA.
    """

    manage: bool = False
    sections: bool = False
    progress_of: frozenset[str] = frozenset()

    def progress(self, action_id: str) -> bool:
        """Whether the user may record progress and evidence on this action."""
        return action_id in self.progress_of


def capa_rights(can: Abilities, view: CapaView, username: str) -> CapaRights:
    """The rights of the user signed in as `username`, with abilities `can`, on the CAPA `view`."""
    if view.is_closed:
        return CapaRights()
    # The store lets a quality manager work on any CAPA; another worker only on what they own (CAP-009).
    any_capa = can.work_capas and can.manage_capas
    sections = can.work_capas and (any_capa or (bool(username) and view.owner == username))
    progress_of = frozenset(
        a.action_id
        for a in view.actions
        if sections or (can.work_capas and bool(username) and a.owner == username)
    )
    return CapaRights(manage=can.manage_capas, sections=sections, progress_of=progress_of)
