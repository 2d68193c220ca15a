"""A place audited is a site of one organisation, and the one rule for when two spellings name it (REP-020).

Organisation and site names are typed on tablets, so one client's site arrives as "Acme Medical" and as
"ACME  MEDICAL ". Whatever keeps one organisation's history apart from another's (prior findings, repeats,
readiness, field tasks, field follow-up) compares names by `name_key`, on the tablet and at the central
store alike, so none of them calls one client two or two clients one.
"""

from __future__ import annotations

PlaceKey = tuple[str, str]
"""An (organisation, site) as compared: see `place_key`."""


def name_key(name: str) -> str:
    """A name as compared: case-folded, with surrounding and repeated spaces dropped."""
    return " ".join(name.casefold().split())


def same_name(a: str, b: str) -> bool:
    """Whether two spellings name the same organisation (or the same site)."""
    return name_key(a) == name_key(b)


def place_key(organisation: str, site: str) -> PlaceKey:
    """The key of a site of an organisation: two spellings of one client's site give the same key."""
    return name_key(organisation), name_key(site)
