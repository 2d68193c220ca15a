"""People named as people expect: "Avery Auditor (avery)" where records carry the username (QAP-038).

The store's records name who owns, decided, published or signed something by username. A screen reads the
people directory in the same call to the store as its own data, once per load (ADR 0067), and names each
person through `People.name`. A username the directory does not know (a store from before the directory,
a system actor) is shown as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from auditapp.services.quality.errors import CentralApiError, SessionExpired
from auditapp.services.quality.port import Json, QualityApi


@dataclass(frozen=True)
class People:
    """Printed names by username."""

    printed: Mapping[str, str] = field(default_factory=dict)

    def name(self, username: str) -> str:
        """ "Printed Name (username)"; the username alone when it has no printed name or is not known."""
        who = username.strip()
        printed = " ".join(self.printed.get(who, "").split())
        if not printed or printed == who:
            return who
        return f"{printed} ({who})"


NOBODY = People()
"""A directory that knows nobody: every username shows as it is."""


def people_from(items: Iterable[Json]) -> People:
    """The directory from the store's person objects ({username, display_name})."""
    return People({str(p["username"]): str(p.get("display_name") or "") for p in items if p.get("username")})


def load_people(api: QualityApi) -> People:
    """The store's people directory; an empty one when the store cannot give it (names are then shown as
    usernames, and the screen's own data still shows). An expired sign-in is not hidden: it asks for the
    password like any other call."""
    try:
        return people_from(api.people())
    except SessionExpired:
        raise
    except CentralApiError:
        return NOBODY
