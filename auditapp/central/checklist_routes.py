"""Publishing checklists to the field over the API: upload a checklist file, list what has been published.

Quality managers and administrators publish; any signed-in user lists. Publishing the same content again
answers 200 with the earlier publication and changes nothing; a new version answers 201 (ADR 0054).
"""

import base64
import binascii
from typing import Literal

from fastapi import APIRouter
from fastapi import Response as HttpResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError

from auditapp.central import checklist_publishing
from auditapp.central.checklist_publishing import Publication
from auditapp.central.deps import ChecklistPublisher, Db, Reader
from auditapp.central.errors import ApiError
from auditapp.central.timestamps import UtcDateTime

router = APIRouter(tags=["checklists"])

MAX_UPLOAD_BYTES = 8 * 1024 * 1024
"""A checklist file is at most this large (an XLSX of a big checklist is well under 1 MiB)."""


class ChecklistUpload(BaseModel):
    """A checklist file to publish: its name (the extension picks the importer) and its bytes in base64."""

    file_name: str = Field(min_length=1, max_length=255, description="e.g. iso13485-2026.yaml or ours.xlsx")
    content_base64: str = Field(min_length=1, max_length=(MAX_UPLOAD_BYTES * 4) // 3 + 4)
    format: Literal["yaml", "csv", "xlsx", "ciso-yaml", "ciso-xlsx"] | None = Field(
        default=None, description="the importer to use when the extension does not say"
    )


class PublicationOut(BaseModel):
    """A published checklist version."""

    number: int = Field(description="order of publication on this store")
    checklist_id: str
    version: str
    title: str
    content_hash: str = Field(description="SHA-256 of the checklist's canonical content: the version's name")
    items: int
    source_name: str
    published_at: UtcDateTime
    published_by: str
    new: bool = Field(description="true when this request published it, false when it was published before")


def _out(publication: Publication) -> PublicationOut:
    return PublicationOut(**publication.__dict__)


@router.post("/api/checklists/published", status_code=201)
def publish(body: ChecklistUpload, s: Db, user: ChecklistPublisher, response: HttpResponse) -> PublicationOut:
    """Publish a checklist file (YAML, XLSX, CSV or CISO) to every field device; 200 if published before."""
    try:
        data = base64.b64decode(body.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(422, "invalid_request", "content_base64: not valid base64") from None
    checklist = checklist_publishing.read_upload(body.file_name, data, body.format)
    try:
        done = checklist_publishing.publish(s, checklist, source_name=body.file_name, actor=user.username)
    except IntegrityError:
        # Another request published the same content at this moment: asking again answers with it.
        raise ApiError(503, "busy", "the same checklist is being published right now; try again") from None
    if not done.new:
        response.status_code = 200
    return _out(done)


@router.get("/api/checklists/published")
def list_published(s: Db, _user: Reader) -> list[PublicationOut]:
    """Every published checklist version, the newest first (without the documents)."""
    return [_out(p) for p in checklist_publishing.published(s)]
