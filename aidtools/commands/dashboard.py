"""``aidtools dashboard OUT [--port N] [--host H] [--token T]``: serve the leaders' dashboard of a run.

Listens on 127.0.0.1 unless ``--host`` says otherwise; any other host needs ``--token`` (exit 2
without one). The token may also come from ``AIDTOOLS_DASHBOARD_TOKEN``, which keeps it out of the
shell history. The address is printed once the server accepts connections; when Voilà exits before
that, the command says so and returns Voilà's exit status; a port already in use is exit 2.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

HELP = "启动领导看板（Voilà） / serve the leaders' dashboard"
ORDER = 60
TOKEN_VARIABLE = "AIDTOOLS_DASHBOARD_TOKEN"


def add_arguments(p) -> None:
    p.add_argument("out", metavar="OUT", help="aidtools run 的输出文件夹（含 report.json）")
    p.add_argument("--port", type=int, default=8866, help="端口（默认8866）")
    p.add_argument("--host", default="127.0.0.1",
                   help="监听地址（默认127.0.0.1，仅本机可访问；其他地址必须设置 --token）")
    p.add_argument("--token", default=None,
                   help=f"访问令牌；对本机以外开放时必须设置（也可用环境变量 {TOKEN_VARIABLE}）")


def run(args) -> int:
    from aidtools import dashboard

    token = args.token or os.environ.get(TOKEN_VARIABLE) or None
    if not dashboard.is_local(args.host) and not token:
        print(f"拒绝启动：看板含资助数据，在 {args.host} 上对本机以外开放时必须用 --token 设置访问令牌"
              f"（或只在本机使用：--host 127.0.0.1）。", file=sys.stderr)
        return 2
    out = Path(args.out)
    if not (out / "report.json").is_file():
        print(f"找不到 {out / 'report.json'}：请先运行 aidtools run SUBMISSIONS --out {out}", file=sys.stderr)
        return 2
    notebook = dashboard.dashboards_dir() / dashboard.DEFAULT_NOTEBOOK
    if not notebook.is_file():
        print(f"找不到看板笔记本：{notebook}（aidtools 安装不完整，请重新安装）", file=sys.stderr)
        return 2
    shown = "[::1]" if args.host == "::1" else args.host
    address = f"http://{shown}:{args.port}/"
    ready = []

    def announce() -> None:
        ready.append(True)
        print(f"看板地址：{address}" + ("（需要访问令牌）" if token else "") + "  按 Ctrl+C 停止", flush=True)

    print("正在启动看板（Voilà），请稍候……", flush=True)
    try:
        status = dashboard.serve(out, port=args.port, host=args.host, token=token, on_ready=announce)
    except dashboard.PortInUse:
        print(f"端口 {args.port} 已被占用：请用 --port 换一个端口。", file=sys.stderr)
        return 2
    if not ready:
        print(f"看板未能启动：Voilà 在接受连接之前已退出（退出码 {status}），请查看上面的出错信息。", file=sys.stderr)
    return status
