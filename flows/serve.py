"""``make run``: a local Prefect server, every plan loaded, the deployments of every plan followed served.

1. Starts ``prefect server start`` on 127.0.0.1 (SQLite under ``var/prefect``, analytics off),
   unless ``--api-url`` names a server that is already running, and waits for ``/api/health``.
2. Creates or upgrades the task database and loads the plan through the same service as
   ``htx-tasks init`` (``services.passes.init_database``); an empty cooperative registry gets the
   synthetic demonstration data (``htx-tasks registry demo``).
3. Serves the deployments of ``flows.deployments`` (schedules stay active on shutdown), and
   triggers a first follow-up of every unit, then the board, so the UI is not empty.
4. Ctrl-C stops the runner, then the server it started.

Every setting is parsed once (``htx_tasks.bootstrap``). Prefect's settings are read from the
environment when Prefect is imported, so this module writes them to its environment first (the
server, the web app and every flow run it starts inherit them) and imports Prefect afterwards.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from flows.sync import resolved
from htx_tasks.bootstrap import Context, bootstrap
from htx_tasks.services.plans import followed_plans
from htx_tasks.settings import Settings, SettingsError
from htx_tasks.store.db import read_scope

PROJECT_ROOT = Path(__file__).resolve().parents[1]
log = logging.getLogger(__name__)
_out, _err = Console(), Console(stderr=True)


def say(text: str, *, markup: bool = False) -> None:
    """A line for the person who ran ``make run``; ``markup`` only for fixed texts of ours."""
    _out.print(text, markup=markup, highlight=False)


def fail(text: str) -> None:
    _err.print(f"[bold red]Lỗi:[/] {escape(text)}", highlight=False, soft_wrap=True)


def parse_args(argv: list[str] | None, settings: Settings) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m flows.serve", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=settings.prefect_host)
    parser.add_argument("--port", type=int, default=settings.prefect_port)
    parser.add_argument("--api-url", default=None,
                        help="dùng Prefect server đang chạy (ví dụ http://127.0.0.1:4200/api), không tự khởi động")
    parser.add_argument("--now", default=None,
                        help="thời điểm tính cho lượt theo dõi đầu tiên (mặc định: lúc khởi động)")
    parser.add_argument("--no-first-run", action="store_true", help="không chạy lượt theo dõi đầu tiên")
    parser.add_argument("--web-port", type=int, default=settings.web_port,
                        help="cổng của trang web cho đơn vị (mặc định 8300, trên cùng địa chỉ với Prefect)")
    parser.add_argument("--no-web", action="store_true", help="không khởi động trang web cho đơn vị")
    parser.add_argument("--limit", type=int, default=settings.runner_limit,
                        help="số lượt chạy cùng lúc (mặc định 1: các lượt bị lỡ chạy bù lần lượt, cũ trước)")
    return parser.parse_args(argv)


def prefect_environment(args: argparse.Namespace, settings: Settings) -> dict[str, str]:
    """The environment for this process, the server and every flow run it starts."""
    var_dir = settings.var_dir.resolve()
    given = settings.environ  # Prefect's own variables, as the environment gave them
    env = {
        "PREFECT_HOME": str(settings.prefect_home or var_dir / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        # runs go one at a time (see --limit): poll often so a queue of runs does not wait 10 s each
        "PREFECT_RUNNER_POLL_FREQUENCY": given.get("PREFECT_RUNNER_POLL_FREQUENCY", "2"),
        # the console shows warnings and errors only (the UI keeps every log line); each unit
        # run prints its own one-line summary (flows/logs.py)
        "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": given.get("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING"),
    }
    if args.api_url:
        env["PREFECT_API_URL"] = args.api_url.rstrip("/")
    else:
        base = f"http://{args.host}:{args.port}"
        env.update(PREFECT_API_URL=f"{base}/api", PREFECT_UI_URL=base)
    return env


def healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def start_server(args: argparse.Namespace, env: dict[str, str], settings: Settings) -> subprocess.Popen:
    """``prefect server start`` in its own process group, its output in ``$PREFECT_HOME/server.log``."""
    home = Path(env["PREFECT_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    prefect_bin = Path(sys.executable).with_name("prefect")
    command = [str(prefect_bin) if prefect_bin.exists() else "prefect",
               "server", "start", "--host", args.host, "--port", str(args.port)]
    server_env = {**settings.environ, **env}
    server_env.pop("PREFECT_API_URL", None)  # the server serves it; it does not call it
    server_env["PREFECT_SERVER_UI_API_URL"] = env["PREFECT_API_URL"]  # where the UI in the browser calls
    logfile = (home / "server.log").open("ab")
    return subprocess.Popen(command, env=server_env, stdout=logfile, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)


def web_environment(args: argparse.Namespace, settings: Settings) -> dict[str, str]:
    """The link key (a file under var/ made on first use, unless one is configured) and base URL."""
    from htx_tasks.links import default_key_file, ensure_key_file

    env = {"HTX_WEB_URL": settings.web_url or f"http://{args.host}:{args.web_port}"}
    if not (settings.link_key or settings.link_key_file or settings.link_secret_block):
        env["HTX_LINK_KEY_FILE"] = str(ensure_key_file(default_key_file(settings)))
    return env


def start_web(args: argparse.Namespace, settings: Settings) -> subprocess.Popen:
    """``htx-tasks web`` in its own process group, its output in ``var/web.log``."""
    var_dir = settings.var_dir.resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-c", "from htx_tasks.cli.main import app; app()", "web",
               "--host", args.host, "--port", str(args.web_port)]
    logfile = (var_dir / "web.log").open("ab")
    return subprocess.Popen(command, stdout=logfile, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)


def web_healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def coordinator_link(ctx: Context) -> str | None:
    from htx_tasks.links import COORDINATOR_SUBJECT
    from htx_tasks.services.links import page_link
    from htx_tasks.store.db import session_scope

    if ctx.links is None:
        return None
    with session_scope(ctx.engine) as session:
        # the directory of units is shared: any plan of the office serves (the coordinator has one page)
        return page_link(session, next(iter(ctx.config.plans.values())), ctx.links, COORDINATOR_SUBJECT)


def wait_healthy(api_url: str, server: subprocess.Popen | None, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if healthy(api_url):
            return
        if server is not None and server.poll() is not None:
            raise RuntimeError(f"Prefect server dừng ngay khi khởi động (mã {server.returncode}); xem server.log")
        time.sleep(0.5)
    raise RuntimeError(f"Prefect server không trả lời {api_url}/health sau {timeout:.0f} giây")


def stop_server(server: subprocess.Popen | None) -> None:
    """Terminate the server's whole process group; kill it if it does not stop in time."""
    if server is None or server.poll() is not None:
        return
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
    except ProcessLookupError:
        pass


