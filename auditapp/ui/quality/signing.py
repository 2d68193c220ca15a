"""Signing a CAPA's closure: who signs, what it means, when, and the password re-entered."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

import flet as ft

from auditapp.services.quality import capa_views, capa_work
from auditapp.services.quality.capa_views import CapaView
from auditapp.ui.quality.context import Ctx
from auditapp.ui.quality.theme import error_text, field_line, muted, named, refreshes


class SigningDialog:
    """The signature dialog of one CAPA as the signer reviewed it.

    The store checks the closure gates again when the signature arrives: another user may have changed
    the CAPA since the screen read it. A refusal keeps the dialog open with what is missing, and the CAPA
    is read again so the screen shows why it cannot be signed now.
    """

    def __init__(self, ctx: Ctx, view: CapaView, on_done: Callable[[CapaView], Awaitable[None]]):
        self.ctx = ctx
        self.view = view
        self.on_done = on_done
        user = ctx.session.user
        printed = user.display_name if user else ""
        zone, local = capa_work.signer_clock()
        utc = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        self.password = ft.TextField(
            label="Password", password=True, can_reveal_password=True, autofocus=True, width=360
        )
        self.problem = error_text()
        self.password.on_submit = self._sign
        self.sign_button = ft.FilledButton("Sign closure", icon=ft.Icons.VERIFIED, on_click=self._sign)
        self.dialog = ft.AlertDialog(
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
                        self.password,
                        self.problem,
                    ],
                    tight=True,
                    width=600,
                ),
            ),
            actions=[
                ft.TextButton("Cancel", on_click=lambda _: ctx.page.pop_dialog()),
                self.sign_button,
            ],
        )

    @refreshes
    async def _sign(self, _: object) -> None:
        await self.sign()

    async def sign(self) -> None:
        """Send the signature; on a refusal show why and read the CAPA again."""
        typed, view, ctx = self.password.value or "", self.view, self.ctx
        signed = await ctx.runner.run(
            lambda api: capa_work.sign_closure(api, view.capa_id, typed, view.content_sha256),
            doing="Signing the closure",
            error=self.problem,
        )
        self.password.value = ""  # a password is never kept on screen, whatever the outcome
        if signed is None:
            fresh = await ctx.runner.run(
                lambda api: capa_views.load_capa(api, view.capa_id), doing="Re-reading the CAPA"
            )
            if fresh is not None:
                # A wrong password may be typed again; a CAPA not ready, or changed since the signer
                # reviewed it, has to be reviewed again on its screen first.
                self.sign_button.disabled = not fresh.can_sign or fresh.content_sha256 != view.content_sha256
                await self.on_done(fresh)
            return
        ctx.page.pop_dialog()
        ctx.toast("The CAPA is closed and signed.")
        await self.on_done(signed)


def open_signing(ctx: Ctx, view: CapaView, on_done: Callable[[CapaView], Awaitable[None]]) -> SigningDialog:
    """Show the signature dialog for the CAPA as the signer reviewed it."""
    signing = SigningDialog(ctx, view, on_done)
    ctx.page.show_dialog(signing.dialog)
    return signing
