"""What each role may do in the quality app; the screens show edit controls only where it is allowed.

This mirrors the central store's role policy (the store still refuses anything else); a unit test checks
that the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass

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
