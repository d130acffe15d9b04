"""The evaluation body's patterns across sittings in real Chromium at 1024×768 (and 768×1024):
a repeat person and copying among neighbouring seats are planted through the services in the
demo server's database; the page shows each kind as a section with what it means and does not
mean, the planted patterns with their records and links to the incidents' review pages, in
Chinese with no English word, and in English after the switch. Screenshots:
test-artifacts/screenshots/authority-patterns-*.png."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from browser_kit import DemoServer, serve_demo
from helpers import FAST_HASHING
from pattern_world import PatternWorld, fresh_id_number

pytestmark = pytest.mark.browser
REPEAT = ("钱再犯", fresh_id_number())
PLANTED: dict[str, Any] = {}


def plant(data_dir: Path) -> None:
    """Two sittings of 2025: 钱再犯 confirmed in both; in the second, three copying incidents
    at seats 2+3, 8 and 9 of room 1 (neighbours) and two at seats 1 and 30 of room 2 (apart)."""
    from proctor import create_app
    from proctor.config import sqlite_url
    from proctor.extensions import db

    app = create_app({"DATA_DIR": str(data_dir), "SQLALCHEMY_DATABASE_URI":
                      sqlite_url(str(data_dir)), "PRE_NOTICE_TIERS": (), **FAST_HASHING})
    with app.app_context():
        world = PatternWorld()
        first = world.sitting(date(2025, 6, 28), candidates=6, people=[REPEAT])
        second = world.sitting(date(2025, 7, 26), rooms=2, people=[REPEAT])
        PLANTED["repeat"] = [world.incident(first, "T2.1", [0]),
                             world.incident(second, "T2.4", [0])]
        PLANTED["copying"] = [world.incident(second, "T2.2", [1, 2], reporter="inv-1"),
                              world.incident(second, "T2.2", [7], reporter="inv-1"),
                              world.incident(second, "T2.2", [8], reporter="inv-1")]
        for seat in (31, 60):
            world.incident(second, "T2.2", [seat - 1], reporter="inv-2")
        world.commit()
        db.engine.dispose()


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    folder = tmp_path_factory.mktemp("demo-patterns")
    with serve_demo(folder) as server:
        plant(folder)
        yield server


ALLOWED_LATIN = {"Holm", "Fisher", "T2.1", "T2.2", "T2.4", "T3.5", "T3.4"}


def test_the_body_sees_the_planted_patterns_with_their_records(tablet):
    tablet.login("authority")
    tablet.open("/authority/")
    with tablet.page.expect_navigation():
        tablet.page.click("nav.authority-nav a[href='/authority/patterns']")
    page = tablet.page
    assert page.inner_text("h1") == "跨场次模式"
    assert "这里的每一项都是提示，不是认定" in page.inner_text(".prompt-banner")
    sections = page.locator("section.pattern-kind")
    assert sections.count() == 5
    repeat = page.locator("#repeat_offender")
    assert repeat.get_attribute("data-found") == "1"
    text = repeat.inner_text()
    assert "多次违纪" in text and "不表示有新的违纪" in text
    assert "钱再犯：2个场次有经确认的违纪" in text and REPEAT[1] in text
    for incident_id in PLANTED["repeat"]:
        assert repeat.locator(f"a[href='/review/incidents/{incident_id}']").count() == 1
    copying = page.locator("#neighbour_copying")
    assert copying.get_attribute("data-found") == "1"
    assert "座位2、3、8、9相邻，有3起抄袭（T2.2）事件" in copying.inner_text()
    assert "T3.5" in copying.inner_text()
    rows = copying.locator("tr[data-incident]")
    assert sorted(int(rows.nth(i).get_attribute("data-incident") or 0)
                  for i in range(rows.count())) == sorted(PLANTED["copying"])
    assert page.locator("#impostor_reappears .none-found").inner_text() == "所选场次中未发现。"
    body = page.inner_text("main")  # the top bar's "English" is the language switch
    latin = {w for w in re.findall(r"[A-Za-z][A-Za-z0-9.]+", body)
             if not re.fullmatch(r"S\d{3}", w)} - ALLOWED_LATIN  # S003-0008: ticket numbers
    assert latin == set(), f"English on the Chinese screen: {sorted(latin)}"
    assert "null" not in body and "None" not in body
    tablet.check_layout()
    page.evaluate("window.scrollTo(0, 0)")
    tablet.shoot("authority-patterns-zh")

    with page.expect_navigation():  # a record's link opens the incident's review page
        repeat.locator(f"a[href='/review/incidents/{PLANTED['repeat'][1]}']").click()
    assert page.url.endswith(f"/review/incidents/{PLANTED['repeat'][1]}")
    assert "钱再犯" in tablet.text()


def test_the_page_filters_and_switches_to_english(tablet):
    tablet.login("authority")
    tablet.open("/authority/patterns?from=2025-07-01&to=2025-07-31")
    page = tablet.page
    assert page.locator("#repeat_offender").get_attribute("data-found") == "0"  # one sitting
    assert page.locator("#neighbour_copying").get_attribute("data-found") == "1"
    tablet.open("/authority/patterns?from=2025-08-01&to=2025-07-01")
    assert "起始日期晚于截止日期" in page.inner_text(".flash.error")
    tablet.open("/authority/patterns")
    tablet.switch_language("English")
    assert page.inner_text("h1") == "Patterns across sittings"
    text = page.inner_text("#repeat_offender")
    assert "Repeat misconduct" in text and "A prompt, not a finding" in text
    assert "钱再犯: confirmed incidents in 2 sittings" in text
    assert "organised cheating (T3.5)" in page.inner_text("#neighbour_copying")
    tablet.check_layout()
    page.evaluate("window.scrollTo(0, 0)")
    tablet.shoot("authority-patterns-en")


def test_a_chief_examiner_is_refused_the_page(tablet):
    tablet.login("chief")
    response = tablet.open("/authority/patterns")
    assert response is not None and response.status == 403
