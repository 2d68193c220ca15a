"""`auditapp field` serves the field app to a browser on localhost: no native window, every asset local."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import flet as ft
import flet_web
import pytest

from auditapp.cli import main
from auditapp.reports.font_files import CJK_FAMILY, CJK_FILE
from auditapp.ui import web_client
from auditapp.ui.field import launch
from tests.unit.quality.capa_screen_driver import drive


class NoAssembly:
    """Stands in for the background assembly of the app, which no session asks for here."""

    def __init__(self, assemble: Callable[[], object], after: Callable[[], None] = lambda: None):
        pass

    def start(self) -> None:
        """Assemble nothing."""

    def close(self) -> None:
        """Nothing to close."""


@pytest.mark.req("FND-003")
def test_the_field_command_serves_a_web_page_on_localhost_and_opens_no_window(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    served: list[tuple[dict[str, Any], str | None]] = []

    def run(main: object, **options: Any) -> None:
        served.append((options, os.environ.get("FLET_FORCE_WEB_SERVER")))

    monkeypatch.setattr(launch, "Assembly", NoAssembly)
    monkeypatch.setattr(ft, "run", run)
    monkeypatch.setenv("AUDITAPP_HOME", str(tmp_path))
    for name in ("AUDITAPP_FIELD_HOST", "AUDITAPP_FIELD_PORT"):
        monkeypatch.delenv(name, raising=False)
    # Set, then removed: the teardown then also removes what the command sets for Flet.
    monkeypatch.setenv("FLET_FORCE_WEB_SERVER", "")
    monkeypatch.delenv("FLET_FORCE_WEB_SERVER")

    assert main(["field", "--port", "8551"]) == 0

    [(options, force_web_server)] = served
    assert options["view"] == ft.AppView.WEB_BROWSER  # a page in the browser, not Flet's desktop window
    assert force_web_server == "1"  # Flet only serves: it starts no desktop client and opens no browser
    assert options["no_cdn"] is True  # CanvasKit, fonts and the client come from the app's own server
    assert (options["host"], options["port"]) == ("127.0.0.1", 8551)
    # Flet's client, served from the app's own folder with its one CDN address pointed back at this server.
    assets = Path(options["assets_dir"])
    assert assets.parent == tmp_path / "cache"
    for name in ("main.dart.js", "main.dart.wasm"):
        assert b"cdn.jsdelivr.net" in (Path(flet_web.get_package_web_dir()) / name).read_bytes()
        assert b"cdn.jsdelivr.net" not in (assets / name).read_bytes()


@pytest.mark.req("FND-003")
def test_the_web_client_is_rewritten_once_and_in_place(tmp_path: Path) -> None:
    web = Path(flet_web.get_package_web_dir())
    original = (web / "main.dart.wasm").read_bytes()
    rewritten = web_client.served_without_internet(original)
    assert len(rewritten) == len(original)  # strings in the WebAssembly file keep their sizes
    [address] = web_client.CDN.findall(original)
    at = original.index(address)
    assert rewritten[at : at + len(address)] == web_client.local_address(len(address))
    assert rewritten[at : at + len(address)].startswith(b"rive-runtime-not-served-")
    assert rewritten[:at] == original[:at]
    assert rewritten[at + len(address) :] == original[at + len(address) :]

    first = web_client.offline_assets(tmp_path)
    assert first is not None
    built = (first / "main.dart.js").stat().st_mtime_ns
    assert web_client.offline_assets(tmp_path) == first  # the next start reuses it
    assert (first / "main.dart.js").stat().st_mtime_ns == built
    assert sorted(p.name for p in tmp_path.iterdir()) == [first.name]  # nothing half-built left beside it


@pytest.mark.req("FND-003")
def test_a_cut_cached_file_is_built_again_and_an_unwritable_cache_leaves_flets_own_files(
    tmp_path: Path,
) -> None:
    first = web_client.offline_assets(tmp_path / "cache")
    assert first is not None
    whole = (first / "main.dart.js").read_bytes()
    (first / "main.dart.js").write_bytes(whole[:1000])  # cut short by a power loss
    again = web_client.offline_assets(tmp_path / "cache")
    assert again == first
    assert (first / "main.dart.js").read_bytes() == whole

    blocked = tmp_path / "a file where the cache would go"
    blocked.write_text("", encoding="utf-8")
    assert web_client.offline_assets(blocked / "cache") is None  # the app still starts, as installed


@pytest.mark.req("PLT-027")
def test_the_apps_serve_the_shipped_cjk_font_and_name_it_as_every_text_styles_fallback(
    tmp_path: Path,
) -> None:
    assets = web_client.offline_assets(tmp_path / "cache")
    assert assets is not None
    served = assets / web_client.FONTS / CJK_FILE.name
    assert served.read_bytes() == CJK_FILE.read_bytes()
    assert (assets / web_client.FONTS / "DejaVuSans.ttf").is_file()
    served.write_bytes(served.read_bytes()[:4096])  # cut short by a power loss: built again
    assert web_client.offline_assets(tmp_path / "cache") == assets
    assert served.stat().st_size == CJK_FILE.stat().st_size

    page = SimpleNamespace(fonts=None, theme=None)
    web_client.with_font_fallbacks(page)  # type: ignore[arg-type]
    assert page.fonts == {CJK_FAMILY: f"/fonts/{CJK_FILE.name}", "DejaVu Sans": "/fonts/DejaVuSans.ttf"}
    styles = [getattr(page.theme.text_theme, name) for name in web_client.TEXT_STYLES]
    assert len(styles) == 15
    assert all(style.font_family_fallback == [CJK_FAMILY, "DejaVu Sans"] for style in styles)
    assert all(style.font_family == "Roboto" for style in styles)  # Latin text keeps Flutter's own font
    assert all(style.size is None and style.weight is None for style in styles)  # sizes stay Material's


@pytest.mark.req("PLT-027")
def test_both_apps_mains_get_the_fallback_before_they_lay_out_their_page() -> None:
    seen: list[object] = []

    def quality_main(page: Any) -> None:  # the quality app's main is a plain function
        seen.append(page.fonts)

    async def field_main(page: Any) -> None:  # the field app's is a coroutine
        seen.append(page.fonts)

    sync_wrapped = web_client._with_fonts(quality_main)
    async_wrapped = web_client._with_fonts(field_main)
    assert not asyncio.iscoroutinefunction(sync_wrapped)  # Flet runs each kind as it was
    assert asyncio.iscoroutinefunction(async_wrapped)
    sync_wrapped(SimpleNamespace(fonts=None, theme=None))  # type: ignore[arg-type]
    drive(lambda: async_wrapped(SimpleNamespace(fonts=None, theme=None)))  # type: ignore[arg-type]
    assert seen == [{CJK_FAMILY: f"/fonts/{CJK_FILE.name}", "DejaVu Sans": "/fonts/DejaVuSans.ttf"}] * 2


@pytest.mark.req("PLT-027")
def test_folders_no_app_served_for_a_month_are_removed_and_a_missing_font_is_left_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    earlier = cache / "web-client-0123456789abcdef"  # built for a version no longer installed
    recent = cache / "web-client-fedcba9876543210"  # served a day ago by an app of another install
    for folder, days in ((earlier, 31), (recent, 1)):
        (folder / "fonts").mkdir(parents=True)
        (folder / "fonts" / CJK_FILE.name).write_bytes(b"old")
        then = time.time() - days * 86_400
        os.utime(folder, (then, then))
    current = web_client.offline_assets(cache)
    assert current is not None
    assert sorted(p.name for p in cache.iterdir()) == sorted([current.name, recent.name])

    fonts = {**web_client.APP_FONTS, CJK_FAMILY: tmp_path / "stripped by a packager.ttc"}
    monkeypatch.setattr(web_client, "APP_FONTS", fonts)
    without_font = web_client.offline_assets(tmp_path / "other cache")
    assert without_font is not None  # the apps still start, as installed
    assert [p.name for p in (without_font / web_client.FONTS).iterdir()] == ["DejaVuSans.ttf"]
    assert not web_client._all_served(without_font)  # so the pages are not told of a font that is not there
