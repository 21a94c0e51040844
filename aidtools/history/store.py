"""Where the history lives: one SQLite file by default, or any database SQLAlchemy reaches by URL
(``postgresql+psycopg://user@host/db`` for a centre whose analysts share one history).

:func:`open_store` takes a path or a URL, migrates the schema to the newest revision (Alembic, inside
one transaction) and returns a :class:`Store`. Every write is one transaction that first takes the
history's write lock (SQLite: ``BEGIN IMMEDIATE`` with a busy timeout; PostgreSQL: a transaction-level
advisory lock), so two runs at once are recorded one after the other, or the second gives up with a
Chinese message (:class:`HistoryError`) and the store stays whole.
"""
from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

DEFAULT_NAME = "aidtools-history.sqlite"
BUSY_TIMEOUT_S = float(os.environ.get("AIDTOOLS_HISTORY_TIMEOUT", "60"))
_LOCK_KEY = 1_500_150_015  # the PostgreSQL advisory lock of the history


class HistoryError(Exception):
    """The history cannot be opened or written (message in Chinese)."""


def default_location(out) -> Path:
    """The default history of a run writing into ``out``: ``aidtools-history.sqlite`` beside ``out``."""
    return Path(out).resolve().parent / DEFAULT_NAME


def is_url(target: str) -> bool:
    return "://" in str(target)


def _engine(target) -> sa.Engine:
    text = str(target)
    if not is_url(text):
        path = Path(text).expanduser().resolve()
        if path.is_dir():
            path = path / DEFAULT_NAME
        path.parent.mkdir(parents=True, exist_ok=True)
        text = f"sqlite:///{path}"
    url = make_url(text)
    if url.get_backend_name() == "sqlite":
        engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})

        @sa.event.listens_for(engine, "connect")
        def _connect(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # we say BEGIN ourselves (below)
            dbapi_connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            dbapi_connection.execute("PRAGMA foreign_keys = ON")

        @sa.event.listens_for(engine, "begin")
        def _begin(connection):
            connection.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock now, not half-way through

        return engine
    return sa.create_engine(url, pool_pre_ping=True)


@dataclass
class Store:
    engine: sa.Engine
    display: str  # a path, or the URL without its password

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def write(self):
        """One transaction holding the history's write lock."""
        try:
            with self.engine.begin() as conn:
                if self.dialect == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
                yield conn
        except sa.exc.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise HistoryError(f"历史库 {self.display} 正被另一次运行占用，等待 {BUSY_TIMEOUT_S:.0f} 秒后仍未释放；"
                                   "本轮未记录，请稍后重新运行。") from exc
            raise HistoryError(f"无法写入历史库 {self.display}：{exc.orig}") from exc

    @contextlib.contextmanager
    def read(self):
        with self.engine.connect() as conn:
            yield conn

    def close(self) -> None:
        self.engine.dispose()


def open_store(target, migrate: bool = True) -> Store:
    """The history at ``target`` (a path, a folder, or a database URL), migrated to the newest schema."""
    from aidtools.history import migrations

    text = str(target)
    try:
        engine = _engine(text)
    except (sa.exc.ArgumentError, ModuleNotFoundError) as exc:
        raise HistoryError(f"无法识别历史库地址 {text}：{exc}") from exc
    display = make_url(str(engine.url)).render_as_string(hide_password=True) if is_url(text) else \
        str(engine.url.database)
    store = Store(engine=engine, display=display)
    if migrate:
        try:
            with store.write() as conn:
                migrations.upgrade(conn)
        except HistoryError:
            raise
        except sa.exc.DBAPIError as exc:
            raise HistoryError(f"无法打开历史库 {display}：{exc.orig}") from exc
        if store.dialect == "sqlite":
            with contextlib.suppress(OSError):
                os.chmod(engine.url.database, 0o600)  # personal data, even masked: the owner's only
    return store


@contextlib.contextmanager
def opened(target, migrate: bool = True):
    """:func:`open_store` for the length of a ``with`` block, closed after it."""
    store = open_store(target, migrate)
    try:
        yield store
    finally:
        store.close()