def init_database(ctx: Context) -> str:
    """Create or upgrade the task database and load every plan: ``htx-tasks init``'s service."""
    from htx_tasks import clock
    from htx_tasks.registry.files import SYNTHETIC_BANNER
    from htx_tasks.services import passes

    plans, engine = list(ctx.config.plans.values()), ctx.engine  # every file checked before the first write
    done = passes.init_database(engine, plans, demo=True, now=clock.utcnow())  # demo: only into an empty registry
    if done.demo is not None:
        say(f"Sổ theo dõi HTX còn trống: đã nạp {len(done.demo.created)} tổ chức {SYNTHETIC_BANNER}.")
    return engine.url.render_as_string(hide_password=True)


def first_follow_up(names: list[str], board: str, now: str | None, timeout: float = 600,
                    then: tuple[str, ...] = ()) -> None:
    """Run every unit's follow-up once, then the board (and ``then``), so the UI shows the plan at once."""
    from prefect import get_client
    from prefect.deployments import run_deployment
    from prefect.exceptions import ObjectNotFound

    parameters = {"now": now} if now else {}
    try:
        with get_client(sync_client=True) as client:
            for _ in range(240):  # the runner registers the deployments as it starts
                try:
                    client.read_deployment_by_name(board)
                    break
                except ObjectNotFound:
                    time.sleep(0.5)
            runs = [resolved(run_deployment(name, parameters=parameters, timeout=0, as_subflow=False)) for name in names]
            _wait(client, [r.id for r in runs], timeout)
            board_run = resolved(run_deployment(board, parameters=parameters, timeout=0, as_subflow=False))
            _wait(client, [board_run.id], timeout)
            later = [resolved(run_deployment(name, parameters=parameters, timeout=0, as_subflow=False)) for name in then]
            _wait(client, [r.id for r in later], timeout)
        say(f"Lượt theo dõi đầu tiên xong: {len(runs)} đơn vị và bảng theo dõi chung.")
    except Exception:  # the service keeps running; the schedules will follow up anyway
        log.exception("first follow-up could not be triggered")


