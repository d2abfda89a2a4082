"""CLI commands for the web app: serve it, print a unit's link, revoke a unit's links."""

from __future__ import annotations

from typing import Annotated

import typer

from htx_tasks import clock
from htx_tasks.cli import output
from htx_tasks.cli.common import ConfigOpt, active_plans, context, errors, office_plan, open_engine
from htx_tasks.links import LinkMaker
from htx_tasks.services import Refused
from htx_tasks.services import links as link_service
from htx_tasks.store.db import session_scope

links_app = typer.Typer(help="Liên kết riêng (đã ký) của đơn vị và cơ quan thường trực.")
NO_KEY = ("chưa có khoá ký liên kết: đặt HTX_LINK_KEY (ít nhất 16 ký tự), HTX_LINK_KEY_FILE "
          "hoặc HTX_LINK_SECRET_BLOCK (tên Prefect Secret block)")


def serve(
    host: Annotated[str, typer.Option("--host", help="Địa chỉ nghe (mặc định 127.0.0.1).")] = "127.0.0.1",
    port: Annotated[int | None, typer.Option("--port", help="Cổng (mặc định HTX_WEB_PORT, hoặc 8300).")] = None,
    config: ConfigOpt = None,
) -> None:
    """Chạy trang web cho đơn vị và cơ quan thường trực."""
    import uvicorn

    from htx_tasks.web.app import create_app

    with errors():
        ctx = context(config)
        signer = ctx.signer()
        if signer is None:
            raise Refused(NO_KEY)
        plans = active_plans(config)  # a unit's page shows its items of every plan being followed
        app = create_app(ctx.database(), next(iter(plans.values())), signer, settings=ctx.settings, plans=plans)
        settings = ctx.settings
    port = port or settings.web_port
    output.say(f"Trang web: http://{host}:{port} (Ctrl-C để dừng)")
    uvicorn.run(app, host=host, port=port, **server_options(settings.web_trusted_proxies))


def server_options(trusted_proxies: str) -> dict:
    """How uvicorn serves the app: no access log (the path carries the signed link; the app logs each
    action with the link id), and the client's address taken from X-Forwarded-For only when the
    request comes from a trusted proxy (HTX_WEB_TRUSTED_PROXIES): what the audit and the login limits see."""
    return {"access_log": False, "proxy_headers": True, "forwarded_allow_ips": trusted_proxies}


def _maker(config) -> LinkMaker:
    ctx = context(config)
    if ctx.links is not None:
        return ctx.links
    if not ctx.link_key:
        raise Refused(NO_KEY)
    settings = ctx.settings  # no HTX_WEB_URL: the address ``make run`` serves the pages at
    local = settings.model_copy(update={"web_url": f"http://{settings.prefect_host}:{settings.web_port}"})
    maker = LinkMaker.of(local, ctx.link_key)
    assert maker is not None
    return maker


@links_app.command("show")
def show(unit: Annotated[str, typer.Argument(help="Mã đơn vị, hoặc 'coordinator' cho cơ quan thường trực.")],
         config: ConfigOpt = None) -> None:
    """In liên kết riêng của một đơn vị (hoặc của cơ quan thường trực)."""
    with errors():
        plan, engine, maker = office_plan(config), open_engine(config), _maker(config)
        with session_scope(engine) as session:
            url = link_service.page_link(session, plan, maker, unit)
    print(url)  # whole, never wrapped: a cut link does not verify


@links_app.command("revoke")
def revoke_links(unit: Annotated[str, typer.Argument(help="Mã đơn vị, mã nhóm (mọi thành viên) hoặc 'coordinator'.")],
                 config: ConfigOpt = None) -> None:
    """Thu hồi mọi liên kết đã cấp cho một đơn vị (một nhóm: cho từng thành viên); thông báo sau mang liên kết mới."""
    with errors():
        plan, engine = office_plan(config), open_engine(config)
        with session_scope(engine) as session:  # all or none
            versions = link_service.revoke_links(session, plan, unit, now=clock.utcnow())
    subjects = list(versions)
    if subjects == [unit]:
        output.say(f"Đã thu hồi các liên kết cũ của '{unit}' (phiên bản liên kết mới: {versions[unit]}).")
    else:
        output.say(f"Đã thu hồi các liên kết cũ của {len(subjects)} thành viên nhóm '{unit}': {', '.join(subjects)}.")


@links_app.command("hash-password")
def hash_password() -> None:
    """Tạo giá trị HTX_COORDINATOR_PASSWORD_HASH cho trang đăng nhập của cơ quan thường trực."""
    from htx_tasks.services.login import hash_password as make_hash

    password = typer.prompt("Mật khẩu", hide_input=True, confirmation_prompt="Nhập lại mật khẩu")
    if len(password) < 12:
        output.fail("mật khẩu cần ít nhất 12 ký tự")
        raise typer.Exit(2)
    print(make_hash(password))
