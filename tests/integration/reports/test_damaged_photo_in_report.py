"""A damaged photo file in a real encrypted workspace never stops the audit report; the report names it."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from auditapp.bootstrap import FieldStoreOpener
from auditapp.client.device_checklists import DeviceChecklists
from auditapp.demo import demo_plan
from auditapp.media import process_photo
from auditapp.reports.audit_json import read_document, to_json
from auditapp.reports.audit_report import render_audit_pdf
from auditapp.services.field_audits import FieldAudits
from auditapp.services.reporting import AuditDossier, field_dossier
from auditapp.services.workspace import FieldWorkspace

PASSPHRASE = "a long passphrase"
DAMAGED = "not included: its file on this device is damaged (it fails its integrity check)"


class Audit:
    """A real workspace whose audit has a finding with two photos, one of which gets damaged."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.ws = FieldWorkspace(folder, FieldStoreOpener(), DeviceChecklists(lambda: self.ws.store()))
        self.ws.set_up(PASSPHRASE, PASSPHRASE)
        audits = FieldAudits(self.ws.store, DeviceChecklists(self.ws.store), process_photo)
        self.audit_id = self.ws.plan_audit(demo_plan(dt.date(2026, 11, 2)))
        item_id = audits.walkthrough(self.audit_id).rows[0].item_id
        before = set(self.photo_files())
        audits.add_photo(self.audit_id, item_id, jpeg((200, 30, 30)), "label.jpg", "Label damaged later")
        self.damaged_files = sorted(set(self.photo_files()) - before)
        detail = audits.add_photo(self.audit_id, item_id, jpeg((30, 30, 200)), "ok.jpg", "Still fine")
        first, second = detail.photos
        self.damaged, self.fine = first.sha256, second.sha256
        audits.raise_finding(
            self.audit_id,
            item_id,
            grade="minor_nc",
            statement="Line 3 labels are printed without the lot number",
            requirement="ISO 13485 7.5.8",
            evidence_ids=[first.evidence_id, second.evidence_id],
        )

    def photo_files(self) -> list[Path]:
        return sorted((self.folder / "photos").glob("*.photo"))

    def dossier(self) -> AuditDossier:
        store = self.ws.store()
        return field_dossier(store, DeviceChecklists(lambda: store), self.audit_id, photos=store.photos)


@pytest.fixture
def audit(tmp_path: Path) -> Iterator[Audit]:
    opened = Audit(tmp_path / "ws")
    yield opened
    opened.ws.close()


def jpeg(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), colour).save(out, format="JPEG")
    return out.getvalue()


def flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x55
    path.write_bytes(bytes(data))


def cut_short(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:5])


@pytest.mark.req("REP-017")
@pytest.mark.parametrize("damage", [flip_a_byte, cut_short], ids=["byte flipped", "file cut short"])
def test_a_damaged_photo_is_named_as_damaged_in_the_pdf_and_the_report_is_still_made(
    audit: Audit, damage: Callable[[Path], None]
) -> None:
    for path in audit.damaged_files:  # the photo and its thumbnail
        damage(path)

    reader = PdfReader(io.BytesIO(render_audit_pdf(audit.dossier())))

    text = re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))
    assert "Line 3 labels are printed without the lot number" in text
    assert f"Photo {audit.damaged[:12]} {DAMAGED}" in text
    assert "Still fine" in text
    assert f"Photo {audit.fine[:12]} not included" not in text
    assert sum(len(page.images) for page in reader.pages) == 1  # the whole photo is still shown


@pytest.mark.req("REP-017")
def test_a_damaged_photo_does_not_stop_the_json_export_and_the_whole_photos_go_in(audit: Audit) -> None:
    for path in audit.damaged_files:
        flip_a_byte(path)

    document = json.loads(to_json(audit.dossier(), with_photos=True))

    assert set(document["photos"]) == {audit.fine}
    assert len(document["events"]) > 0
    # It says which photo it left out and why, and it still imports.
    assert list(document["photos_not_included"]) == [audit.damaged]
    assert "damaged" in document["photos_not_included"][audit.damaged]
    assert read_document(json.dumps(document).encode(), "export.json").photos.keys() == {audit.fine}