def _wait(client, ids, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    pending = set(ids)
    while pending and time.monotonic() < deadline:
        for run_id in list(pending):
            state = client.read_flow_run(run_id).state
            if state is not None and state.is_final():
                pending.discard(run_id)
        time.sleep(1)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    try:
        settings = bootstrap().settings
    except SettingsError as exc:
        fail(str(exc))
        return 2
    args = parse_args(argv, settings)
    signal.signal(signal.SIGTERM, _interrupt)  # stop cleanly while starting; the runner takes over
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C works even if started in the background
    os.chdir(PROJECT_ROOT)
    env = prefect_environment(args, settings)
    if not args.no_web:
        env.update(web_environment(args, settings))  # the flow runs inherit it: their messages carry links
    os.environ.update(env)  # for Prefect, imported below, and every process started from here
    ctx = bootstrap(environ={**settings.environ, **env})  # what this process and its children run on
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:  # Prefect's loggers (the runner's "runs skipped") propagate INFO here
        handler.setLevel(logging.WARNING)
    api_url = env["PREFECT_API_URL"]
    server = web = None
    try:
        if args.api_url is None and healthy(api_url):
            say(f"Đã có Prefect server chạy tại {api_url}; dùng server này.")
        elif args.api_url is None:
            say(f"Khởi động Prefect server tại http://{args.host}:{args.port} "
                       f"(dữ liệu trong {env['PREFECT_HOME']})…")
            server = start_server(args, env, ctx.settings)
        wait_healthy(api_url, server)
        database = init_database(ctx)
        say(f"Cơ sở dữ liệu: {database}; đã nạp kế hoạch.")
        if not args.no_web:
            web_url = env["HTX_WEB_URL"]
            if web_healthy(web_url):
                say(f"Đã có trang web chạy tại {web_url}; dùng trang này.")
            else:
                web = start_web(args, ctx.settings)
            say(f"[bold green]Trang web cho đơn vị: {web_url}[/] (nhật ký: {ctx.settings.var_dir / 'web.log'})",
                       markup=True)
            # printed whole: a link cut by line wrapping would not verify
            print(f"Liên kết của cơ quan thường trực: {coordinator_link(ctx)}", flush=True)

        from prefect import serve

        from flows.deployments import BOARD_NAME, INDICATORS_NAME, runner_deployments, specs
        from flows.units import follow_up_unit

        everyone = ctx.office_plans()
        with read_scope(ctx.engine) as session:  # every plan being followed, each with its deployments
            plans = list(followed_plans(session, everyone).values()) or list(ctx.config.plans.values())
        deployments = runner_deployments(plans)
        all_specs = specs(plans)
        if not args.no_first_run:
            units = [s.full_name for s in all_specs if s.flow is follow_up_unit]
            board = next(s.full_name for s in all_specs if s.name == BOARD_NAME)
            then = tuple(s.full_name for s in all_specs if s.name.startswith(INDICATORS_NAME))
            threading.Thread(target=first_follow_up, args=(units, board, args.now),
                             kwargs={"then": then}, daemon=True).start()
        ui = env.get("PREFECT_UI_URL") or api_url.removesuffix("/api")
        say(f"[bold green]Prefect UI: {ui}[/]  ({len(deployments)} deployment; Ctrl-C để dừng)", markup=True)
        serve(*deployments, pause_on_shutdown=False, limit=args.limit, print_starting_message=False)
        return 0
    except KeyboardInterrupt:
        return 0
    except RuntimeError as exc:
        fail(str(exc))
        return 1
    finally:
        ctx.close()
        if web is not None:
            stop_server(web)
        if server is not None:
            say("Dừng Prefect server…")
            stop_server(server)


if __name__ == "__main__":
    sys.exit(main())
