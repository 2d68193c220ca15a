"""The central store's HTTP API (FastAPI): every route checks who is calling."""

import os
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from auditapp.central import (
    auth,
    enrollment,
    http_errors,
    metrics_routes,
    reminder_routes,
    throttle,
    user_routes,
)
from auditapp.central.capa_routes import router as capa_router
from auditapp.central.checklist_routes import router as checklist_router
from auditapp.central.database import Database
from auditapp.central.deps import Db, Reader, bearer_token
from auditapp.central.effectiveness_routes import router as effectiveness_router
from auditapp.central.effectiveness_tick import install as install_effectiveness_tick
from auditapp.central.errors import ApiError
from auditapp.central.finding_routes import router as finding_router
from auditapp.central.nul_guard import NulGuard
from auditapp.central.people_routes import router as people_router
from auditapp.central.photo_routes import photo_router
from auditapp.central.registers import FieldRegisters
from auditapp.central.report_routes import report_router
from auditapp.central.sync_routes import sync_router
from auditapp.central.tables import Audit, Response, StoredEvent, User
from auditapp.central.trail_routes import router as trail_router
from auditapp.config import ConfigError, ServerConfig, metrics_cache_seconds

BLOB_DIR_OPTION = "--blob-dir / AUDITAPP_BLOB_DIR"


class LoginRequest(BaseModel):
    """Credentials of a user."""

    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=200)


class LoginReply(BaseModel):
    """A bearer token and who it belongs to."""

    token: str
    expires_at: datetime
    username: str
    display_name: str
    role: str


class ResponseOut(BaseModel):
    """The current answer to one item."""

    item_id: str
    clause: str
    answer: str
    notes: str
    device_id: str
    conflicting_answers: list[str] = Field(
        default_factory=list,
        description="Answers given concurrently on different devices, latest first (the first is `answer`); "
        "empty when there is no conflict.",
    )


def _competing(registers: str) -> list[str]:
    """The competing answers of a response's registers (empty when they are not concurrent)."""
    heads = FieldRegisters(registers).heads("answer")
    return [str(head["value"]) for head in heads] if len(heads) > 1 else []


def _holds_audit(session: Session, audit_id: str) -> bool:
    """Whether the store holds an audit: its plan, or any event of it (answers may arrive before the plan
    does, from another device of the team)."""
    if session.get(Audit, audit_id) is not None:
        return True
    return (
        session.scalar(select(StoredEvent.event_id).where(StoredEvent.audit_id == audit_id).limit(1))
        is not None
    )


class AuditOut(BaseModel):
    """An audit known to the store."""

    id: str
    title: str
    organisation: str
    site: str
    audit_type: str


def _file_in_the_way(folder: Path) -> Path | None:
    """The folder itself or the nearest folder above it that is a file, if any."""
    for place in (folder, *folder.parents):
        try:
            if place.exists():
                return None if place.is_dir() else place
        except OSError:
            return None
    return None


def check_blob_dir(folder: Path) -> None:
    """Make the blob folder (and its complete/ and partial/ parts) now, or refuse in one line naming
    --blob-dir: a file in the way, a folder that cannot be made or written to."""
    for part in (folder / "complete", folder / "partial"):
        blocker = _file_in_the_way(part)
        if blocker is not None:
            raise ConfigError(
                f"{blocker} is a file, not a folder: choose a folder for photo blobs", BLOB_DIR_OPTION
            )
        try:
            part.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise ConfigError(f"cannot create the blob folder {folder}: {reason}", BLOB_DIR_OPTION) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(f"the blob folder {folder} cannot be written to: choose another", BLOB_DIR_OPTION)


def check_start(config: ServerConfig, db: Database) -> None:
    """What would otherwise fail only on first use, checked before anything is served: the variables read
    later, the store key file against the database (a missing one is never made for a store in use), and
    the blob folder. Each problem is one error line naming the file, option or variable."""
    metrics_cache_seconds()
    with db.transaction() as session:
        enrollment.check_key_file(session, enrollment.store_key_path(config.blob_dir))
    check_blob_dir(config.blob_dir)


