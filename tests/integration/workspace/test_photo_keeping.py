"""Photos on a real encrypted workspace: when the tablet is full, when one is 16-bit, when one is damaged."""

from __future__ import annotations

import datetime as dt
import errno
import io
import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import flet as ft
import pytest
from PIL import Image

from auditapp.bootstrap import FieldStoreOpener
from auditapp.client.blob_queue import BlobQueue
from auditapp.client.device_checklists import DeviceChecklists
from auditapp.demo import demo_plan
from auditapp.domain.errors import AuditAppError
from auditapp.media import process_photo
from auditapp.services.field_audits import FieldAudits
from auditapp.services.workspace import FieldWorkspace
from auditapp.ui.field.evidence_entry import PhotoEntry
from auditapp.ui.field.item_context import ItemContext
from auditapp.ui.field.item_detail import ItemScreen
from tests.support.controls import texts, walk
from tests.unit.quality.capa_screen_driver import drive

PASSPHRASE = "a long passphrase"
FULL = "The tablet is full: free some space on it, then try again; nothing was saved"


class Opened:
    """A set-up workspace with one planned audit, the audit screens' use cases and the item captured on."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.ws = FieldWorkspace(folder, FieldStoreOpener(), DeviceChecklists(lambda: self.ws.store()))
        self.ws.set_up(PASSPHRASE, PASSPHRASE)
        self.audits = FieldAudits(self.ws.store, DeviceChecklists(self.ws.store), process_photo)
        self.audit_id = self.ws.plan_audit(demo_plan(dt.date(2026, 11, 2)))
        self.item_id = self.ws.walkthrough(self.audit_id).items[0].item_id

    def context(self, chosen: SimpleNamespace | None = None) -> ItemContext:
        """The item screen's context, with a file picker that hands back `chosen`."""

        class Picker:
            async def pick_files(self, **_: object) -> list[SimpleNamespace]:
                return [chosen] if chosen is not None else []

        return ItemContext(
            self.audits,
            self.audit_id,
            self.item_id,
            picker=lambda: Picker(),  # type: ignore[arg-type, return-value]
            changed=lambda _: None,
            open_follow_up=lambda: None,
        )


@pytest.fixture
def opened(tmp_path: Path) -> Iterator[Opened]:
    workspace = Opened(tmp_path / "ws")
    yield workspace
    workspace.ws.close()


def jpeg(colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), colour).save(out, format="JPEG")
    return out.getvalue()


