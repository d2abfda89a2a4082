"""``htx-tasks deploy --pool NAME``: register the deployments to a Prefect work pool.

The deployments are the same as ``make run`` serves (generated from ``config/plan.yaml``); here
they are run by workers (``prefect worker start --pool NAME``), possibly on other machines, which
pull the code from ``--source`` and read ``HTX_DATABASE_URL`` from their own environment.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from htx_tasks.cli import output
from htx_tasks.cli.common import ConfigOpt, JsonOpt, active_plans, context, errors
from htx_tasks.services import BadInput, Refused

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SECRET_IN_URL = re.compile(r"://[^/@:\s]+:[^/@\s]+@")  # user:password@ in a URL


def _flows_module():
    """The ``flows`` package lives next to ``htx_tasks`` in the project, not in site-packages."""
    if not (PROJECT_ROOT / "flows" / "deployments.py").exists():
        raise Refused(f"không tìm thấy thư mục flows/ của dự án (tìm ở {PROJECT_ROOT})")
    if str(PROJECT_ROOT) not in sys.path:
        sys.path.insert(0, str(PROJECT_ROOT))
    from flows import deployments

    return deployments


def _env_pairs(values: list[str]) -> dict[str, str]:
    env = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not name:
            raise BadInput(f"--env cần dạng TÊN=GIÁ_TRỊ, nhận được '{value}'")
        env[name] = text
        if SECRET_IN_URL.search(text):
            output.errors.print(
                f"Cảnh báo: --env {name} chứa mật khẩu; giá trị này được lưu trong deployment và hiện trên "
                "Prefect UI. Nên đặt biến này trong môi trường của từng worker.", highlight=False, markup=False,
            )
    return env


def ensure_pool(name: str) -> bool:
    """Create a process work pool named ``name`` unless it exists; True when created."""
    from prefect import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            pool = client.read_work_pool(name)
        except ObjectNotFound:
            client.create_work_pool(WorkPoolCreate(name=name, type="process"))
            return True
        if pool.type != "process":
            output.errors.print(f"Cảnh báo: work pool '{name}' loại '{pool.type}', không phải 'process'.")
        return False


def deploy(
    pool: Annotated[str, typer.Option("--pool", help="Tên work pool (loại process; tạo mới nếu chưa có).")],
    source: Annotated[str | None, typer.Option(
        "--source", help="Nơi worker lấy mã: thư mục dự án (mặc định, cùng đường dẫn trên mọi máy) hoặc URL git.",
    )] = None,
    queue: Annotated[str | None, typer.Option("--queue", help="Hàng đợi trong work pool.")] = None,
    env: Annotated[list[str] | None, typer.Option(
        "--env", help="Biến môi trường cho mỗi lượt chạy, dạng TÊN=GIÁ_TRỊ (lặp lại được).",
    )] = None,
    config: ConfigOpt = None,
    json: JsonOpt = False,
) -> None:
    """Đăng ký các deployment (đơn vị Mục III, bảng theo dõi chung, ghi nhận kết quả) vào work pool."""
    with errors():
        if not context(config).settings.prefect_api_url:
            raise BadInput("chưa đặt PREFECT_API_URL (ví dụ http://may-chu:4200/api) của Prefect server dùng chung")
        plans = list(active_plans(config).values())
        variables = _env_pairs(env or [])
        deployments = _flows_module()
        created = ensure_pool(pool)
        registered = deployments.deploy_to_pool(plans, pool, source=source, queue=queue, env=variables)
        if json:
            output.print_json({"pool": pool, "pool_created": created,
                               "deployments": [{"name": n, "id": str(i)} for n, i in registered]})
            return
        if created:
            output.say(f"Đã tạo work pool '{pool}' (loại process).")
        output.print_table(
            f"Đã đăng ký {len(registered)} deployment vào work pool '{pool}'",
            ["Deployment", "Mã"], [(name, str(ident)) for name, ident in registered],
        )
        output.say(f"Chạy worker trên mỗi máy: [bold]prefect worker start --pool {escape(pool)}[/]", markup=True)
