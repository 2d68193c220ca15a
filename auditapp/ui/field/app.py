"""The field app's shell and router: top bar, the screen of the current route, sync panel; web mode.

Screens are functions `(app, params) -> Control` registered in ROUTES with a path pattern such as
`/audits/{audit_id}`. The route is in the address bar, so reloading the page comes back to the same screen;
the workspace stays unlocked across a reload (it lives in the server process), and every field saves itself
(theme.autosave), so a reload loses nothing. A locked workspace shows its unlock screen on every route that
needs it; one that has no store yet shows first-run setup.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

import flet as ft

from auditapp.domain.errors import AuditAppError
from auditapp.domain.readiness import Readiness
from auditapp.services.field_audits import FieldAudits
from auditapp.services.workspace import FieldWorkspace
from auditapp.services.workspaces import Workspaces
from auditapp.ui.field.audit_flow import AUDIT_ROUTES, AuditScreens
from auditapp.ui.field.audits import audits_screen
from auditapp.ui.field.device import device_screen
from auditapp.ui.field.enroll import enroll_screen
from auditapp.ui.field.launch import serve_assembled
from auditapp.ui.field.recovery import KEY_ROUTE, RECOVER_ROUTE, recover_screen, recovery_key_screen
from auditapp.ui.field.setup import setup_screen
from auditapp.ui.field.syncbar import SyncPanelView
from auditapp.ui.field.theme import TOUCH, body_text, named, primary, title
from auditapp.ui.field.unlock import unlock_screen
from auditapp.ui.field.workspaces import new_workspace_screen, workspaces_screen

log = logging.getLogger(__name__)

WATCH_S = 2.0  # how often the sync panel refreshes and other sessions' switches are noticed
WATCH_GIVE_UP = 30  # refreshes failing one after another: the session is gone (a minute at WATCH_S)

Screen = Callable[["FieldApp", dict[str, str]], ft.Control]


@dataclass(frozen=True)
class Route:
    """A path pattern (`/audits/{audit_id}`) and the screen it shows."""

    pattern: str
    build: Screen
    needs_unlock: bool = True

    def match(self, path: str) -> dict[str, str] | None:
        """The pattern's parameters when the path matches it."""
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.pattern)
        found = re.fullmatch(regex, path)
        return found.groupdict() if found else None


def _audit_screen(name: str) -> Screen:
    """A route builder for one of the audit screens (audit_flow.AuditScreens)."""

    def build(app: FieldApp, params: dict[str, str]) -> ft.Control:
        if app.audit_screens is None:
            raise AuditAppError("the audit screens are not set up in this app")
        return app.audit_screens.build(name, params)

    return build


def _audits(app: FieldApp, params: dict[str, str]) -> ft.Control:
    if app.audit_screens is not None:
        return app.audit_screens.audit_list(params)
    return audits_screen(app.workspace.audits(), lambda audit_id: app.go(f"/audits/{audit_id}"))


def _walkthrough(app: FieldApp, params: dict[str, str]) -> ft.Control:
    return _audit_screen("walkthrough")(app, params)


def _readiness(app: FieldApp, _params: dict[str, str]) -> ft.Control:
    # Imported on first use: the report library (PDF, fonts) must not slow the app's cold start.
    from auditapp.reports.library import standard_clauses
    from auditapp.services.reporting import field_readiness, places, site_choices
    from auditapp.ui.field.readiness import readiness_screen

    store = app.workspace.store()
    choices = site_choices(places(store))  # a site two clients share is offered once per client

    def assess(label: str) -> Readiness:
        organisation, site = choices[label]
        return field_readiness(store, site, dt.date.today(), standard_clauses(), organisation=organisation)

    return readiness_screen(list(choices), assess)


ROUTES: list[Route] = [
    Route("/", _audits),
    *(Route(pattern, _audit_screen(name)) for pattern, name in AUDIT_ROUTES),
    Route("/audits/{audit_id}", _walkthrough),
    Route("/workspaces", workspaces_screen, needs_unlock=False),
    Route("/workspaces/new", new_workspace_screen, needs_unlock=False),
    Route("/device", device_screen),
    Route("/device/enroll", enroll_screen),
    Route(KEY_ROUTE, recovery_key_screen),
    Route(RECOVER_ROUTE, recover_screen, needs_unlock=False),
    Route("/readiness", _readiness),
]


def resolve(path: str) -> tuple[Route, dict[str, str]]:
    """The route for a path (the audit list for an unknown one)."""
    clean = "/" + path.split("?", 1)[0].strip("/")
    for route in ROUTES:
        params = route.match(clean)
        if params is not None:
            return route, params
    return ROUTES[0], {}


