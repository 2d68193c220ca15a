"""A finding's photo full size (QAP-021): as large as the window allows, never enlarged past its pixels,
and saying how it is shown; the finding screen opens it from the photo and from a button."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import flet as ft
import pytest

from auditapp.services.quality.finding_view import PhotoView, evidence_views
from auditapp.ui.quality import finding
from tests.support.controls import walk

PHOTO = {
    "id": "e1",
    "kind": "photo",
    "sha256": "a" * 64,
    "caption": "Gowning log, week 44",
    "captured_at": "2026-11-25T09:00:00+00:00",
    "width": 1600,
    "height": 1200,
}


def _photo(**extra: Any) -> PhotoView:
    (view,) = evidence_views([{**PHOTO, **extra}])["photos"]
    assert isinstance(view, PhotoView)
    return view


@pytest.mark.req("QAP-021")
@pytest.mark.parametrize(
    ("room", "size", "shown"),
    [
        ((1200, 578), (771, 578), "shown at 48 % of actual size"),  # a 1280 x 800 window: the height limits
        ((800, 2000), (800, 600), "shown at 50 % of actual size"),  # a narrow window: the width limits
        ((4000, 3000), (1600, 1200), "shown at actual size"),  # never enlarged past its pixels
    ],
)
def test_a_photo_full_size_fits_the_window_and_keeps_its_proportions(
    room: tuple[int, int], size: tuple[int, int], shown: str
) -> None:
    photo = _photo()
    assert photo.fitted(*room) == size
    assert photo.shown_at(size[0]).endswith(f"1600 × 1200 px · {shown}")


@pytest.mark.req("QAP-021")
def test_a_photo_of_unknown_size_takes_the_whole_space() -> None:
    photo = _photo(width=None, height="?")
    assert (photo.width, photo.height) == (None, None)
    assert photo.fitted(900, 500) == (900, 500)
    assert photo.shown_at(900).endswith("? × ? px · fitted to the window (its own size is not known)")


class _Page:
    width, height = 1280, 800

    def __init__(self) -> None:
        self.dialogs: list[ft.AlertDialog] = []

    def show_dialog(self, dialog: ft.AlertDialog) -> None:
        self.dialogs.append(dialog)


@pytest.mark.req("QAP-021")
def test_clicking_a_photo_or_its_button_opens_it_full_size_with_its_caption() -> None:
    page = _Page()
    screen = finding.FindingScreen(SimpleNamespace(page=page), finding_id="f1")
    shown = screen._photo(1, _photo(), b"jpeg bytes")
    clickable = [c for c in walk(shown) if getattr(c, "on_click", None) is not None]
    assert [type(c) for c in clickable] == [ft.Container, ft.TextButton]
    for control in clickable:
        control.on_click(None)  # type: ignore[attr-defined]
    assert len(page.dialogs) == 2
    dialog = page.dialogs[0]
    assert dialog.title.value == "Gowning log, week 44"  # type: ignore[union-attr]
    image = next(c for c in walk(dialog.content) if isinstance(c, ft.Image))
    assert (image.width, image.height, image.src) == (771, 578, b"jpeg bytes")
    assert [a.content for a in dialog.actions] == ["Close"]  # type: ignore[attr-defined]
