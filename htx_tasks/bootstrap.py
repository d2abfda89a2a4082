"""The one bootstrap: every setting parsed once, and the context every front door runs on.

The command line, each flow run, ``make run`` (``flows/serve.py``) and the web app call
``bootstrap()`` once and take what they need from the ``Context`` it returns: the settings, the
configuration (plan, calendar, channels, checked whole), the database engine, the signing key and
the link maker. Parts are made on first use (``htx-tasks calendar`` never opens a database), so a
context is cheap to build; ``close()`` disposes of the engine it made.

Tests build a ``Context`` from their own ``Settings`` (or hand it parts they made) instead of
patching the environment.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from types import TracebackType

from sqlalchemy import Engine

from htx_tasks.config import Config, load_config
from htx_tasks.delivery.channels import Channels
from htx_tasks.links import LinkMaker, Signer, load_key, signer_of
from htx_tasks.plan.loader import Plan
from htx_tasks.services.draftplan import stored_plans
from htx_tasks.services.errors import Refused
from htx_tasks.settings import Settings
from htx_tasks.store.db import current_revision, make_engine, masked, read_scope

NOT_INITIALISED = "cơ sở dữ liệu chưa được khởi tạo; hãy chạy 'htx-tasks init' trước"


class Context:
    """What a command, a flow run or the web app runs on. Parts given are used as they are."""

    def __init__(self, settings: Settings, *, config: Config | None = None, engine: Engine | None = None) -> None:
        self.settings = settings
        self._owns_engine = engine is None
        self._other_folders: dict[Path, Context] = {}
        if config is not None:
            self.__dict__["config"] = config
        if engine is not None:
            self.__dict__["engine"] = engine

    @cached_property
    def config(self) -> Config:
        """Plan, calendar and channels, checked whole (ConfigError lists every problem)."""
        return load_config(self.settings.config_dir, self.settings.inbox_dir, settings=self.settings)

    @property
    def plan(self) -> Plan:
        return self.config.plan

    def plan_named(self, code: str | None) -> Plan:
        """The plan a flow run names (its ``plan`` parameter; NoSinglePlan for a code the
        configuration does not hold); without one the only plan, or the office's first (the
        deployments of an office with several plans always name theirs)."""
        if code and code not in self.config.plans:  # a plan activated from a reviewed draft
            return self.office_plans().get(code) or self.config.pick(code)
        return self.config.pick(code) if code else next(iter(self.config.plans.values()))

    @property
    def channels(self) -> Channels:
        return self.config.channels

    def office_plans(self) -> dict[str, Plan]:
        """Every plan of the office by code: the configuration's, then those the coordinator activated
        from a reviewed draft (they live in the database, over the configuration's directory of units)."""
        plans = dict(self.config.plans)
        if current_revision(self.engine) is None:
            return plans
        with read_scope(self.engine) as session:
            stored = stored_plans(session, next(iter(plans.values())))
        return plans | {code: plan for code, plan in stored.items() if code not in plans}

    @cached_property
    def engine(self) -> Engine:
        """The engine on ``HTX_DATABASE_URL`` (no connection is made until it is used)."""
        return make_engine(self.settings.database_url)

    def database(self, *, require_schema: bool = True) -> Engine:
        """The engine, refused (``Refused``) on a database never initialised unless ``require_schema`` is off."""
        if require_schema and current_revision(self.engine) is None:
            raise Refused(f"{NOT_INITIALISED} ({masked(self.settings.database_url)})")
        return self.engine

    @cached_property
    def link_key(self) -> str | None:
        """The signing key (``HTX_LINK_KEY``, its file or its Prefect Secret block), read once."""
        return load_key(self.settings)

    def signer(self) -> Signer | None:
        return signer_of(self.settings, self.link_key) if self.link_key else None

    @cached_property
    def links(self) -> LinkMaker | None:
        """The link maker for messages and the board; None without ``HTX_WEB_URL`` or a key."""
        return LinkMaker.of(self.settings, self.link_key) if self.settings.web_url else None

    def with_config_dir(self, config_dir: Path | None) -> Context:
        """This context for another configuration folder (``--config``); the engine is shared."""
        if config_dir is None or Path(config_dir) == self.settings.config_dir:
            return self
        folder = Path(config_dir)
        if folder not in self._other_folders:
            self._other_folders[folder] = Context(self.settings.replace(config_dir=folder), engine=self.engine)
        return self._other_folders[folder]

    def close(self) -> None:
        """Dispose of the engine this context made (one handed in belongs to whoever made it)."""
        for other in self._other_folders.values():
            other.close()
        if self._owns_engine and "engine" in self.__dict__:
            self.__dict__.pop("engine").dispose()

    def __enter__(self) -> Context:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()


def bootstrap(config_dir: Path | str | None = None, *, environ: Mapping[str, str] | None = None) -> Context:
    """Parse every setting once (``SettingsError`` names each bad variable) and return the context.

    ``config_dir`` is the command line's ``--config``; ``environ`` stands in for the process
    environment (a test, a child process being prepared)."""
    return Context(Settings.from_env(config_dir, environ=environ))