class FieldApp:
    """One browser session of the field app over the device's workspaces."""

    def __init__(self, page: ft.Page, workspaces: Workspaces, audits: FieldAudits | None = None):
        self.page = page
        self.workspaces = workspaces
        self.audit_screens = AuditScreens(page, audits, self.go) if audits is not None else None
        self.route = "/"
        self.body = ft.Container(expand=True, padding=ft.Padding.symmetric(horizontal=16, vertical=12))
        self.sync = SyncPanelView(self)
        self._name = ft.Text("", size=20, weight=ft.FontWeight.BOLD, max_lines=1)
        self._actions = ft.Row(spacing=4)
        self._generation = workspaces.generation
        self._closed = False

    @property
    def workspace(self) -> FieldWorkspace:
        """The current workspace (the screens' one way to the services)."""
        return self.workspaces.workspace

    # ------------------------------------------------------------------ layout and routing
    def start(self) -> None:
        """Lay out the page and show the screen of the address the browser opened."""
        self.page.title = "auditapp field"
        self.page.padding = 0
        self.page.on_route_change = self._route_changed
        self.page.on_disconnect = self._disconnected
        top = ft.Container(
            ft.Row(
                [ft.Container(named("workspace-name", self._name), expand=True), self._actions],
                vertical_alignment=ft.CrossAxisAlignment.CENTER,
            ),
            padding=ft.Padding.symmetric(horizontal=16, vertical=4),
            bgcolor=ft.Colors.SURFACE_CONTAINER,
        )
        self.page.add(
            ft.SafeArea(
                expand=True, content=ft.Column([top, self.body, self.sync.control], expand=True, spacing=0)
            )
        )
        self.render(self.page.route or "/")
        self.page.run_task(self._watch)

    def go(self, route: str) -> None:
        """Show another screen and put its route in the address bar."""
        self.render(route)
        self.page.navigate(route)

    def render(self, path: str) -> None:
        """Build the screen for a path: setup or unlock first when the workspace needs it."""
        self.route = path
        self._generation = self.workspaces.generation
        route, params = resolve(path)
        entry = self.workspaces.current
        try:
            workspace = self.workspace if entry is not None else None
            if workspace is None or workspace.needs_setup():
                content = setup_screen(self, path)
            elif route.needs_unlock and not workspace.unlocked:
                content = unlock_screen(self, path)
            else:
                content = route.build(self, params)
        except AuditAppError as exc:
            content = self._problem(exc.for_screen)
        self.body.content = content
        self._render_bar()
        self.sync.refresh()

    def refresh_bar(self) -> None:
        """Re-read the workspace name and state in the top bar (after a rename, say)."""
        self._render_bar()

    def _render_bar(self) -> None:
        entry = self.workspaces.current
        unlocked = entry is not None and self.workspace.unlocked
        self._name.value = entry.name if entry is not None else "auditapp field"
        actions: list[ft.Control] = []
        if unlocked:
            actions.append(self._bar_button("Audits", ft.Icons.CHECKLIST, "/"))
            actions.append(self._bar_button("Readiness", ft.Icons.TRAFFIC, "/readiness"))
        actions.append(self._bar_button("Workspaces", ft.Icons.FOLDER_SHARED, "/workspaces"))
        if unlocked:
            actions.append(self._bar_button("Device", ft.Icons.TABLET_ANDROID, "/device"))
            actions.append(
                named("lock", ft.TextButton("Lock", icon=ft.Icons.LOCK, on_click=self._lock, height=TOUCH))
            )
        self._actions.controls = actions
        self.sync.control.visible = unlocked

    def _bar_button(self, label: str, icon: ft.IconData, route: str) -> ft.Control:
        def clicked(_: object) -> None:
            self.go(route)

        return ft.TextButton(label, icon=icon, on_click=clicked, height=TOUCH)

    async def _lock(self, _: object) -> None:
        # Stopping the sync agent may wait for a round in flight: off the event loop.
        await asyncio.to_thread(self.workspaces.lock)
        self.go("/")

    def _problem(self, message: str) -> ft.Control:
        return ft.Column(
            [
                title("Something needs your attention"),
                named("problem", body_text(message, color=ft.Colors.RED_700)),
                primary("Back to audits", lambda _: self.go("/")),
            ],
            spacing=20,
        )

    def _route_changed(self, event: ft.RouteChangeEvent) -> None:
        if event.route != self.route:
            self.render(event.route)

    def _disconnected(self, _: object) -> None:
        self._closed = True

    async def _watch(self) -> None:
        """Refresh the sync panel; re-route when another session switched or locked the workspace."""
        failures = 0
        while not self._closed:
            await asyncio.sleep(WATCH_S)
            try:
                if self.workspaces.generation != self._generation:
                    self.render(self.route)
                    self.page.update()
                elif self.sync.control.visible:
                    await self.sync.poll()
                failures = 0
            except (RuntimeError, AssertionError) as exc:
                failures += 1
                if self._closed or failures >= WATCH_GIVE_UP:  # the session went away under us
                    return
                # A control replaced while this ran (a workspace switched, a screen rebuilt): the next
                # round reads it again. Stopping here would leave the sync panel frozen for the session.
                log.info("field app: sync panel refresh skipped: %s", exc)


class FieldServer:
    """What the web server runs: one FieldApp per browser session over the device's workspaces."""

    def __init__(self, workspaces: Workspaces, audits: FieldAudits | None = None):
        self.workspaces = workspaces
        self.audits = audits
        workspaces.start_background_sync()

    def open_session(self, page: ft.Page) -> None:
        """Lay out a new browser session."""
        FieldApp(page, self.workspaces, self.audits).start()

    def close(self) -> None:
        """Lock the open workspace when the server stops."""
        with contextlib.suppress(AuditAppError):
            self.workspaces.close()


def serve(workspaces: Workspaces, host: str, port: int, audits: FieldAudits | None = None) -> None:
    """Serve the field app on host:port in web mode, every asset local (no CDN), no native window."""
    serve_assembled(lambda: FieldServer(workspaces, audits), host, port)
