"""Flet's web client as both apps serve it: every file from this machine, with no request to the internet.

`no_cdn=True` keeps CanvasKit, Pyodide and the fonts local, but Flet's client still loads the Rive animation
runtime from a public CDN when the page opens (the address is compiled into `main.dart.js` and
`main.dart.wasm`). Neither app shows a Rive animation. Offline, that request fails and nothing else changes;
online, it would tell a third party each time an auditor opens the app. The client files that hold the
address are served rewritten so that it points at the app's own server, which answers 404: the page then
behaves exactly as it does offline, and it never leaves the machine (ADR 0077).

The same folder serves the shipped fonts for the scripts Roboto lacks: Flutter would fetch its fallback
fonts for Chinese, Japanese, Korean, Hebrew or Arabic from Google Fonts, which offline leaves empty boxes
where an auditor's words should be; both apps name the shipped fonts as the fallbacks of every text style
instead (ADR 0094).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import flet as ft
import flet_web

from auditapp.config import data_home
from auditapp.reports.font_files import CJK_FAMILY, CJK_FILE, DEJAVU_FAMILY, DEJAVU_FILE

CDN = re.compile(rb"https://cdn\.jsdelivr\.net/npm/@rive-app/flutter-native-wasm@[0-9A-Za-z.+-]+/")
"""The one address on the internet that Flet's web client asks for with `no_cdn=True`."""
CLIENT_FILES = ("main.dart.js", "main.dart.wasm")
"""The compiled client, as JavaScript and as WebAssembly: the files that hold that address."""
UNUSED_DAYS = 30
"""How long a cached web-client folder that no app serves any more is kept."""
FONTS = "fonts"
"""The assets subfolder the apps' own fonts are served from."""
APP_FONTS = {CJK_FAMILY: CJK_FILE, DEJAVU_FAMILY: DEJAVU_FILE}
"""The fallback fonts of every text style, in the order Flutter tries them after Roboto: Chinese, Japanese
and Korean, then Hebrew, Arabic, Armenian and Georgian."""
LOCAL = b"rive-runtime-not-served"
"""What the address becomes: a path on the app's own server (relative to the page), where nothing is."""

_log = logging.getLogger(__name__)


def local_address(length: int) -> bytes:
    """A relative address on the app's own server exactly `length` bytes long (the WebAssembly file keeps
    its strings at fixed sizes, so the address is replaced in place)."""
    return LOCAL.ljust(length - 1, b"-") + b"/"


def served_without_internet(data: bytes) -> bytes:
    """A client file with every CDN address pointed at the app's own server."""
    return CDN.sub(lambda found: local_address(len(found.group(0))), data)


