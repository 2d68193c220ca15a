"""Engines, sessions and schema migrations of the central store; nothing is created at import time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from auditapp.central import metric_counts
from auditapp.domain.errors import AuditAppError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

URL_OPTION = "--database-url / AUDITAPP_DATABASE_URL"
"""Where a database URL comes from on the command line, named in every error about it."""

SUPPORTED = "sqlite:///PATH or postgresql://USER@HOST/DB"
_DRIVERS = {"sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg"}
EXAMPLE_FILE_URL = "sqlite:////var/lib/auditapp/central.db"


class DatabaseUrlError(AuditAppError):
    """A database URL that cannot be used: unparseable, of an unsupported kind, or unreachable."""

    def __init__(self, problem: str):
        super().__init__(f"{URL_OPTION}: {problem}")
        self.problem = problem


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.removeprefix("postgres://")
    return url


def parse_url(url: str) -> URL:
    """The URL parsed, if it names a database kind the store runs on; DatabaseUrlError says what is wrong."""
    try:
        parsed = make_url(normalise_url(url.strip()))
    except ArgumentError:
        raise DatabaseUrlError(f"{url!r} is not a database URL: use {SUPPORTED}") from None
    if parsed.drivername not in _DRIVERS:
        raise DatabaseUrlError(
            f"{parsed.drivername}:// is not a supported database: the central store runs on SQLite or "
            f"PostgreSQL ({SUPPORTED})"
        )
    return parsed


def is_in_memory(url: URL) -> bool:
    """Whether a SQLite URL names no file: the data would vanish with the process."""
    return url.get_backend_name() == "sqlite" and (
        not url.database or url.database == ":memory:" or url.query.get("mode") == "memory"
    )


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite gets WAL, foreign keys and a busy timeout.

    DatabaseUrlError when the URL cannot be parsed, names an unsupported database, or its SQLite file's
    folder cannot be created.
    """
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        if not is_in_memory(parsed) and parsed.database:
            folder = Path(parsed.database).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                reason = exc.strerror or str(exc)
                raise DatabaseUrlError(
                    f"cannot create the folder {str(folder)!r} of the SQLite file: {reason}"
                ) from None
        engine = create_engine(parsed, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=10)


def check_connection(engine: Engine) -> None:
    """Connect once; DatabaseUrlError with the database's own reason when that fails."""
    try:
        with engine.connect():
            pass
    except DBAPIError as exc:
        reason = " ".join(str(exc.orig).split()) or type(exc.orig).__name__
        raise DatabaseUrlError(
            f"cannot connect to {engine.url.render_as_string(hide_password=True)}: {reason}"
        ) from None


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migrations (Alembic `upgrade heads`: parallel branches all apply)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")


class Database:
    """One engine and its session factory."""

    def __init__(self, url: str):
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        metric_counts.track(self._sessions)  # dashboard counters follow every commit (ADR 0075)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits together, or not at all."""
        with self._sessions.begin() as session:
            yield session

    def session(self) -> Session:
        """A plain session for reads."""
        return self._sessions()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