def create_app(config: ServerConfig, database: Database | None = None) -> FastAPI:
    """The API application over one database; the schema must already be migrated."""
    db = database or Database(config.database_url)
    app = FastAPI(title="auditapp central store", version="0.1.0")
    app.state.db = db

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.as_json(), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        where = "; ".join(
            f"{'.'.join(str(p) for p in err.get('loc', ()))}: {err.get('msg', '')}" for err in exc.errors()
        )
        return JSONResponse(ApiError(422, "invalid_request", where).as_json(), status_code=422)

    http_errors.install(app)
    app.add_middleware(NulGuard)  # PostgreSQL cannot store NUL: refused alike on every database
    check_start(config, db)
    app.include_router(sync_router(config, db))
    app.include_router(effectiveness_router)
    app.include_router(capa_router)
    install_effectiveness_tick(app, db)
    app.include_router(finding_router)
    app.include_router(report_router(config))
    app.include_router(photo_router(config))
    app.include_router(user_routes.router)
    app.include_router(people_router)
    app.include_router(metrics_routes.router)
    app.include_router(trail_router)
    app.include_router(checklist_router)
    reminder_routes.install(app, db)
    limits = throttle.ThrottleLimits.from_env()

    @app.get("/api/health")
    def health() -> dict[str, str]:
        """Liveness probe; says nothing about the data."""
        return {"status": "ok"}

    @app.post("/api/auth/login")
    def login(body: LoginRequest, request: Request) -> LoginReply:
        """Exchange a username and password for a short-lived bearer token (throttled: 429 after failures)."""
        source = request.client.host if request.client else "unknown"
        at = auth.now()
        # The attempt counts as a failure, committed before the password is checked, so parallel guesses
        # stay within the limits; one transaction after the other, so no request holds a pooled
        # connection while it waits for a second one.
        with db.transaction() as attempts:
            attempt = throttle.claim(attempts, body.username, source, limits, at)
        with db.transaction() as s:
            user = s.scalar(select(User).where(User.username == body.username))
            if not auth.password_matches(user, body.password) or user is None or not user.active:
                raise ApiError(401, "bad_credentials", "username or password is wrong")
            throttle.clear(s, body.username, up_to=attempt)
            token, expires = auth.issue_token(s, user, config.token_minutes)
            return LoginReply(
                token=token,
                expires_at=expires,
                username=user.username,
                display_name=user.display_name,
                role=user.role,
            )

    @app.post("/api/auth/logout", status_code=204)
    def logout(request: Request, s: Db) -> None:
        """Sign out: the caller's token stops working now; a token that is not a session (never issued, or
        already signed out or ended by a deactivation) is refused with 401 `invalid_token`."""
        auth.forget_token(s, bearer_token(request))

    @app.get("/api/audits")
    def list_audits(s: Db, _user: Reader) -> list[AuditOut]:
        """Audits the store has received events for."""
        return [AuditOut.model_validate(a, from_attributes=True) for a in s.scalars(select(Audit))]

    @app.get("/api/audits/{audit_id}/responses")
    def list_responses(audit_id: str, s: Db, _user: Reader) -> list[ResponseOut]:
        """The current answers of one audit ([] when none has arrived yet); 404 `unknown_audit` when the
        store holds nothing of that audit."""
        if not _holds_audit(s, audit_id):
            raise ApiError(
                404, "unknown_audit", f"audit_id: the store holds no audit {audit_id}; check the id"
            )
        rows = s.scalars(select(Response).where(Response.audit_id == audit_id).order_by(Response.item_id))
        return [
            ResponseOut(
                item_id=r.item_id,
                clause=r.clause,
                answer=r.answer,
                notes=r.notes,
                device_id=r.device_id,
                conflicting_answers=_competing(r.registers),
            )
            for r in rows
        ]

    return app
