"""The analysts' notebooks as an analyst meets them: a real JupyterLab on 127.0.0.1 (a free port, a
token) with the project's own settings (jupyterlab/overrides.d/), each notebook opened in headless
Chromium at 1400 px, restarted and run all; the widgets render and respond, nothing lands on stderr, the
figures on the page are report.json's for the same folder and options, and no table header is English.

Screenshots go to tests/output/notebook-*.png (gitignored). Without Chromium or Playwright the tests
skip, except on CI (CI=true), where they fail.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from fixtures.browser import CHROMIUM, CHROMIUM_ARGS, need_browser
from fixtures.servers import free_port, stop_group

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = Path(__file__).resolve().parent / "output"
SAMPLE = ROOT / "sample_data" / "submissions"
AS_OF = "20180715"  # the sample university's "today" (Makefile: SAMPLE_AS_OF)
START_SECONDS = 120  # bounds on waiting, not timing assertions
RUN_MS = 600_000
WIDGET_MS = 120_000
CJK = re.compile(r"[\u4e00-\u9fff]")
EMPTY_WORDS = {"nan", "NaN", "None", "<NA>", "NaT", "null"}
ENGLISH_VALUES = {"error", "warning", "info", "student", "disbursement", "allocation", "loan", "difficulty"}

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def lab_settings_dir(folder: Path) -> Path:
    """The app settings folder JupyterLab reads: the project's overrides, plus one for the test only
    (every cell stays in the page, so the screenshot and the queries see the whole notebook)."""
    shipped = ROOT / "jupyterlab" / "overrides.d"
    target = folder / "overrides.d"
    shutil.copytree(shipped, target)
    (target / "zz-test.json").write_text(json.dumps(
        {"@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"}}), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """(base url, token, workspace root, report.json of ``aidtools run`` on the same folder)."""
    need_browser()
    from aidtools.job import run_job
    from aidtools.steps import options

    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(SAMPLE, root / "sample_data" / "submissions")
    (root / "notebooks").mkdir()
    for path in sorted((ROOT / "notebooks").glob("0*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        cell.source += f"\nAS_OF = {AS_OF!r}"  # what papermill does with -p AS_OF
        nbformat.write(nb, root / "notebooks" / path.name)
    run_job(root / "sample_data" / "submissions", root / "run", options(as_of=AS_OF), html=False)
    report = json.loads((root / "run" / "report.json").read_text(encoding="utf-8"))

    home = tmp_path_factory.mktemp("home")
    token = os.urandom(12).hex()
    port = free_port()
    env = {**os.environ, "JUPYTER_TOKEN": token, "HOME": str(home), "JUPYTER_CONFIG_DIR": str(home / "config"),
           "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
           "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
    log = home / "lab.log"
    with open(log, "wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
             f"--ServerApp.root_dir={root}", f"--LabApp.app_settings_dir={lab_settings_dir(home / 'app')}",
             "--ServerApp.kernel_spec_manager_class=aidtools.kernel.ThisInterpreterKernelSpecManager",
             "--LabApp.expose_app_in_browser=True"],
            cwd=root, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + START_SECONDS
        while "is running at" not in log.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.3)
        yield f"http://127.0.0.1:{port}", token, root, report
    finally:
        stop_group(process)


TABLES_JS = """() => [...document.querySelectorAll('.jp-Notebook .jp-OutputArea-output table')].map(t => ({
    head: [...t.querySelectorAll('thead th')].map(c => c.innerText.trim()),
    rows: [...t.querySelectorAll('tbody tr')].map(r => [...r.querySelectorAll('td, th')].map(c => c.innerText.trim())),
}))"""


def tables(page) -> list[dict]:
    return page.evaluate(TABLES_JS)


def table_with(page, *headers) -> list[dict]:
    """The rows (header -> text) of the first output table that has every one of ``headers``."""
    for table in tables(page):
        if all(h in table["head"] for h in headers):
            return [dict(zip(table["head"], row)) for row in table["rows"]]
    raise AssertionError(f"no table with {headers}")


def number(text: str) -> int:
    return int(text.replace(",", "")) if text.strip() else 0


def api(base: str, token: str, path: str):
    """GET ``path`` of the Jupyter server's REST API (JSON)."""
    request = urllib.request.Request(f"{base}{path}", headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read().decode("utf-8"))


