"""Signing a CAPA's closure: who signs, what it means, when, and the password re-entered."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

import flet as ft

from auditapp.services.quality import capa_views, capa_work
from auditapp.services.quality.capa_views import CapaView
from auditapp.ui.quality.context import Ctx
from auditapp.ui.quality.theme import error_text, field_line, muted, named, refreshes


def open_signing(ctx: Ctx, view: CapaView, on_done: Callable[[CapaView], Awaitable[None]]) -> None:
    """Show the signature dialog; a refusal keeps it open with what is missing and refreshes the CAPA."""
    user = ctx.session.user
    printed = user.display_name if user else ""
    zone, local = capa_work.signer_clock()
    utc = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    password = ft.TextField(
        label="Password", password=True, can_reveal_password=True, autofocus=True, width=360
    )
    problem = error_text()

    @refreshes
    async def sign(_: object) -> None:
        typed = password.value or ""
        signed = await ctx.runner.run(
            lambda api: capa_work.sign_closure(api, view.capa_id, typed, view.content_sha256),
            doing="Signing the closure",
            error=problem,
        )
        password.value = ""  # a password is never kept on screen, whatever the outcome
        if signed is None:
            fresh = await ctx.runner.run(
                lambda api: capa_views.load_capa(api, view.capa_id), doing="Re-reading the CAPA"
            )
            if fresh is not None:
                await on_done(fresh)
            return
        ctx.page.pop_dialog()
        ctx.toast("The CAPA is closed and signed.")
        await on_done(signed)

    password.on_submit = sign
    ctx.page.show_dialog(
        ft.AlertDialog(
            modal=True,
            title=ft.Text("Sign the closure"),
            content=named(
                "signature-form",
                ft.Column(
                    [
                        ft.Text(f"You are closing “{view.title}”. Your signature binds this exact record."),
                        field_line("Printed name", printed),
                        field_line("Meaning", capa_work.MEANING),
                        field_line("Date and time", f"{utc} · {local} local ({zone})"),
                        field_line("Record fingerprint", view.content_sha256[:16]),
                        muted(
                            "Re-enter your password to sign (21 CFR 11.200: both parts of your credentials)."
                        ),
                        password,
                        problem,
                    ],
                    tight=True,
                    width=600,
                ),
            ),
            actions=[
                ft.TextButton("Cancel", on_click=lambda _: ctx.page.pop_dialog()),
                ft.FilledButton("Sign closure", icon=ft.Icons.VERIFIED, on_click=sign),
            ],
        )
    )
