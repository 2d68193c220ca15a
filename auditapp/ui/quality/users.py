"""Users: create users with a role and an initial password, change roles, deactivate and reactivate."""

from __future__ import annotations

from typing import Any

import flet as ft

from auditapp.services.quality import admin
from auditapp.services.quality.admin import UserRow
from auditapp.services.quality.roles import ROLE_LABEL
from auditapp.ui.quality.context import Ctx, Screen
from auditapp.ui.quality.dialogs import confirm
from auditapp.ui.quality.theme import error_text, heading, muted, named, refreshes, section, tag


def role_options() -> list[ft.DropdownOption]:
    """Every role, labelled in plain words."""
    return [ft.DropdownOption(key=key, text=label) for key, label in ROLE_LABEL.items()]


class UsersScreen(Screen):
    """Administrators only; the navigation does not offer it to other roles."""

    title = "Users"

    def __init__(self, ctx: Ctx, **args: Any):
        super().__init__(ctx, **args)
        self.username = ft.TextField(label="Username", width=220)
        self.display_name = ft.TextField(label="Printed name", width=260)
        self.role = ft.Dropdown(label="Role", options=role_options(), value="viewer", width=220)
        self.password = ft.TextField(
            label="Initial password", password=True, can_reveal_password=True, width=240
        )
        self.create_error = error_text()
        self.table = ft.Column()
        self.control = ft.Column(
            [
                heading("Users"),
                section(
                    "New user",
                    [
                        ft.Row([self.username, self.display_name, self.role, self.password], wrap=True),
                        muted("The printed name appears on electronic signatures."),
                        self.create_error,
                        named("create-user", ft.FilledButton("Create user", on_click=self._create)),
                    ],
                    "new-user",
                ),
                section("Users", [self.table], "user-list"),
            ],
            scroll=ft.ScrollMode.AUTO,
            expand=True,
            spacing=12,
        )

    async def load(self) -> None:
        """The user list."""
        rows = await self.ctx.runner.run(admin.load_users, doing="Loading users")
        if rows is not None:
            self._render(rows)

    def _render(self, rows: list[UserRow]) -> None:
        self.table.controls = [
            ft.DataTable(
                columns=[ft.DataColumn(label=t) for t in ("Username", "Printed name", "Role", "Status", "")],
                rows=[
                    ft.DataRow(
                        cells=[
                            ft.DataCell(ft.Text(r.username)),
                            ft.DataCell(ft.Text(r.display_name)),
                            ft.DataCell(
                                named(
                                    f"role-{r.username}",
                                    ft.Dropdown(
                                        options=role_options(),
                                        value=r.role,
                                        width=200,
                                        dense=True,
                                        on_select=self._set_role(r),
                                        disabled=not r.active,
                                    ),
                                )
                            ),
                            ft.DataCell(
                                tag("active", ft.Colors.GREEN_700)
                                if r.active
                                else tag("deactivated", ft.Colors.GREY_700)
                            ),
                            ft.DataCell(
                                ft.OutlinedButton(f"Deactivate {r.username}", on_click=self._deactivate(r))
                                if r.active
                                else ft.OutlinedButton(
                                    f"Reactivate {r.username}", on_click=self._reactivate(r)
                                )
                            ),
                        ]
                    )
                    for r in rows
                ],
            )
        ]

    @refreshes
    async def _create(self, _: object) -> None:
        form = (
            self.username.value or "",
            self.display_name.value or "",
            self.role.value or "",
            self.password.value or "",
        )
        made = await self.ctx.runner.run(
            lambda api: admin.create_user(api, *form), doing="Creating the user", error=self.create_error
        )
        if made is None:
            return
        self.username.value = self.display_name.value = self.password.value = ""
        self.ctx.toast(f"{made.username} can now sign in as {made.role_label}.")
        await self.load()

    def _set_role(self, row: UserRow) -> Any:
        @refreshes
        async def changed(event: ft.Event[ft.Dropdown]) -> None:
            role = event.control.value or ""
            done = await self.ctx.runner.run(
                lambda api: admin.set_role(api, row.user_id, role),
                doing=f"Changing the role of {row.username}",
            )
            if done is not None:
                self.ctx.toast(f"{done.username} is now {done.role_label}.")
            await self.load()

        return changed

    def _deactivate(self, row: UserRow) -> Any:
        async def ask(_: object) -> None:
            async def go() -> None:
                done = await self.ctx.runner.run(
                    lambda api: admin.deactivate(api, row.user_id), doing=f"Deactivating {row.username}"
                )
                if done is not None:
                    self.ctx.toast(f"{row.username} can no longer sign in.")
                    await self.load()

            confirm(
                self.ctx.page,
                f"Deactivate {row.username}?",
                f"{row.display_name} will be signed out at once and can no longer sign in. Their records "
                "and signatures stay.",
                "Deactivate",
                go,
            )

        return ask

    def _reactivate(self, row: UserRow) -> Any:
        @refreshes
        async def go(_: object) -> None:
            done = await self.ctx.runner.run(
                lambda api: admin.reactivate(api, row.user_id), doing=f"Reactivating {row.username}"
            )
            if done is not None:
                self.ctx.toast(admin.reactivated_message(done))
            await self.load()

        return go
