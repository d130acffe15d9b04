"""The analytics page in real Chromium: reminders, a refusal, incidents confirmed, dismissed and
pending, a notice served and a review are recorded in the demo's sitting through the API; the
evaluation body's page then draws every chart (SVG with bars, non-blank), keeps its filters in
the URL, asks nothing of any other origin (every request is recorded), shows no English word
and no null in Chinese, and is photographed at 1024x768, 1280x800 and on a tablet (768x1024)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from browser_kit import SCREENSHOTS, DemoServer, Tablet, api, decide, report_incident
from playwright.sync_api import Browser

pytestmark = pytest.mark.browser

SIZES = {"1024x768": (1024, 768), "1280x800": (1280, 800), "768x1024": (768, 1024)}
CHARTS = ("counts", "rates", "times", "reviews")
# What a Chinese screen may show in Latin letters: rule codes (T2.1), usernames of the demo's
# staff (inv1 …) and the language switch ("English"), nothing else.
ALLOWED_LATIN = re.compile(r"\b(?:[TA]\d(?:\.\d)?|inv\d|chief|authority|English)\b")


def _context(browser: Browser, size: str):  # type: ignore[no-untyped-def]
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height},
                                  device_scale_factor=1, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    return context


@pytest.fixture(scope="module")
def recorded(chromium_browser: Browser, demo_server: DemoServer) -> Iterator[DemoServer]:
    """The demo's sitting 1 with a little of everything the page counts."""
    contexts = []

    def staff(username: str) -> Tablet:
        context = _context(chromium_browser, "1024x768")
        contexts.append(context)
        tablet = Tablet(context.new_page(), demo_server, "1024x768")
        tablet.login(username)
        tablet.open("/")
        return tablet

    inv, chief = staff("inv1"), staff("chief")
    base = demo_server.url
    candidates = api(inv.page, base, "get", "/api/v1/sittings/1/candidates")
    tickets = [c["ticket_no"] for c in candidates if c.get("seat")][:8]
    for index, ticket in enumerate(tickets[:3]):
        warning = api(inv.page, base, "post", "/api/v1/sittings/1/warnings", {
            "client_id": uuid.uuid4().hex, "ticket_no": ticket, "subject": "theory",
            "rule_code": "T1.2", "observed_at": datetime.now(UTC).isoformat()})
        api(inv.page, base, "post", f"/api/v1/warnings/{warning['id']}/outcome",
            {"outcome": "refused" if index == 0 else "complied"})
    confirmed = [report_incident(inv, ticket, "T2.1")["id"] for ticket in tickets[3:5]]
    dismissed = report_incident(inv, tickets[5], "T2.4")["id"]
    report_incident(inv, tickets[6], "T2.5")  # left pending
    for iid in confirmed:
        decide(chief, iid, "confirm")
    decide(chief, dismissed, "dismiss", note="看错了")
    chief.open("/")
    notice, = api(chief.page, base, "post", f"/api/v1/incidents/{confirmed[0]}/notices", {})
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()  # the venue's day
    api(chief.page, base, "post", f"/api/v1/notices/{notice['id']}/service",
        {"method": "in_person", "served_on": today})
    api(chief.page, base, "post", f"/api/v1/notices/{notice['id']}/review",
        {"received_on": today, "grounds": "不服"})
    yield demo_server
    for context in contexts:
        context.close()


def _texts(tablet: Tablet) -> str:
    """What a reader sees: the page's text and every text drawn in the charts."""
    drawn = tablet.page.evaluate(
        "() => [...document.querySelectorAll('svg text')].map((t) => t.textContent).join(' ')")
    return tablet.text() + "\n" + str(drawn)


@pytest.mark.parametrize("size", list(SIZES))
def test_the_charts_draw_offline_in_chinese(chromium_browser: Browser, recorded: DemoServer,
                                           size: str) -> None:
    context = _context(chromium_browser, size)
    try:
        tablet = Tablet(context.new_page(), recorded, size)
        requests: list[str] = []
        tablet.page.on("request", lambda request: requests.append(request.url))
        problems: list[str] = []
        tablet.page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        tablet.page.on("pageerror", lambda e: problems.append(str(e)))
        tablet.login("authority")
        tablet.open("/authority/")
        with tablet.page.expect_navigation():
            tablet.page.click("nav.authority-nav a:has-text('统计分析')")
        for group_by, label in (("rule", "条款"), ("room", "考场"), ("training_body", "培训机构")):
            tablet.page.select_option("select[name=group_by]", group_by)
            with tablet.page.expect_navigation():
                tablet.page.click(".analytics-filter button[type=submit]")
            assert f"group_by={group_by}" in tablet.page.url  # the view is its URL
            tablet.page.wait_for_selector(f"html[data-charts-drawn='{len(CHARTS)}']")
            for chart in CHARTS:
                svg = tablet.page.locator(f".chart[data-chart={chart}] svg")
                assert svg.count() == 1
                box = svg.bounding_box()
                assert box and box["width"] > 300 and box["height"] >= 200
                bars = tablet.page.locator(f".chart[data-chart={chart}] svg path").count()
                assert bars > 4, f"{chart}: {bars} paths"
            table = tablet.page.locator("#counts table").inner_text()
            assert label in table
            text = _texts(tablet)
            assert "null" not in text and "undefined" not in text and "NaN" not in text
            latin = [w for w in re.findall(r"[A-Za-z][A-Za-z0-9.]*", ALLOWED_LATIN.sub(" ", text))]
            assert latin == [], f"English on the Chinese page ({group_by}): {latin[:20]}"
            if group_by == "rule":
                counts = tablet.page.locator("#counts tbody tr:has-text('T2.1') td")
                assert counts.nth(2).inner_text() == "2"  # reported: the two confirmed ones
            tablet.check_layout()
            tablet.page.evaluate("window.scrollTo(0, 0)")
            tablet.shoot(f"analytics-{group_by}-zh")
        tablet.page.reload()
        tablet.page.wait_for_selector(f"html[data-charts-drawn='{len(CHARTS)}']")
        assert tablet.page.input_value("select[name=group_by]") == "training_body"
        assert problems == [], problems
        foreign = [url for url in requests if not url.startswith(recorded.url + "/")]
        assert foreign == [], foreign
        assert any("/vendor/echarts/" in url for url in requests)
    finally:
        context.close()
    assert (SCREENSHOTS / f"analytics-rule-zh-{size}.png").exists()


def test_a_bad_filter_is_said_in_chinese_and_english_has_its_labels(
        chromium_browser: Browser, recorded: DemoServer) -> None:
    context = _context(chromium_browser, "1280x800")
    try:
        tablet = Tablet(context.new_page(), recorded, "1280x800")
        tablet.login("authority")
        tablet.open("/authority/analytics?from=2026-12-31&to=2020-01-01&group_by=tier")
        assert "起始日期晚于截止日期" in tablet.page.inner_text("#filter-error")
        tablet.open("/authority/analytics?group_by=tier&lang=en")
        tablet.page.wait_for_selector(f"html[data-charts-drawn='{len(CHARTS)}']")
        assert tablet.page.inner_text("h1") == "Analytics"
        assert "Tier 2" in tablet.page.locator("#counts table").inner_text()
        tablet.page.evaluate("window.scrollTo(0, 0)")
        tablet.shoot("analytics-tier-en")
    finally:
        context.close()
