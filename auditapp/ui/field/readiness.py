"""Field app: certification readiness of a site from the audits in this workspace, offline."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from auditapp.domain.errors import AuditAppError
from auditapp.domain.readiness import Readiness
from auditapp.ui.readiness_view import readiness_view

Assess = Callable[[str], Readiness]


def readiness_screen(sites: list[str], assess: Assess) -> ft.Control:
    """Pick a site, see its verdict, reasons, traffic lights and coverage heatmap.

    `assess` is the one service call (e.g. `services.reporting.field_readiness` over the workspace's
    store with the ISO 13485 clauses); the screen only reads the choice and renders the answer.
    """
    result = ft.Column(spacing=16)
    error = ft.Text("", color=ft.Colors.RED_700, visible=False)
    choice = ft.Dropdown(
        label="Site",
        options=[ft.dropdown.Option(s) for s in sites],
        value=sites[0] if sites else None,
        width=360,
    )

    def show(_: object = None) -> None:
        if not choice.value:
            return
        try:
            readiness = assess(choice.value)
        except AuditAppError as exc:
            error.value, error.visible = exc.for_screen, True
            result.controls = []
            return
        error.visible = False
        result.controls = [readiness_view(readiness)]

    choice.on_select = show
    if not sites:
        result.controls = [ft.Text("No audits in this workspace yet: readiness needs the site's audits.")]
    else:
        show()
    return ft.Column(
        [
            ft.Text("Certification readiness", size=28, weight=ft.FontWeight.BOLD),
            ft.Semantics(identifier="readiness-site", content=choice, container=True),
            error,
            result,
        ],
        spacing=16,
        scroll=ft.ScrollMode.AUTO,
        expand=True,
    )
