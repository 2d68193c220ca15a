"""Audit list: every audit on this device with its progress, and the way to plan a new one."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from auditapp.services.field_views import AuditSummary
from auditapp.ui.field.theme import TOUCH, named

AUDIT_TYPE_TEXT = {
    "internal": "Internal audit",
    "supplier": "Supplier audit",
    "stage1_mock": "Stage 1 mock audit",
    "stage2_mock": "Stage 2 mock audit",
}


def audits_screen(
    audits: list[AuditSummary],
    on_open: Callable[[str], None],
    on_new: Callable[[], None] | None = None,
) -> ft.Control:
    """The list of audits; tapping one opens its walkthrough, 'New audit' opens the plan form."""
    if not audits:
        body: list[ft.Control] = [
            ft.Text("No audits on this device yet. Plan one to start a walkthrough.", size=18)
        ]
    else:
        body = [_card(audit, on_open) for audit in audits]
    head: list[ft.Control] = [ft.Text("Audits", size=28, weight=ft.FontWeight.BOLD, expand=True)]
    if on_new is not None:
        head.append(
            named(
                "new-audit",
                ft.FilledButton("New audit", icon=ft.Icons.ADD, on_click=lambda _: on_new(), height=TOUCH),
            )
        )
    return ft.Column(
        [ft.Row(head), *body],
        spacing=16,
        scroll=ft.ScrollMode.AUTO,
        expand=True,
    )


def _card(audit: AuditSummary, on_open: Callable[[str], None]) -> ft.Control:
    def open_audit(_: object) -> None:
        on_open(audit.audit_id)

    progress = f"{audit.answered} of {audit.total} items answered"
    kind = AUDIT_TYPE_TEXT.get(audit.audit_type, audit.audit_type.replace("_", " "))
    status = " · closed" if audit.closed else ""
    return named(
        f"audit-{audit.audit_id}",
        ft.Card(
            content=ft.Container(
                padding=16,
                content=ft.Column(
                    [
                        ft.Text(audit.title, size=20, weight=ft.FontWeight.BOLD),
                        ft.Text(f"{audit.site} · {kind}{status}", size=16),
                        ft.ProgressBar(value=audit.progress, height=8),
                        ft.Text(progress, size=14),
                        ft.FilledButton(f"Open {audit.title}", on_click=open_audit, height=TOUCH),
                    ],
                    spacing=8,
                ),
            )
        ),
    )
