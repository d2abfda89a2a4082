"""Every run-time setting, parsed once from the environment, each bad value named in Vietnamese.

``Settings.from_env()`` is the only place the process environment is read (``htx_tasks.bootstrap``
calls it once per command, flow run, web app or ``make run``); everything else receives the
parsed ``Settings``. A variable left unset or blank takes its default. Every problem is reported
at once (``SettingsError``), each naming the variable and the value it holds (a secret's value is
never shown).

To add a setting: one field here, its variable as ``alias`` and its parser as its type, and it
is listed in ``VARIABLES`` and checked like every other.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

DEFAULT_VAR = Path("var")
DEFAULT_HORIZON_DAYS = 366  # how far ahead of the clock a pass may be run without --force
DEFAULT_LINK_DAYS = 45
DEFAULT_EVIDENCE_MAX_MB = 20
PASSWORD_HASH = re.compile(r"pbkdf2_sha256\$[1-9][0-9]{0,9}\$[0-9a-f]{2,}\$[0-9a-f]{64}")


class SettingsError(ValueError):
    """Environment variables that cannot be used; each problem names the variable and its value."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"biến môi trường không hợp lệ ({len(problems)} lỗi): " + "; ".join(problems))


def _vn(n: float) -> str:
    return f"{n:,}".replace(",", ".") if float(n).is_integer() else str(n).replace(".", ",")


def _whole(low: int, high: int, what: str = "số nguyên") -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, str):
            value = value.strip()
            if not value.isascii() or not value.isdigit():
                raise ValueError(f"phải là {what} từ {_vn(low)} đến {_vn(high)}")
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"phải là {what} từ {_vn(low)} đến {_vn(high)}")
        return value

    return parse


def _number(low: float, high: float) -> Callable[[Any], float]:
    def parse(value: Any) -> float:
        try:
            number = float(value.strip().replace(",", ".")) if isinstance(value, str) else float(value)
        except (TypeError, ValueError):
            number = float("nan")
        if not low < number <= high:  # NaN fails too
            raise ValueError(f"phải là số lớn hơn {_vn(low)} và không quá {_vn(high)} (ví dụ 20 hoặc 2,5)")
        return number

    return parse


def _text(value: Any) -> str:
    text = str(value).strip()
    if any(ord(ch) < 32 for ch in text):
        raise ValueError("có ký tự điều khiển")
    return text


def _path(value: Any) -> Path:
    return Path(_text(value))


def _web_url(value: Any) -> str:
    text = _text(value)
    if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", text):
        raise ValueError("phải là địa chỉ bắt đầu bằng http:// hoặc https:// (ví dụ https://htx.camranh.gov.vn)")
    return text.rstrip("/")


def _database_url(value: Any) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    text = _text(value)
    try:
        url = make_url(text)
    except (ArgumentError, ValueError):  # not a URL; a port that is not a number
        raise ValueError("không phải địa chỉ cơ sở dữ liệu (ví dụ sqlite:///var/htx-tasks.db hoặc "
                         "postgresql://user@host:5432/db)") from None
    try:
        url.get_dialect()
    except NoSuchModuleError:
        raise ValueError(f"không có loại cơ sở dữ liệu '{url.drivername}' (dùng sqlite:// hoặc postgresql://)") from None
    return text


def _link_key(value: Any) -> str:
    text = str(value).strip()
    if len(text) < 16:
        raise ValueError("quá ngắn (khoá ký liên kết cần ít nhất 16 ký tự)")
    return text


def _password_hash(value: Any) -> str:
    text = str(value).strip()
    if not PASSWORD_HASH.fullmatch(text):
        raise ValueError("không đúng dạng pbkdf2_sha256$<số vòng>$<salt>$<hash>; tạo bằng 'htx-tasks links hash-password'")
    return text


Whole = Annotated[int, BeforeValidator(_whole(1, 1_000_000))]
Port = Annotated[int, BeforeValidator(_whole(1, 65535, "số cổng"))]
Text = Annotated[str, BeforeValidator(_text)]
Folder = Annotated[Path, BeforeValidator(_path)]
SECRETS = {"coordinator_password_hash", "link_key"}  # values never shown, not even when wrong


