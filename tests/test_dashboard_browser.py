"""The leaders' dashboard served by Voilà on 127.0.0.1 and opened in headless Chromium: the widgets come
up, picking a college changes the headline figures, no full ID number reaches the page; and the
``aidtools dashboard`` command refuses to expose the dashboard without a token.

Without Chromium or Playwright the browser tests are skipped, except on CI (CI=true), where they fail.
Screenshots go to tests/output/ (gitignored); the test prints their paths.
"""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from aidtools import dashboard, views
from aidtools.cli import main
from fixtures.browser import CHROMIUM, CHROMIUM_ARGS, need_browser
from fixtures.demo_report import FULL_IDS, write_run_dir
from fixtures.servers import free_port

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = Path(__file__).resolve().parent / "output"
REAL_RUN = ROOT / "build" / "demo"
ID_LIKE = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
SERVER_START_SECONDS = 90  # a bound on waiting, not a timing assertion
WIDGETS_MS = 180_000


def full_ids_in(text: str) -> list[str]:
    """18-character runs of ``text`` whose GB 11643 check character holds: full ID numbers."""
    return [c for c in ID_LIKE.findall(text)
            if "10X98765432"[sum(int(d) * w for d, w in zip(c[:17], WEIGHTS)) % 11] == c[-1].upper()]


def server_environment() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def wait_until_listening(process, port: int, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Voilà exited with {process.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.3)
    pytest.fail(f"Voilà did not listen on {port}:\n{log.read_text(errors='replace')[-3000:]}")


def stop(process) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def screenshot(page, path: Path) -> None:
    """The whole dashboard: Voilà scrolls inside its own container, so the viewport grows to the content."""
    height = page.evaluate("() => Math.max(...[...document.querySelectorAll('*')].map(e => e.scrollHeight))")
    page.set_viewport_size({"width": 1400, "height": min(max(int(height) + 40, 1000), 12000)})
    page.screenshot(path=str(path), full_page=True)


def runs() -> list:
    out = ["fixture"]
    if (REAL_RUN / "report.json").is_file():
        out.append("build-demo")
    return out


@pytest.fixture(scope="module", params=runs())
def served(request, tmp_path_factory):
    """(url, report) of a Voilà server on 127.0.0.1 showing the run's dashboard."""
    need_browser()
    run_dir = write_run_dir(tmp_path_factory.mktemp("run")) if request.param == "fixture" else REAL_RUN
    port = free_port()
    log = tmp_path_factory.mktemp("voila") / "voila.log"
    with open(log, "wb") as sink:
        process = dashboard.start(run_dir, port=port, host="127.0.0.1", environ=server_environment(),
                                  stdout=sink, stderr=subprocess.STDOUT)
    try:
        wait_until_listening(process, port, log)
        yield f"http://127.0.0.1:{port}/", views.load_report(run_dir), request.param
    finally:
        stop(process)


@pytest.mark.browser
@pytest.mark.slow
def test_picking_a_college_changes_the_figures(served):
    from playwright.sync_api import sync_playwright

    url, report, name = served
    OUTPUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            # The page links a CDN stylesheet that never loads here: wait for the DOM and the widgets only.
            page.goto(url, wait_until="domcontentloaded", timeout=WIDGETS_MS)
            page.wait_for_selector(".aid-college select", timeout=WIDGETS_MS)
            page.wait_for_selector("#aid-headline #fig-allocated .aid-value", timeout=WIDGETS_MS)
            page.wait_for_selector(".aid-overview img", timeout=WIDGETS_MS)  # the charts
            before = page.inner_text("#fig-allocated .aid-value")
            assert page.get_attribute("#aid-headline", "data-college") == views.ALL
            first = OUTPUT / f"dashboard-{name}-all.png"
            screenshot(page, first)

            year = page.eval_on_selector(".aid-year select", "e => e.options[e.selectedIndex].text")
            colleges = views.options(report)["departments"]
            college = "文学院" if "文学院" in colleges else colleges[0]
            page.select_option(".aid-college select", label=college)
            page.wait_for_selector(f'#aid-headline[data-college="{college}"]', timeout=WIDGETS_MS)
            after = page.inner_text("#fig-allocated .aid-value")
            figures = views.headline(report, year, views.ALL, college)
            assert after == f"{figures['allocated'] / 1e4:,.2f} 万元"
            assert page.inner_text("#fig-difficult .aid-value") == f"{figures['difficult']:,}"
            assert after != before
            if report.history is not None and report.history.previous_round is not None:
                # The history section: changes since the previous round, the trend table, on time / late.
                assert "与上一轮相比" in page.inner_text(".aid-history h3")
                assert "第1轮" in page.inner_text("#aid-trend") and college in page.inner_text("#aid-trend")
                assert "按时通过" in page.inner_text("#aid-timeliness")
            second = OUTPUT / f"dashboard-{name}-{college}.png"
            screenshot(page, second)
            print(f"screenshots: {first} {second}")

            html = page.content()
            assert full_ids_in(html) == []
            assert not any(i in html for i in FULL_IDS)
            assert "run_dir_from_env" not in html  # notebook source stripped
            assert "Traceback" not in html
        finally:
            browser.close()


def test_exposing_the_dashboard_needs_a_token(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("AIDTOOLS_DASHBOARD_TOKEN", raising=False)
    run_dir = write_run_dir(tmp_path / "run")
    assert main(["dashboard", str(run_dir), "--host", "0.0.0.0"]) == 2
    assert "--token" in capsys.readouterr().err
    with pytest.raises(ValueError):
        dashboard.start(run_dir, host="0.0.0.0")


def test_the_command_line_exits_2_without_a_token():
    env = server_environment()
    env.pop("AIDTOOLS_DASHBOARD_TOKEN", None)
    done = subprocess.run([sys.executable, "-m", "aidtools", "dashboard", str(ROOT), "--host", "0.0.0.0"],
                          capture_output=True, text=True, env=env, cwd=ROOT)
    assert done.returncode == 2
    assert "令牌" in done.stderr


def test_a_missing_run_folder_exits_2(tmp_path, capsys):
    assert main(["dashboard", str(tmp_path / "nothing")]) == 2
    assert "aidtools run" in capsys.readouterr().err


@pytest.mark.slow
def test_a_token_guards_the_dashboard_and_stays_off_the_command_line(tmp_path):
    run_dir = write_run_dir(tmp_path / "run")
    token = "t0ken-" + os.urandom(8).hex()
    port = free_port()
    log = tmp_path / "voila.log"
    with dashboard.token_config_dir(token) as config_dir, open(log, "wb") as sink:
        process = dashboard.start(run_dir, port=port, token=token, config_dir=config_dir,
                                  environ=server_environment(), stdout=sink, stderr=subprocess.STDOUT)
        try:
            wait_until_listening(process, port, log)
            assert token not in Path(f"/proc/{process.pid}/cmdline").read_text(errors="replace")
            assert oct(config_dir.stat().st_mode & 0o777) == "0o700"

            class NoRedirect(urllib.request.HTTPRedirectHandler):
                def redirect_request(self, *args, **kwargs):
                    return None

            opener = urllib.request.build_opener(NoRedirect)
            with pytest.raises(urllib.error.HTTPError) as refused:
                opener.open(f"http://127.0.0.1:{port}/", timeout=60)
            assert refused.value.code in (302, 401, 403)
            with opener.open(f"http://127.0.0.1:{port}/?token={token}", timeout=120) as answer:
                assert answer.status == 200
        finally:
            stop(process)
    assert not config_dir.exists()
