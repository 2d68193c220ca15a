"""The people directory: every user's username and printed name, for any signed-in reader (QAP-038).

Records name people by username (a CAPA's owner, who triaged a finding, who published a checklist); the
quality app shows the printed name beside it. Listing users with their roles, status and addresses stays
an administrator's (`GET /api/users`); this list carries only what a signature shows anyway, for active
and deactivated users alike, since older records name both (ADR 0067).
"""

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select

from auditapp.central.deps import Db, Reader
from auditapp.central.paging import Page, PageQuery, SortKey, keyset_page
from auditapp.central.tables import User

router = APIRouter(tags=["users and devices"])


class PersonOut(BaseModel):
    """A person as records name them: the username, and the printed name shown beside it."""

    username: str
    display_name: str = Field(description="printed name; empty when the user was created without one")


@router.get("/api/people")
def list_people(s: Db, _reader: Reader, page: PageQuery) -> Page[PersonOut]:
    """Every user's username and printed name, active or deactivated, by username (any signed-in user)."""
    query = select(User.username, User.display_name)
    return keyset_page(
        s,
        query,
        [SortKey(User.username)],
        page,
        lambda row: (row.username,),
        lambda row: PersonOut(username=row.username, display_name=row.display_name or ""),
    )
