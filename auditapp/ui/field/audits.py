"""Audit list: every audit on this device with its progress."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from auditapp.services.field_views import AuditSummary
from auditapp.ui.field.theme import TOUCH, named


def audits_screen(audits: list[AuditSummary], on_open: Callable[[str], None]) -> ft.Control:
    """The list of audits; tapping one opens its walkthrough."""
    if not audits:
        body: list[ft.Control] = [ft.Text("No audits on this device yet.", size=18)]
    else:
        body = [_card(audit, on_open) for audit in audits]
    return ft.Column(
        [ft.Text("Audits", size=28, weight=ft.FontWeight.BOLD), *body],
        spacing=16,
        scroll=ft.ScrollMode.AUTO,
        expand=True,
    )


def _card(audit: AuditSummary, on_open: Callable[[str], None]) -> ft.Control:
    def open_audit(_: object) -> None:
        on_open(audit.audit_id)

    progress = f"{audit.answered} of {audit.total} items answered"
    return named(
        f"audit-{audit.audit_id}",
        ft.Card(
            content=ft.Container(
                padding=16,
                content=ft.Column(
                    [
                        ft.Text(audit.title, size=20, weight=ft.FontWeight.BOLD),
                        ft.Text(f"{audit.site} · {audit.audit_type.replace('_', ' ')}", size=16),
                        ft.ProgressBar(value=audit.progress),
                        ft.Text(progress, size=14),
                        ft.FilledButton(f"Open {audit.title}", on_click=open_audit, height=TOUCH),
                    ],
                    spacing=8,
                ),
            )
        ),
    )