def wait_kernel_idle(page, base: str, token: str, notebook: str, seconds: float) -> str:
    """The id of the kernel of ``notebook``'s session once the server says it is idle and the page is
    connected to it and has it idle too (JupyterLab's own session context, exposed by
    ``--LabApp.expose_app_in_browser``). Until then a click on "restart and run all" can race the start."""
    deadline, seen = time.monotonic() + seconds, "no session yet"
    while time.monotonic() < deadline:
        sessions = [s for s in api(base, token, "/api/sessions") if s.get("path") == notebook]
        if sessions and sessions[0].get("kernel"):
            kernel = api(base, token, f"/api/kernels/{sessions[0]['kernel']['id']}")
            seen = f"server: kernel {kernel['id']} {kernel['execution_state']}"
            if kernel["execution_state"] == "dead":
                break
            page_state = page.evaluate(PAGE_KERNEL_JS, notebook)
            seen += f"; page: {page_state}"
            if kernel["execution_state"] == "idle" and page_state == f"{kernel['id']} connected idle ready":
                return kernel["id"]
        time.sleep(0.5)
    raise AssertionError(f"the kernel of {notebook} did not become idle in {seconds:.0f} s ({seen})")


# what the page's session context says about the notebook's kernel: "<id> <connection> <status> ready|not ready"
PAGE_KERNEL_JS = """(path) => {
    const app = window.jupyterapp;
    if (!app) return 'no app';
    const panel = [...app.shell.widgets('main')].find(w => w.context && w.context.path === path);
    const ctx = panel && panel.sessionContext;
    const kernel = ctx && ctx.session && ctx.session.kernel;
    if (!kernel) return 'no kernel';
    return `${kernel.id} ${kernel.connectionStatus} ${kernel.status} ${ctx.isReady ? 'ready' : 'not ready'}`;
}"""

# every code cell: its prompt and the first line of its code
CELLS_JS = """() => [...document.querySelectorAll(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-CodeCell')].map(c => ({
    prompt: (c.querySelector('.jp-InputPrompt') || {innerText: ''}).innerText.trim(),
    code: ((c.querySelector('.jp-InputArea-editor .cm-content') || {innerText: ''}).innerText.trim().split('\\n')[0]),
}))"""


def code_cells(page) -> list[dict]:
    return page.evaluate(CELLS_JS)


def open_and_run(page, base: str, token: str, name: str) -> None:
    """Open ``notebooks/name`` in JupyterLab, wait until its kernel is idle and the page connected, then
    restart and run all as an analyst does (the toolbar button, the dialog), and wait until every code
    cell has its execution count; a cell that did not finish is named in the failure."""
    notebook = f"notebooks/{name}"
    page.goto(f"{base}/lab/tree/{notebook}?reset&token={token}", wait_until="domcontentloaded", timeout=RUN_MS)
    page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=WIDGET_MS)
    waited = time.monotonic()
    kernel = wait_kernel_idle(page, base, token, notebook, START_SECONDS)
    print(f"{name}: kernel idle and connected after {time.monotonic() - waited:.1f} s")
    page.click('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-NotebookPanel-toolbar [data-command="notebook:restart-run-all"]')
    page.click(".jp-Dialog .jp-mod-accept")
    started, deadline = time.monotonic(), time.monotonic() + RUN_MS / 1000
    cells = code_cells(page)
    while time.monotonic() < deadline:
        cells = code_cells(page)
        if cells and all(re.fullmatch(r"\[\d+\]:?", c["prompt"]) for c in cells):
            print(f"{name}: run all took {time.monotonic() - started:.0f} s")
            return
        state = api(base, token, f"/api/kernels/{kernel}")["execution_state"]
        if state == "dead" or not any(s.get("kernel", {}).get("id") == kernel for s in api(base, token, "/api/sessions")):
            break
        time.sleep(1)
    screenshot(page, f"{Path(name).stem}-unfinished")
    unfinished = [f"cell {k + 1} {c['prompt'] or '[ ]'} {c['code']!r}" for k, c in enumerate(cells)
                  if not re.fullmatch(r"\[\d+\]:?", c["prompt"])]
    state = api(base, token, f"/api/kernels/{kernel}")["execution_state"] if kernel else "?"
    raise AssertionError(f"{name}: after {time.monotonic() - started:.0f} s (the server has the kernel {state}), "
                         "these cells did not finish: " + "; ".join(unfinished))


