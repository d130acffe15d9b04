"""Browser fixtures: the real server (`run.py --demo`) once per module, Debian's Chromium driven by
Playwright, and a `tablet` helper per test (one browser context at one tablet size)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

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
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

_FUNCTION = re.compile(r"^\s*(async\s+)?(\(|function\b|[A-Za-z_$][\w$]*\s*=>)")


def csp_safe(page: Page) -> Page:
    """Pages run under their Content-Security-Policy (no 'unsafe-eval'), and Playwright polls a
    `wait_for_function` *expression* with eval, which the policy refuses; a function it calls
    directly. So an expression is handed over as `() => (expression)`: the same predicate."""
    wait = page.wait_for_function

    def wait_for_function(expression: str, *args: Any, **kwargs: Any) -> Any:
        if not _FUNCTION.match(expression):
            expression = f"() => ({expression})"
        return wait(expression, *args, **kwargs)

    page.wait_for_function = wait_for_function  # type: ignore[method-assign]
    return page


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
                                  device_scale_factor=1, has_touch=True,
                                  locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    try:
        yield Tablet(csp_safe(context.new_page()), demo_server, request.param)
    finally:
        context.close()


@pytest.fixture
def tablets(chromium_browser: Browser,
            demo_server: DemoServer) -> Iterator[Callable[..., RoomTablet]]:
    contexts: list[BrowserContext] = []

    def make(username: str, size: str = "768x1024") -> RoomTablet:
        width, height = SIZES[size]
        context = chromium_browser.new_context(viewport={"width": width, "height": height},
                                               has_touch=True, locale="zh-CN",
                                               timezone_id="Asia/Shanghai")
        context.set_default_timeout(15_000)
        contexts.append(context)
        tablet = RoomTablet(csp_safe(context.new_page()), demo_server, size)
        tablet.login(username)
        return tablet

    yield make
    for context in contexts:
        context.close()
