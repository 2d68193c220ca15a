"""Quality app: certification readiness of a site from everything the central store holds."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from auditapp.domain.errors import AuditAppError
from auditapp.domain.readiness import Readiness
from auditapp.ui.readiness_view import readiness_view

Load = Callable[[str], Readiness]


def readiness_screen(load: Load, sites: list[str] | None = None) -> ft.Control:
    """Type or pick a site and see its verdict, reasons, traffic lights and coverage heatmap.

    `load` is the one service call, e.g. `ReportsApi.readiness` over the signed-in session; what was typed
    stays in the field when the store refuses or cannot be reached.
    """
    result = ft.Column(spacing=16)
    error = ft.Text("", color=ft.Colors.RED_700, visible=False)
    site = ft.TextField(label="Site", value=(sites or [""])[0], width=360)

    def show(_: object = None) -> None:
        name = (site.value or "").strip()
        if not name:
            error.value, error.visible = "site: type the site to assess", True
            return
        try:
            readiness = load(name)
        except AuditAppError as exc:
            error.value, error.visible = str(exc), True
            return
        error.visible = False
        result.controls = [readiness_view(readiness)]

    site.on_submit = show
    button = ft.FilledButton("Assess", icon=ft.Icons.FACT_CHECK, on_click=show)
    hint = ft.Text("Known sites: " + ", ".join(sites)) if sites else ft.Container()
    return ft.Column(
        [
            ft.Text("Certification readiness", size=28, weight=ft.FontWeight.BOLD),
            ft.Row([ft.Semantics(identifier="readiness-site", content=site, container=True), button]),
            hint,
            error,
            result,
        ],
        spacing=16,
        scroll=ft.ScrollMode.AUTO,
        expand=True,
    )
