"""Database engine, sessions and schema upgrades (Alembic)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, exc, inspect
from sqlalchemy.engine import make_url
from sqlmodel import Session

MIGRATIONS = Path(__file__).parent / "migrations"
READ_ONLY, LOCK_WAIT = "htx_read_only", "htx_lock_wait"  # execution options read when a transaction begins


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets its folder created and writers that queue, not fail."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        try:
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:  # reported like any other "cannot open the database"
            raise exc.OperationalError("mkdir", None, Exception("unable to open database file")) from error
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:
            dbapi_conn.isolation_level = None  # let SQLAlchemy's "begin" below decide
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL: no corruption, fewer fsyncs
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(conn) -> None:
            options = conn.get_execution_options()
            conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(options.get(LOCK_WAIT, 30) * 1000)}")
            if options.get(READ_ONLY):  # WAL: a reader sees the last commit and never waits for a writer
                conn.exec_driver_sql("BEGIN")
            else:  # take the write lock at the start, so two passes serialise instead of deadlocking
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # an address that drops packets must not hang a command for minutes
    engine = create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})

    @event.listens_for(engine, "begin")
    def _lock_wait(conn) -> None:
        options = conn.get_execution_options()
        wait = options.get(LOCK_WAIT)
        if wait is not None and not options.get("postgresql_readonly"):  # a read takes no row lock
            # a row lock that does not come ends the transaction instead of hanging it
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = {int(wait * 1000)}")

    return engine


def bounded(engine: Engine, *, lock_wait: float) -> Engine:
    """The same engine (same pool) whose transactions give up waiting for a lock after ``lock_wait`` s."""
    return engine.execution_options(**{LOCK_WAIT: lock_wait})


def read_only(engine: Engine) -> Engine:
    """The same engine (same pool) for transactions that only read: on SQLite a plain BEGIN (no write
    lock, never waits for a writer under WAL), on PostgreSQL a READ ONLY transaction."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(postgresql_readonly=True)
    return engine.execution_options(**{READ_ONLY: True})


def masked(url: str) -> str:
    """The database URL with its password hidden, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except exc.ArgumentError:
        return re.sub(r"(//[^/:@]*:)[^/@]*@", r"\1***@", url)


# driver messages (lower-cased fragments) → what happened, in words a coordinator can act on
_REASONS = [
    ("password authentication failed", "sai mật khẩu hoặc tên đăng nhập"),
    ('role "', "tài khoản đăng nhập không tồn tại"),
    ('fatal:  database "', "cơ sở dữ liệu không tồn tại trên máy chủ"),
    ("connection refused", "máy chủ không nhận kết nối (chưa chạy, sai cổng?)"),
    ("failed to resolve host", "không tìm thấy máy chủ (sai tên máy?)"),
    ("name or service not known", "không tìm thấy máy chủ (sai tên máy?)"),
    ("timeout expired", "máy chủ không trả lời (hết thời gian chờ)"),
    ("terminating connection", "máy chủ đã ngắt kết nối giữa chừng (khởi động lại hoặc bị quản trị dừng)"),
    ("server closed the connection", "máy chủ đã ngắt kết nối giữa chừng"),
    ("consuming input failed", "máy chủ đã ngắt kết nối giữa chừng"),
    ("connection is closed", "kết nối tới máy chủ đã bị đóng"),
    ("the database system is", "máy chủ đang khởi động hoặc đang dừng"),
    ("unable to open database file", "không mở được tệp cơ sở dữ liệu (sai đường dẫn hoặc không có quyền)"),
    ("database is locked", "tệp cơ sở dữ liệu đang bị khóa bởi tiến trình khác"),
    ("disk i/o error", "lỗi đọc ghi đĩa"),
    ("readonly database", "tệp cơ sở dữ liệu chỉ đọc"),
    ("file is not a database", "tệp không phải cơ sở dữ liệu SQLite"),
    ("no space left", "hết dung lượng đĩa"),
]


# what "the database could not be used" looks like: a server that does not answer or drops the
# connection, a bad URL, a driver that is not installed
DATABASE_ERRORS: tuple[type[Exception], ...] = (exc.DBAPIError, exc.ArgumentError, exc.NoSuchModuleError)


def database_failure(error: BaseException, url: str) -> str:
    """What the CLI (exit 3) and a failed flow run say: the failure, the masked URL, what to do."""
    return (describe_failure(error, url) + ". Những gì đã ghi trước lỗi được giữ nguyên; "
            "chạy lại khi cơ sở dữ liệu sẵn sàng.")


class DatabaseUnavailable(Exception):
    """A database failure in the words people read: the masked URL, never the SQL or its parameters."""

    @classmethod
    def of(cls, error: BaseException, url: str) -> DatabaseUnavailable:
        return cls(database_failure(error, url))


def describe_failure(error: BaseException, url: str) -> str:
    """A Vietnamese sentence for a database failure, naming the (masked) URL, never the password."""
    if isinstance(error, exc.ArgumentError | exc.NoSuchModuleError):
        return f"HTX_DATABASE_URL không hợp lệ: {masked(url)} (ví dụ postgresql://user@host:5432/db)"
    text = str(getattr(error, "orig", None) or error).lower()
    reason = next((vi for fragment, vi in _REASONS if fragment in text), None)
    if reason is None:
        reason = "lỗi không xác định: " + type(getattr(error, "orig", None) or error).__name__
    return f"không làm việc được với cơ sở dữ liệu {masked(url)}: {reason}"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser interpolates '%': a percent-encoded password or path must be escaped
    config.set_main_option(
        "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
    )
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, *, plan: str | None = None) -> str | None:
    """Create or upgrade the schema to the newest migration; returns the previous revision.

    ``plan`` names the plan a database made before plans were stored objects was following (the
    configuration's only plan); its rows are moved onto it (migration ``i18_plans``)."""
    previous = current_revision(engine)
    config = alembic_config(engine)
    config.attributes["plan"] = plan
    command.upgrade(config, "head")
    return previous


def current_revision(engine: Engine) -> str | None:
    if not inspect(engine).has_table("alembic_version"):
        return None
    with engine.connect() as conn:
        return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


@contextmanager
def read_scope(engine: Engine) -> Iterator[Session]:
    """A transaction that only reads (see ``read_only``); closed (rolled back) at the end, the rows read
    staying usable, detached."""
    with Session(read_only(engine), expire_on_commit=False) as session:
        yield session


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