class Settings(BaseModel):
    """The parsed settings. Built by ``from_env`` (aliases are the variables) or directly by name
    in tests; ``replace`` gives a copy with some values changed, checked again."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_by_name=True, validate_by_alias=True,
                              arbitrary_types_allowed=True)

    # where things live
    var_dir: Folder = Field(DEFAULT_VAR, alias="HTX_VAR_DIR")
    config_dir: Folder = Field(Path("config"), alias="HTX_CONFIG_DIR")
    database_url: Annotated[str, BeforeValidator(_database_url)] = Field(
        "", alias="HTX_DATABASE_URL", description="default: sqlite:///<HTX_VAR_DIR>/htx-tasks.db")
    inbox_folder: Folder | None = Field(None, alias="HTX_INBOX_DIR")
    evidence_folder: Folder | None = Field(None, alias="HTX_EVIDENCE_DIR")
    # passes
    horizon_days: Annotated[int, BeforeValidator(_whole(1, 100 * 366, "số ngày"))] = Field(
        DEFAULT_HORIZON_DAYS, alias="HTX_HORIZON_DAYS")
    # the web app and its links
    web_url: Annotated[str, BeforeValidator(_web_url)] | None = Field(None, alias="HTX_WEB_URL")
    web_port: Port = Field(8300, alias="HTX_WEB_PORT")
    web_trusted_proxies: Text = Field("127.0.0.1", alias="HTX_WEB_TRUSTED_PROXIES")
    unit_posts_per_hour: Whole = Field(30, alias="HTX_WEB_UNIT_POSTS_PER_HOUR")
    coordinator_posts_per_hour: Whole = Field(300, alias="HTX_WEB_COORDINATOR_POSTS_PER_HOUR")
    login_free_tries: Annotated[int, BeforeValidator(_whole(1, 100, "số lần"))] = Field(
        5, alias="HTX_WEB_LOGIN_FREE_TRIES", description="wrong passwords in a row before each try must wait")
    login_max_wait: Annotated[float, BeforeValidator(_number(0, 3600))] = Field(
        300.0, alias="HTX_WEB_LOGIN_MAX_WAIT_SECONDS", description="the longest wait between two tries (seconds)")
    login_hours: Annotated[int, BeforeValidator(_whole(1, 24 * 45, "số giờ"))] = Field(
        12, alias="HTX_WEB_LOGIN_HOURS", description="how long the link a login gives works, until logout")
    web_lock_wait: Annotated[float, BeforeValidator(_number(0, 300))] = Field(
        10.0, alias="HTX_WEB_LOCK_WAIT_SECONDS", description="a page waits this long for a database lock, then 503")
    evidence_max_mb: Annotated[float, BeforeValidator(_number(0, 1024))] = Field(
        DEFAULT_EVIDENCE_MAX_MB, alias="HTX_EVIDENCE_MAX_MB")
    evidence_max_inflated_mb: Annotated[float, BeforeValidator(_number(0, 10_000))] = Field(
        200.0, alias="HTX_EVIDENCE_MAX_INFLATED_MB", description="a .docx/.xlsx unpacked, at most (zip bombs)")
    # plan import and drafting (htx-tasks plan import|draft): what one file may hold
    intake_max_mb: Annotated[float, BeforeValidator(_number(0, 1024))] = Field(
        20.0, alias="HTX_INTAKE_MAX_MB", description="a spreadsheet or document to import, at most (MB)")
    intake_max_inflated_mb: Annotated[float, BeforeValidator(_number(0, 10_000))] = Field(
        100.0, alias="HTX_INTAKE_MAX_INFLATED_MB", description="a .docx/.xlsx to import unpacked, at most (zip bombs)")
    intake_max_rows: Annotated[int, BeforeValidator(_whole(1, 1_000_000, "số dòng"))] = Field(
        5000, alias="HTX_INTAKE_MAX_ROWS", description="rows of one sheet or table to import, at most")
    coordinator_password_hash: Annotated[str, BeforeValidator(_password_hash)] | None = Field(
        None, alias="HTX_COORDINATOR_PASSWORD_HASH", repr=False)
    link_key: Annotated[str, BeforeValidator(_link_key)] | None = Field(
        None, alias="HTX_LINK_KEY", repr=False)
    link_key_file: Folder | None = Field(None, alias="HTX_LINK_KEY_FILE")
    link_secret_block: Text | None = Field(None, alias="HTX_LINK_SECRET_BLOCK")
    link_days: Annotated[int, BeforeValidator(_whole(1, 3650, "số ngày"))] = Field(
        DEFAULT_LINK_DAYS, alias="HTX_LINK_DAYS")
    # make run (flows/serve.py) and Prefect
    prefect_host: Text = Field("127.0.0.1", alias="HTX_PREFECT_HOST")
    prefect_port: Port = Field(4200, alias="HTX_PREFECT_PORT")
    runner_limit: Annotated[int, BeforeValidator(_whole(1, 100))] = Field(1, alias="HTX_RUNNER_LIMIT")
    prefect_api_url: Text | None = Field(None, alias="PREFECT_API_URL")
    prefect_home: Folder | None = Field(None, alias="PREFECT_HOME")
    # the environment as read once: the channels' ${NAME} variables (secrets) come from here
    environ: Mapping[str, str] = Field(default_factory=dict, repr=False, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _default_database(cls, data: Any) -> Any:
        if isinstance(data, dict) and not (data.get("HTX_DATABASE_URL") or data.get("database_url")):
            var = data.get("HTX_VAR_DIR") or data.get("var_dir") or DEFAULT_VAR
            data = {**data, "database_url": f"sqlite:///{Path(str(var).strip()) / 'htx-tasks.db'}"}
            data.pop("HTX_DATABASE_URL", None)
        return data

    @classmethod
    def from_env(cls, config_dir: Path | str | None = None, *, environ: Mapping[str, str] | None = None) -> Settings:
        """Parse the process environment (or ``environ``); SettingsError lists every bad variable.

        ``config_dir`` (the command line's ``--config``) wins over ``HTX_CONFIG_DIR``."""
        source = dict(os.environ if environ is None else environ)
        given: dict[str, Any] = {name: value for name in VARIABLES if (value := source.get(name, "")).strip()}
        if config_dir is not None:
            given["HTX_CONFIG_DIR"] = str(config_dir)
        return cls.parse(given, environ=source)

    @classmethod
    def parse(cls, values: Mapping[str, Any], *, environ: Mapping[str, str] | None = None) -> Settings:
        try:
            return cls.model_validate({**values, "environ": dict(environ or {})})
        except ValidationError as error:
            raise SettingsError([_problem(e, values) for e in error.errors()]) from None

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` (field names), checked like the original."""
        values = {name: getattr(self, name) for name in type(self).model_fields if name != "environ"}
        if "var_dir" in changes and "database_url" not in changes and self.database_url == _default_url(self.var_dir):
            values.pop("database_url")
        return type(self).parse({**values, **changes}, environ=self.environ)

    @property
    def inbox_dir(self) -> Path:
        """Where the local inbox writes one file per recipient."""
        return self.inbox_folder or self.var_dir / "inbox"

    @property
    def evidence_dir(self) -> Path:
        """Where evidence files uploaded through the web app are stored."""
        return self.evidence_folder or self.var_dir / "evidence"

    @property
    def evidence_max_bytes(self) -> int:
        return int(self.evidence_max_mb * 1024 * 1024)

    def variable(self, name: str) -> str | None:
        """A channel's ``${NAME}``: ``APPRISE_TEMPLATE_NAME``, else ``NAME``, from the environment read."""
        return self.environ.get(f"APPRISE_TEMPLATE_{name}") or self.environ.get(name)


def _default_url(var_dir: Path) -> str:
    return f"sqlite:///{var_dir / 'htx-tasks.db'}"


def _problem(error: Any, values: Mapping[str, Any]) -> str:
    """``HTX_LINK_DAYS phải là số ngày từ 1 đến 3.650, nhận được 'abc'``: the variable, why, its value."""
    loc = str(error["loc"][0]) if error["loc"] else ""
    field = next((n for n, f in Settings.model_fields.items() if loc in (n, f.alias)), None)
    if field is None:
        return f"{loc}: không có thiết lập này"
    info = Settings.model_fields[field]
    name = info.alias or field
    value = values.get(name, values.get(field, error.get("input")))
    reason = str(error["ctx"]["error"]) if error["type"] == "value_error" else error["msg"]
    return f"{name} {reason}, nhận được {'(giá trị bị ẩn)' if field in SECRETS else repr_vi(name, value)}"


def repr_vi(name: str, value: Any) -> str:
    """The value as quoted in a message: a database password masked, a long value cut."""
    text = str(value)
    if name == "HTX_DATABASE_URL":
        text = re.sub(r"(//[^/:@]*:)[^/@]*@", r"\1***@", text)
    return "'" + (text if len(text) <= 80 else text[:77] + "...") + "'"


# every variable read, by the name people set
VARIABLES: tuple[str, ...] = tuple(f.alias for f in Settings.model_fields.values() if f.alias)