def outputs_text(page) -> str:
    """What the cells printed and displayed (not their code)."""
    return "\n".join(page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea").all_inner_texts())


def screenshot(page, name: str) -> Path:
    """The whole notebook at 1400 px: the viewport grows to the notebook's height."""
    OUTPUT.mkdir(exist_ok=True)
    height = page.evaluate("() => Math.max(...[...document.querySelectorAll('.jp-Notebook, .jp-WindowedPanel-outer,"
                           " .jp-WindowedPanel-inner')].map(e => e.scrollHeight))")
    page.set_viewport_size({"width": 1400, "height": min(int(height) + 160, 16000)})
    page.wait_for_timeout(500)  # let the layout settle before the picture (not an assertion)
    path = OUTPUT / f"notebook-{Path(name).stem}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


def assert_reads_as_chinese(page) -> None:
    """No error box, no unrendered widget, no English header, no nan/None cell, no news pop-up, Chinese menus."""
    assert page.locator('.jp-Notebook .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
                        ).count() == 0, "stderr or an error in an output"
    text = outputs_text(page)
    for unrendered in ("Loading widget", "VBox(", "HBox(", "Error displaying widget", "Traceback"):
        assert unrendered not in text, unrendered
    for table in tables(page):
        english = [h for h in table["head"] if h and not CJK.search(h)]
        assert not english, f"English headers {english} in {table['head']}"
        cells = {c for row in table["rows"] for c in row}
        assert not cells & EMPTY_WORDS, (cells & EMPTY_WORDS, table["head"])
        assert not cells & ENGLISH_VALUES, (cells & ENGLISH_VALUES, table["head"])
    assert "Jupyter news" not in page.inner_text("body")
    assert "文件" in page.inner_text("#jp-menu-panel") and "内核" in page.inner_text("#jp-menu-panel")


def changes(page, selector: str, action) -> None:
    """``action()`` changes the text of ``selector`` (the kernel answered the widget)."""
    before = page.inner_text(selector)
    action()
    page.wait_for_function("([s, b]) => document.querySelector(s).innerText !== b", arg=[selector, before],
                           timeout=WIDGET_MS)


def pick_other(page, select: str) -> None:
    """Choose, in the <select> ``select``, an option other than the chosen one."""
    options = page.eval_on_selector(select, "e => [...e.options].map(o => o.value)")
    current = page.eval_on_selector(select, "e => e.value")
    page.select_option(select, value=next(o for o in options[1:] if o != current))


def summary_line(run: dict) -> str:
    s = run["summary"]
    superseded = f"（{s['files_superseded']} 个被重新提交取代）" if s["files_superseded"] else ""
    return (f"已检查 {s['files']} 个文件{superseded}，其中 {s['files_passed']} 个通过；"
            f"错误 {s['errors']} 条，警告 {s['warnings']} 条。")


def test_01_check_in_jupyterlab(lab, browser_page):
    base, token, root, run = lab
    page = browser_page
    open_and_run(page, base, token, "01_检查提交.ipynb")
    for widget in (".aid-folder-picker select", ".aid-progress", ".aid-findings-browser table", ".aid-file-viewer table"):
        page.wait_for_selector(widget, timeout=WIDGET_MS)
    shot = screenshot(page, "01_检查提交")
    assert_reads_as_chinese(page)
    text = outputs_text(page)
    assert summary_line(run) in text
    assert f"已完成 {run['summary']['files']} / {run['summary']['files']}" in page.inner_text(".aid-progress")
    by_department = table_with(page, "部门/院系", "错误", "警告")
    expected = {}
    for f in run["files"]:
        if not f["superseded"]:
            e = expected.setdefault(f["department"], [0, 0])
            e[0] += f["errors"]
            e[1] += f["warnings"]
    assert {r["部门/院系"]: [number(r["错误"]), number(r["警告"])] for r in by_department} == expected

    # one interaction per widget kind: the folder picker, the findings browser, the file viewer
    changes(page, ".aid-folder-picker", lambda: (pick_other(page, ".aid-folder-picker select"),
                                                  page.click(".aid-folder-picker button:has-text('进入')")))
    changes(page, ".aid-findings-browser", lambda: pick_other(page, ".aid-filter-department select"))
    changes(page, ".aid-file-viewer", lambda: pick_other(page, ".aid-file select"))
    assert_reads_as_chinese(page)
    assert shot.stat().st_size > 0


def test_02_reconcile_in_jupyterlab(lab, browser_page):
    base, token, root, run = lab
    page = browser_page
    open_and_run(page, base, token, "02_对账.ipynb")
    page.wait_for_selector(".aid-rec-browser select", timeout=WIDGET_MS)
    page.wait_for_selector(".jp-Notebook img", timeout=WIDGET_MS)
    screenshot(page, "02_对账")
    assert_reads_as_chinese(page)
    assert summary_line(run) in outputs_text(page)
    rec = run["reconciliation"]
    assert f"对账发现 {len(rec['findings'])} 条问题" in outputs_text(page)
    shown = table_with(page, "规则", "涉及学生")
    from aidtools import views
    expected = views.reconciliation_by_rule(views.load_report(root / "run" / "report.json"))
    assert [(r["规则"].split("\n")[0], number(r["条数"]), number(r["涉及学生"])) for r in shown] == \
        [(r.rule, int(r.findings), int(r.students)) for r in expected.itertuples()]
    changes(page, ".aid-rec-browser", lambda: pick_other(page, ".aid-rec-browser .aid-filter-rule select"))
    assert_reads_as_chinese(page)


def test_03_merge_in_jupyterlab(lab, browser_page):
    base, token, root, run = lab
    page = browser_page
    open_and_run(page, base, token, "03_合并导出.ipynb")
    page.wait_for_selector(".aid-table-view table", timeout=WIDGET_MS)
    screenshot(page, "03_合并导出")
    assert_reads_as_chinese(page)
    assert summary_line(run) in outputs_text(page)
    shown = table_with(page, "模板", "读取行数", "合并行数", "暂缓行数")
    assert {r["模板"]: (number(r["读取行数"]), number(r["合并行数"]), number(r["暂缓行数"])) for r in shown} == {
        m["title"]: (m["rows_read"], m["rows_merged"], m["rows_held_back"]) for m in run["merge"].values()}
    text = outputs_text(page)
    assert "../" not in text and str(root) not in text, "paths are shown relative to the chosen folder"
    assert not re.search(r"\b[a-z_]+\.(provenance|held_back)\.", text)
    held = ".aid-table-view.aid-held-rows"
    changes(page, held, lambda: page.click(f"{held} button:has-text('显示全部')"))
    assert_reads_as_chinese(page)


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": 1400, "height": 1000})
        finally:
            browser.close()


def test_make_setup_installs_the_settings_where_jupyterlab_reads_them():
    """``make lab-settings`` copies jupyterlab/overrides.d/ into the app settings folder of this interpreter's
    JupyterLab (what the browser tests above point JupyterLab at)."""
    from jupyterlab.labapp import LabApp

    app = LabApp()
    expected = Path(app.app_settings_dir) / "overrides.d" / "aidtools.json"
    done = subprocess.run(["make", "-n", "lab-settings", f"VENV={sys.prefix}"], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    assert f"jupyterlab/overrides.d/aidtools.json {expected}" in done.stdout
    settings = json.loads((ROOT / "jupyterlab" / "overrides.d" / "aidtools.json").read_text(encoding="utf-8"))
    assert settings["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    assert settings["@jupyterlab/translation-extension:plugin"]["locale"] == "zh_CN"
