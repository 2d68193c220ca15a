"""Checklists: what has been published to the field devices, and publishing a checklist file."""

from __future__ import annotations

from typing import Any

import flet as ft

from auditapp.services.quality import checklists, people
from auditapp.services.quality.checklists import PublishedRow
from auditapp.ui.quality.context import Ctx, Screen
from auditapp.ui.quality.theme import error_text, heading, muted, named, refreshes, section


class ChecklistsScreen(Screen):
    """Everyone signed in sees the published versions; quality managers and administrators publish."""

    title = "Checklists"

    def __init__(self, ctx: Ctx, **args: Any):
        super().__init__(ctx, **args)
        self.publish_error = error_text()
        self.outcome = ft.Text("", size=15, visible=False)
        self.table = ft.Column()
        self.people = people.NOBODY
        parts: list[ft.Control] = [heading("Checklists")]
        if ctx.can.publish_checklists:
            kinds = ", ".join(f".{t}" for t in checklists.FILE_TYPES)
            parts.append(
                section(
                    "Publish a checklist",
                    [
                        muted(
                            "Choose a checklist file (the YAML format, or an import from Excel, CSV or CISO "
                            f"Assistant: {kinds}). It is checked as auditapp checklist validate checks "
                            "files; every field device receives it with its next sync and offers it for new "
                            "audits. Audits planned before keep the version they were planned with."
                        ),
                        named(
                            "publish-checklist",
                            ft.FilledButton(
                                "Choose a file and publish", icon=ft.Icons.UPLOAD_FILE, on_click=self._publish
                            ),
                        ),
                        self.publish_error,
                        # Semantics needs visible content: the outcome, hidden until a publish, sits in a
                        # container that stays visible while the outcome comes and goes.
                        named("publish-outcome", ft.Container(self.outcome)),
                    ],
                    "publish",
                )
            )
        parts.append(section("Published versions", [self.table], "published"))
        self.control = ft.Column(parts, scroll=ft.ScrollMode.AUTO, expand=True, spacing=12)

    async def load(self) -> None:
        """The published versions, the newest first, and the printed names of who published them."""
        loaded = await self.ctx.runner.run(
            lambda api: (checklists.load_published(api), people.load_people(api)), doing="Loading checklists"
        )
        if loaded is not None:
            rows, self.people = loaded
            self._render(rows)

    def _render(self, rows: list[PublishedRow]) -> None:
        if not rows:
            self.table.controls = [
                muted("Nothing has been published yet: the field devices use the checklists they ship with.")
            ]
            return
        self.table.controls = [
            ft.DataTable(
                columns=[
                    ft.DataColumn(label=t)
                    for t in ("Checklist", "Version", "Items", "Published", "By", "From file", "Content hash")
                ],
                rows=[
                    ft.DataRow(
                        cells=[
                            ft.DataCell(ft.Text(f"{r.title} ({r.checklist_id})")),
                            ft.DataCell(ft.Text(r.version)),
                            ft.DataCell(ft.Text(str(r.items))),
                            ft.DataCell(ft.Text(r.published_at)),
                            ft.DataCell(ft.Text(self.people.name(r.published_by))),
                            ft.DataCell(ft.Text(r.source_name)),
                            ft.DataCell(ft.Text(r.short_hash, font_family="monospace")),
                        ]
                    )
                    for r in rows
                ],
            )
        ]

    @refreshes
    async def _publish(self, _: object) -> None:
        files = await self.ctx.file_picker().pick_files(
            dialog_title="Choose a checklist file",
            allowed_extensions=list(checklists.FILE_TYPES),
            with_data=True,
        )
        if not files:
            return
        chosen = files[0]
        data = chosen.bytes or b""
        self.outcome.visible = False
        done = await self.ctx.runner.run(
            lambda api: checklists.publish(api, chosen.name, data),
            doing=f"Publishing {chosen.name}",
            error=self.publish_error,
        )
        if done is None:
            return
        self.outcome.value = done.outcome_naming(self.people)
        self.outcome.visible = True
        await self.load()
