"""The quality desktop app: sign in to the central store and see the findings that arrived for triage."""

from __future__ import annotations

import os
from datetime import datetime

import flet as ft

from auditapp.client.central_api import CentralApi, CentralApiError
from auditapp.ui.field.theme import TOUCH, error_text, named, show_error

GRADE_LABEL = {
    "major_nc": "Major nonconformity",
    "minor_nc": "Minor nonconformity",
    "observation": "Observation",
    "ofi": "Opportunity for improvement",
    "good_practice": "Good practice",
}


class QualityApp:
    """One browser session of the quality app."""

    def __init__(self, page: ft.Page, server_url: str):
        self.page = page
        self.server_url = ft.TextField(label="Central store URL", value=server_url)
        self.username = ft.TextField(label="Username", autofocus=True)
        self.password = ft.TextField(label="Password", password=True, can_reveal_password=True)
        self.error = error_text()
        self.body = ft.Container(expand=True, padding=24)

    def start(self) -> None:
        """Show the sign-in form."""
        self.page.title = "auditapp quality"
        self.page.add(self.body)
        self.password.on_submit = self._sign_in
        self.body.content = ft.Column(
            [
                ft.Text("Sign in to the central store", size=28, weight=ft.FontWeight.BOLD),
                self.server_url,
                self.username,
                self.password,
                self.error,
                named("sign-in", ft.FilledButton("Sign in", on_click=self._sign_in, height=TOUCH)),
            ],
            width=480,
            spacing=16,
        )

    def _sign_in(self, _: object) -> None:
        api = CentralApi(self.server_url.value or "")
        try:
            who = api.login(self.username.value or "", self.password.value or "")
            findings = api.findings()
        except CentralApiError as exc:
            show_error(self.error, str(exc))
            return
        finally:
            api.close()
        self.body.content = _inbox(who.display_name, findings)


def _inbox(name: str, findings: list[dict[str, str]]) -> ft.Control:
    rows = [
        ft.DataRow(
            cells=[
                ft.DataCell(ft.Text(GRADE_LABEL.get(f["grade"], f["grade"]))),
                ft.DataCell(ft.Text(f["clause"])),
                ft.DataCell(ft.Text(f["statement"])),
                ft.DataCell(ft.Text(f["status"])),
            ]
        )
        for f in findings
    ]
    return ft.Column(
        [
            ft.Text(f"Triage inbox · signed in as {name}", size=24, weight=ft.FontWeight.BOLD),
            ft.Text(f"{len(findings)} findings, as of {datetime.now():%H:%M}"),
            ft.DataTable(
                columns=[ft.DataColumn(label=t) for t in ("Grade", "Clause", "Statement", "Status")],
                rows=rows,
            )
            if rows
            else ft.Text("No findings have been synced yet."),
        ],
        scroll=ft.ScrollMode.AUTO,
        expand=True,
    )


def serve(server_url: str, host: str, port: int) -> None:
    """Serve the quality app on host:port in web mode (a desktop window where Flet's client exists)."""
    os.environ.setdefault("FLET_FORCE_WEB_SERVER", "1")

    def main(page: ft.Page) -> None:
        QualityApp(page, server_url).start()

    print(f"auditapp quality app on http://{host}:{port}", flush=True)
    ft.run(main, view=ft.AppView.WEB_BROWSER, host=host, port=port, no_cdn=True)
