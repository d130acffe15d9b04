"""Browser fixtures: the real server (`run.py --demo`) once per module, Debian's Chromium driven by
Playwright, and a `tablet` helper per test (one browser context at one tablet size)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from browser_kit import (
    CHROMIUM,
    LAUNCH_ARGS,
    SIZES,
    DemoServer,
    RoomTablet,
    Tablet,
    _browser_missing,
    _has_cjk_font,
    serve_demo,
)
from playwright.sync_api import Browser, BrowserContext, sync_playwright


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    with serve_demo(tmp_path_factory.mktemp("demo-data")) as server:
        yield server


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