def grey_ramp_png_16_bit(width: int = 512, height: int = 64) -> bytes:
    """A black-to-white ramp as a 16-bit greyscale PNG (as inspection cameras and scanners write them)."""
    ramp = Image.new("I;16", (width, height))
    ramp.putdata([x * 0xFFFF // (width - 1) for _ in range(height) for x in range(width)])
    out = io.BytesIO()
    ramp.save(out, format="PNG")
    return out.getvalue()


def a_full_photo_folder(monkeypatch: pytest.MonkeyPatch, folder: Path, code: int = errno.ENOSPC) -> None:
    """Make the lowest-level writes into `folder` behave as on a full disk: what fits is written, then the
    next write fails with `code` (fault injection: a tiny filesystem cannot be mounted in a test)."""
    real_open, real_write, real_close = os.open, os.write, os.close
    doomed: dict[int, int] = {}

    def open_(path: str | os.PathLike[str], flags: int, mode: int = 0o777, **kw: object) -> int:
        fd = real_open(path, flags, mode, **kw)  # type: ignore[arg-type]
        doomed.pop(fd, None)
        if Path(path).parent == folder and flags & (os.O_WRONLY | os.O_RDWR):
            doomed[fd] = 0
        return fd

    def write(fd: int, data: bytes | memoryview) -> int:
        if fd not in doomed:
            return real_write(fd, data)
        doomed[fd] += 1
        if doomed[fd] > 1:
            raise OSError(code, os.strerror(code))
        return real_write(fd, bytes(data[: max(1, len(data) // 2)]))

    def close(fd: int) -> None:
        doomed.pop(fd, None)
        real_close(fd)

    monkeypatch.setattr(os, "open", open_)
    monkeypatch.setattr(os, "write", write)
    monkeypatch.setattr(os, "close", close)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*.tmp"))


@pytest.mark.req("FLD-115")
def test_a_photo_on_a_full_tablet_is_refused_in_plain_words_and_nothing_is_kept(
    opened: Opened, monkeypatch: pytest.MonkeyPatch
) -> None:
    photos = opened.folder / "photos"
    before = opened.ws.store().pending_count()
    a_full_photo_folder(monkeypatch, photos)

    with pytest.raises(AuditAppError) as refused:
        opened.audits.add_photo(opened.audit_id, opened.item_id, jpeg(), "line.jpg", "Line 3")

    assert refused.value.for_screen[:1].upper() + refused.value.for_screen[1:] == FULL
    assert "nothing was saved" in str(refused.value)
    assert leftovers(opened.folder) == []  # the half-written file is gone
    assert list(photos.glob("*.photo")) == []
    assert opened.audits.item(opened.audit_id, opened.item_id).photos == ()
    assert opened.ws.store().pending_count() == before  # no event points at a photo that is not there

    monkeypatch.undo()  # space freed: the same photo goes in
    detail = opened.audits.add_photo(opened.audit_id, opened.item_id, jpeg(), "line.jpg", "Line 3")
    assert [p.caption for p in detail.photos] == ["Line 3"]


@pytest.mark.req("FLD-115")
def test_a_failing_photo_write_other_than_a_full_disk_says_what_failed_and_that_nothing_was_saved(
    opened: Opened, monkeypatch: pytest.MonkeyPatch
) -> None:
    a_full_photo_folder(monkeypatch, opened.folder / "photos", errno.EIO)
    with pytest.raises(AuditAppError) as refused:
        opened.audits.add_photo(opened.audit_id, opened.item_id, jpeg(), "line.jpg")
    assert refused.value.for_screen == (
        "could not save the photo on this device (Input/output error); nothing was saved: try again"
    )
    assert leftovers(opened.folder) == []


@pytest.mark.req("FLD-115")
def test_a_full_tablet_while_queueing_the_photo_for_upload_is_refused_in_plain_words(
    opened: Opened, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(self: BlobQueue, plaintext: bytes) -> object:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(BlobQueue, "queue", full)
    with pytest.raises(AuditAppError) as refused:
        opened.audits.add_photo(opened.audit_id, opened.item_id, jpeg(), "line.jpg")
    assert str(refused.value) == (
        "the tablet is full: free some space on it, then attach line.jpg again; nothing was saved"
    )
    assert opened.audits.item(opened.audit_id, opened.item_id).photos == ()


@pytest.mark.req("FLD-115")
def test_the_photo_section_shows_a_full_tablet_under_the_form_and_keeps_the_caption(
    opened: Opened, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = PhotoEntry(opened.context(SimpleNamespace(name="line.jpg", bytes=jpeg())))
    entry._form["caption"].value = "Line 3 label printer"
    [attach] = [c for c in walk(entry.control) if isinstance(c, ft.FilledButton)]
    a_full_photo_folder(monkeypatch, opened.folder / "photos")

    drive(lambda: attach.on_click(None))  # type: ignore[call-arg]

    assert FULL in texts(entry.control)
    assert entry._form.value("caption") == "Line 3 label printer"
    assert opened.audits.item(opened.audit_id, opened.item_id).photos == ()


@pytest.mark.req("FLD-115")
def test_a_16_bit_greyscale_photo_is_stored_with_its_tones_not_as_a_white_rectangle(opened: Opened) -> None:
    detail = opened.audits.add_photo(
        opened.audit_id, opened.item_id, grey_ramp_png_16_bit(), "thermal.png", "Sealer jaw"
    )
    [photo] = detail.photos
    stored = Image.open(io.BytesIO(opened.ws.store().photos.get(photo.sha256))).convert("L")

    row = [int(stored.getpixel((x, stored.height // 2))) for x in range(0, stored.width, 8)]  # type: ignore[arg-type]
    assert row[0] < 10
    assert row[-1] > 240
    assert all(later >= earlier - 3 for earlier, later in itertools.pairwise(row))
    white = sum(1 for x in range(stored.width) if int(stored.getpixel((x, 32))) >= 250)  # type: ignore[arg-type]
    assert white < stored.width // 20
    assert opened.audits.thumbnail(photo.thumbnail_sha256) is not None


def damage(files: list[Path]) -> None:
    """Flip one byte in the middle of each file, as a failing flash cell or a bad copy does."""
    for path in files:
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x55
        path.write_bytes(bytes(data))


@pytest.mark.req("FLD-116")
def test_a_damaged_photo_shows_as_damaged_and_the_rest_of_the_item_still_shows(opened: Opened) -> None:
    audits, audit_id, item_id = opened.audits, opened.audit_id, opened.item_id
    audits.add_photo(audit_id, item_id, jpeg((200, 30, 30)), "label.jpg", "Damaged later")
    damage(sorted((opened.folder / "photos").glob("*.photo")))
    audits.answer(audit_id, item_id, "conforming")
    audits.add_note(audit_id, item_id, "Label printer checked at line 3")
    audits.add_interview(
        item_id=item_id, audit_id=audit_id, person="Pat", role="Operator", question="Q?", answer="A"
    )
    audits.add_photo(audit_id, item_id, jpeg((30, 30, 200)), "ok.jpg", "Still fine")

    screen = ItemScreen(opened.context(), on_back=lambda: None)
    shown = texts(screen.control)
    assert "Answer: Conforming" in shown
    assert "Label printer checked at line 3" in shown
    assert "Pat (Operator): asked 'Q?', answered 'A'" in shown
    assert {"Damaged later", "Still fine"} <= set(shown)
    assert "Photo damaged: its file on this device fails its check and cannot be shown" in shown
    images = [c for c in walk(screen.control) if isinstance(c, ft.Image)]
    placeholders = [
        c for c in walk(screen.control) if isinstance(c, ft.Icon) and c.icon == ft.Icons.IMAGE_NOT_SUPPORTED
    ]
    assert (len(images), len(placeholders)) == (1, 1)

    detail = audits.item(audit_id, item_id)
    damaged, fine = (audits.photo_thumbnail(p.thumbnail_sha256) for p in detail.photos)
    assert damaged.data is None
    assert "damaged" in damaged.problem
    assert fine.data is not None
    assert fine.problem == ""


@pytest.mark.req("FLD-116")
def test_a_photo_file_cut_shorter_than_its_nonce_shows_as_damaged_too(opened: Opened) -> None:
    audits, audit_id, item_id = opened.audits, opened.audit_id, opened.item_id
    audits.add_photo(audit_id, item_id, jpeg((200, 30, 30)), "label.jpg", "Cut short later")
    for path in (opened.folder / "photos").glob("*.photo"):
        path.write_bytes(path.read_bytes()[:4])  # a copy interrupted at its first bytes
    [photo] = audits.item(audit_id, item_id).photos
    cut = audits.photo_thumbnail(photo.thumbnail_sha256)
    assert cut.data is None
    assert "damaged" in cut.problem
    assert "Cut short later" in texts(ItemScreen(opened.context(), on_back=lambda: None).control)
