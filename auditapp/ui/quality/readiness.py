"""Quality app: certification readiness of a site from everything the central store holds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from auditapp.client.reports_api import ReportsApi
from auditapp.domain.errors import AuditAppError
from auditapp.domain.readiness import Readiness
from auditapp.ui.quality.context import Ctx, Screen
from auditapp.ui.quality.theme import error_text, heading, show_error
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


def _reports(api: object) -> ReportsApi:
    if not isinstance(api, ReportsApi):
        raise AuditAppError("this connection to the central store cannot fetch reports; sign in again")
    return api


class ReadinessScreen(Screen):
    """The readiness screen in the app's shell: the store is asked off the event loop, through the
    runner, so an expired sign-in asks again and the site typed stays in its field."""

    title = "Readiness"

    def __init__(self, ctx: Ctx, **args: Any):
        super().__init__(ctx, **args)
        self.site = ft.TextField(label="Site", width=360, on_submit=self._assess)
        # Needed only when several organisations (a consultant's clients) have a site of that name.
        self.organisation = ft.TextField(
            label="Organisation", hint_text="if several have this site", width=300, on_submit=self._assess
        )
        self.error = error_text()
        self.result = ft.Column(spacing=16)
        self.control = ft.Column(
            [
                heading("Certification readiness"),
                ft.Row(
                    [
                        ft.Semantics(identifier="readiness-site", content=self.site, container=True),
                        ft.Semantics(
                            identifier="readiness-organisation", content=self.organisation, container=True
                        ),
                        ft.FilledButton("Assess", icon=ft.Icons.FACT_CHECK, on_click=self._assess),
                    ],
                    wrap=True,
                ),
                self.error,
                self.result,
            ],
            spacing=16,
            scroll=ft.ScrollMode.AUTO,
            expand=True,
        )

    async def load(self) -> None:
        """Nothing to fetch until a site is named."""

    async def reload(self) -> None:
        """The site's readiness assessed again, if one is shown."""
        if self.result.controls:
            await self._assess(None)

    async def _assess(self, _: object) -> None:
        name = (self.site.value or "").strip()
        if not name:
            show_error(self.error, "site: type the site to assess")
            return
        organisation = (self.organisation.value or "").strip() or None
        readiness = await self.ctx.runner.run(
            lambda api: _reports(api).readiness(name, organisation=organisation),
            doing=f"Assessing {name}",
            error=self.error,
        )
        if readiness is not None:
            self.result.controls = [readiness_view(readiness)]