def offline_assets(cache: Path) -> Path | None:
    """A folder to serve as Flet's assets folder (Flet looks there before its own web folder): the client
    files rewritten to ask nothing of the internet, and the shipped fallback fonts under `fonts/`; None
    when the folder cannot be made (a full or read-only disk): the apps then start with Flet's own files, as
    before.

    Built once per client version and font under `cache` (the user's own folder, so no one else can put
    files there for the apps to serve); a cached file whose size is not its source's (cut by a power loss)
    is built again."""
    web = Path(flet_web.get_package_web_dir())
    sources = [web / name for name in CLIENT_FILES if (web / name).is_file()]
    fonts = [font for font in APP_FONTS.values() if font.is_file()]  # an install without one starts without
    fingerprint = hashlib.sha256()
    for source in [*sources, *fonts]:
        stat = source.stat()
        fingerprint.update(f"{source.name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    folder = cache / f"web-client-{fingerprint.hexdigest()[:16]}"
    try:
        if not _whole(folder, sources, fonts):
            shutil.rmtree(folder, ignore_errors=True)
            _build(folder, sources, fonts)
        os.utime(folder)  # in use: an app of another install sharing this cache leaves it alone
        _remove_unused(cache, folder)
    except OSError as exc:
        _log.warning(
            "serving Flet's web client as installed: cannot write %s (%s)", cache, exc.strerror or exc
        )
        return None
    return folder


def _remove_unused(cache: Path, current: Path) -> None:
    """Remove the folders built for other installs or versions that no app has served for UNUSED_DAYS (an
    app of another install may still be serving a more recent one)."""
    too_old = time.time() - UNUSED_DAYS * 86_400
    for other in cache.glob("web-client-*"):
        with contextlib.suppress(OSError):
            if other != current and other.stat().st_mtime < too_old:
                shutil.rmtree(other, ignore_errors=True)


def _whole(folder: Path, sources: list[Path], fonts: list[Path]) -> bool:
    """Whether a built folder is complete: marked so, and each rewritten file as long as its source (the
    rewrite keeps every length)."""
    if not (folder / "complete").is_file():
        return False
    for source in sources:
        built = folder / source.name
        if built.exists() and built.stat().st_size != source.stat().st_size:
            return False
    for font in fonts:
        served = folder / FONTS / font.name
        if not served.is_file() or served.stat().st_size != font.stat().st_size:
            return False
    return True


def _build(folder: Path, sources: list[Path], fonts: list[Path]) -> None:
    """Write the rewritten files beside `folder`, synced, then move them into place in one rename."""
    folder.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    building = Path(tempfile.mkdtemp(prefix=".web-client-", dir=folder.parent))
    try:
        for source in sources:
            data = source.read_bytes()
            rewritten = served_without_internet(data)
            if rewritten != data:
                _write_synced(building / source.name, rewritten)
        (building / FONTS).mkdir()
        for font in fonts:
            _write_synced(building / FONTS / font.name, font.read_bytes())
        (building / "complete").write_text("", encoding="utf-8")
        try:
            os.rename(building, folder)
        except OSError:
            if not (folder / "complete").is_file():
                raise
            shutil.rmtree(building, ignore_errors=True)  # built at the same moment by the other app
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise


def _write_synced(path: Path, data: bytes) -> None:
    with path.open("wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


LATIN_FAMILY = "Roboto"
"""The font Flutter draws the apps' text in by default, named so that it stays first once a fallback is set
(a style with a fallback and no family of its own is drawn in the fallback's Latin letters)."""
TEXT_STYLES = tuple(
    f"{size}_{scale}"
    for size in ("display", "headline", "title", "body", "label")
    for scale in ("large", "medium", "small")
)
"""Every style of Material's text theme: the text of every control is drawn in one of them."""


def with_font_fallbacks(page: ft.Page) -> None:
    """Name the shipped fonts as the fallbacks of every text style of the page, so Chinese, Japanese,
    Korean, Hebrew and Arabic text is drawn from this machine instead of Google Fonts (which offline draws
    empty boxes)."""
    page.fonts = {family: f"/{FONTS}/{font.name}" for family, font in APP_FONTS.items()}
    fallback = {
        name: ft.TextStyle(font_family=LATIN_FAMILY, font_family_fallback=list(APP_FONTS))
        for name in TEXT_STYLES
    }
    page.theme = ft.Theme(text_theme=ft.TextTheme(**fallback))


def _with_fonts(main: Callable[[ft.Page], Any]) -> Callable[[ft.Page], Any]:
    """`main`, sync or async as it was, after the page is given the fallback fonts."""
    if asyncio.iscoroutinefunction(main):

        async def main_async(page: ft.Page) -> None:
            with_font_fallbacks(page)
            await main(page)

        return main_async

    def main_sync(page: ft.Page) -> None:
        with_font_fallbacks(page)
        main(page)

    return main_sync


def _all_served(assets: Path) -> bool:
    return all((assets / FONTS / font.name).is_file() for font in APP_FONTS.values())


def run_in_browser(main: Callable[[ft.Page], Any], host: str, port: int) -> None:
    """Serve an app on host:port in web mode: no native window, every asset from this machine."""
    assets = offline_assets(data_home() / "cache")
    ft.run(
        _with_fonts(main) if assets is not None and _all_served(assets) else main,
        view=ft.AppView.WEB_BROWSER,
        host=host,
        port=port,
        no_cdn=True,
        assets_dir=str(assets) if assets is not None else None,
    )
