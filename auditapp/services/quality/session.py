"""The signed-in session of the quality app: sign in, sign out, and sign in again without losing work.

Every call to the store goes through `attempt`. When the store says the sign-in has expired, the work is
kept as pending; `sign_in_again` asks only for the password and then runs the pending work, so a form the
user had filled in is saved as if nothing had happened.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from auditapp.domain.errors import AuditAppError
from auditapp.services.quality.errors import CentralApiError, SessionExpired
from auditapp.services.quality.port import QualityApi, SignedIn
from auditapp.services.quality.roles import Abilities, abilities

T = TypeVar("T")
DEFAULT_SERVER_URL = "http://127.0.0.1:8765"


@dataclass(frozen=True)
class Prefs:
    """What the app remembers between runs: never a password or a token."""

    server_url: str = ""
    username: str = ""


class PrefsStore(Protocol):
    """Where the preferences are kept (a file in the user's config folder)."""

    def load(self) -> Prefs:
        """The saved preferences, or empty ones."""

    def save(self, prefs: Prefs) -> None:
        """Keep the preferences for the next run."""


@dataclass(frozen=True)
class Done(Generic[T]):
    """The work succeeded."""

    value: T


@dataclass(frozen=True)
class NeedsSignIn:
    """The sign-in expired; the work is pending until the user signs in again."""

    message: str


@dataclass(frozen=True)
class Failed:
    """The work failed; the message says what to do. Nothing the user entered was sent or lost."""

    message: str
    code: str = "failed"


Outcome = Done[T] | NeedsSignIn | Failed


class NotSignedIn(CentralApiError):
    """A call was made with nobody signed in."""

    def __init__(self) -> None:
        super().__init__("sign in first", "not_signed_in")


class QualitySession:
    """One user's connection to one central store."""

    def __init__(self, connect: Callable[[str], QualityApi], prefs: PrefsStore, server_url: str = ""):
        self._connect = connect
        self._prefs = prefs
        saved = prefs.load()
        self.server_url = server_url or saved.server_url or DEFAULT_SERVER_URL
        self.last_username = saved.username
        self.user: SignedIn | None = None
        self._api: QualityApi | None = None
        self._pending: Callable[[QualityApi], Any] | None = None

    @property
    def abilities(self) -> Abilities:
        """What the signed-in user may change (nothing when nobody is signed in)."""
        return abilities(self.user.role if self.user else "")

    @property
    def has_pending(self) -> bool:
        """Whether work is waiting for the user to sign in again."""
        return self._pending is not None

    def sign_in(self, server_url: str, username: str, password: str) -> Outcome[SignedIn]:
        """Sign in to a store; on success the URL and username are remembered (not the password)."""
        url = server_url.strip().rstrip("/")
        if not url.startswith(("http://", "https://")):
            return Failed("Central store URL: start it with http:// or https://", "bad_url")
        if not username.strip() or not password:
            return Failed("Enter your username and password", "missing_credentials")
        api = self._connect(url)
        try:
            user = api.login(username.strip(), password)
        except CentralApiError as exc:
            api.close()
            return Failed(exc.message, exc.code)
        self._replace_api(api)
        self.server_url, self.user, self.last_username = url, user, user.username
        self._pending = None
        self._prefs.save(Prefs(server_url=url, username=user.username))
        return Done(user)

    def sign_out(self) -> None:
        """Forget the token and any pending work; the remembered URL and username stay."""
        if self._api is not None:
            with contextlib.suppress(CentralApiError):  # signing out must work while the store is down
                self._api.logout()
        self._replace_api(None)
        self.user = None
        self._pending = None

    def attempt(self, work: Callable[[QualityApi], T]) -> Outcome[T]:
        """Run work against the store; an expired sign-in keeps it pending (see `sign_in_again`)."""
        if self._api is None or self.user is None:
            return Failed("Sign in first", "not_signed_in")
        try:
            return Done(work(self._api))
        except SessionExpired as exc:
            self._pending = work
            return NeedsSignIn(exc.message)
        except CentralApiError as exc:
            return Failed(exc.message, exc.code)
        except AuditAppError as exc:  # a form the services refused before anything was sent
            return Failed(str(exc), "invalid")

    def sign_in_again(self, password: str) -> Outcome[Any]:
        """Sign in as the same user with a re-entered password, then run the pending work, if any."""
        if self.user is None:
            return Failed("Sign in first", "not_signed_in")
        if not password:
            return Failed("Enter your password", "missing_credentials")
        api = self._connect(self.server_url)
        try:
            user = api.login(self.user.username, password)
        except CentralApiError as exc:
            api.close()
            return Failed(exc.message, exc.code)
        self._replace_api(api)
        self.user = user
        pending, self._pending = self._pending, None
        if pending is None:
            return Done(None)
        return self.attempt(pending)

    def drop_pending(self) -> None:
        """Give up the pending work (the user cancelled signing in again; the form keeps its values)."""
        self._pending = None

    def close(self) -> None:
        """Release the connection."""
        self._replace_api(None)

    def _replace_api(self, api: QualityApi | None) -> None:
        if self._api is not None and self._api is not api:
            self._api.close()
        self._api = api
