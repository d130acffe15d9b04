"""Browser fixtures: the real server (`run.py --demo`) once per module, Debian's Chromium driven by
Playwright, and a `tablet` helper per test (one browser context at one tablet size)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest
from browser_kit import (
    CHROMIUM,
    LAUNCH_ARGS,
    ROOT,
    SIZES,
    DemoServer,
    RoomTablet,
    Tablet,
    _browser_missing,
    _free_port,
    _has_cjk_font,
    _stop,
    _wait_until_healthy,
)
from playwright.sync_api import Browser, BrowserContext, sync_playwright


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """`python run.py --demo` on a free port with its own data folder; stopped even on failure."""
    data_dir = tmp_path_factory.mktemp("demo-data")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    # XDG_RUNTIME_DIR: gunicorn puts its control socket there, not in the shared ~/.gunicorn.
    env = {**os.environ, "PROCTOR_DATA_DIR": str(data_dir), "XDG_RUNTIME_DIR": str(data_dir),
           "PYTHONUNBUFFERED": "1"}
    log = data_dir / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "run.py", "--demo", "--host", "127.0.0.1", "--port", str(port),
             "--threads", "8"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_until_healthy(process, url, log)
        logins = json.loads((data_dir / "demo-logins.json").read_text())
        yield DemoServer(url, {row["username"]: row["password"] for row in logins}, log)
    finally:
        _stop(process)


@pytest.fixture(scope="module")
def chromium_browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        _browser_missing(f"{CHROMIUM} is missing: apt-get install chromium")
    if not _has_cjk_font():
        _browser_missing("no CJK font: apt-get install fonts-wqy-microhei")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(params=list(SIZES))
def tablet(request: pytest.FixtureRequest, chromium_browser: Browser,
           demo_server: DemoServer) -> Iterator[Tablet]:
    width, height = SIZES[request.param]
    context = chromium_browser.new_context(viewport={"width": width, "height": height},
                                  device_scale_factor=1, has_touch=True)
    context.set_default_timeout(15_000)
    try:
        yield Tablet(context.new_page(), demo_server, request.param)
    finally:
        context.close()


@pytest.fixture
def tablets(chromium_browser: Browser,
            demo_server: DemoServer) -> Iterator[Callable[..., RoomTablet]]:
    contexts: list[BrowserContext] = []

    def make(username: str, size: str = "768x1024") -> RoomTablet:
        width, height = SIZES[size]
        context = chromium_browser.new_context(viewport={"width": width, "height": height},
                                               has_touch=True)
        context.set_default_timeout(15_000)
        contexts.append(context)
        tablet = RoomTablet(context.new_page(), demo_server, size)
        tablet.login(username)
        return tablet

    yield make
    for context in contexts:
        context.close()
