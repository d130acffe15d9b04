"""The proposal stage on the chief examiner's incident page, in real Chromium (1024×768): a
Tier-2 incident is proposed (拟处理), its pre-decision notice issued and served, a paper
statement recorded; confirming too early is refused in Chinese; a signed waiver then lets the
chief confirm with reasons."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser_kit import DemoServer, serve_demo

pytestmark = pytest.mark.browser

STATEMENT = "本人只是查看时间，没有使用手机。"


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    with serve_demo(tmp_path_factory.mktemp("demo-due"),
                    {"PROCTOR_PRE_NOTICE_TIERS": "2,3"}) as server:
        yield server


def test_the_chief_proposes_hears_the_candidate_then_confirms(tablets):
    inv, chief = tablets("inv1"), tablets("chief", "1024x768")
    inv.open_room()
    inv.card(24)
    inv.page.click("#card-body button.danger.big")
    inv.page.wait_for_selector("#incident[open]")
    inv.page.click("#incident-body button.rule-choice[data-rule='T2.4']")
    inv.page.click("#save-incident")
    chief.open("/review/sittings/1")
    chief.page.wait_for_selector("#queue li[data-incident]")
    with chief.page.expect_navigation():
        chief.page.click("#queue li[data-incident] a.button >> nth=0")
    assert chief.page.is_visible("#decision button[value=propose]")
    assert not chief.page.is_visible("#decision button[value=confirm]")
    chief.page.fill("#decision textarea[name=note]", "拟取消本次全部科目成绩")
    chief.page.check("#decision input[name=countersign]")
    with chief.page.expect_navigation():
        chief.page.click("#decision button[value=propose]")
    assert chief.page.inner_text(".chip.status-proposed") == "拟处理"

    chief.page.click("#pre-process button.primary")  # issue the pre-decision notices
    chief.page.wait_for_selector("#pre-process .notice-block")
    assert "处理事先告知书" in chief.page.inner_text("#pre-process .notice-block")
    chief.page.click("#pre-process .notice-block form button[type=submit]")  # served today
    chief.page.wait_for_selector("#pre-process .notice-block textarea[name=text]")
    assert "陈述申辩期限至" in chief.page.inner_text("#pre-process .notice-block")
    chief.page.fill("#pre-process textarea[name=text]", STATEMENT)
    chief.page.select_option("#pre-process select[name=received_via]", "post")
    chief.page.click("#pre-process form:has(textarea[name=text]) button[type=submit]")
    chief.page.wait_for_selector("#pre-process blockquote.statement")
    chief.page.wait_for_selector("#statements-considered blockquote.statement")
    assert STATEMENT in chief.page.inner_text("#statements-considered")

    chief.page.fill("#decision textarea[name=note]", "核实无误")
    chief.page.fill("#decision textarea[name=reasons]", "监控录像显示考生持手机操作，不予采纳。")
    chief.page.check("#decision input[name=countersign]")
    chief.page.click("#decision button[value=confirm]")
    chief.page.wait_for_selector("#decision-error:not([hidden])")
    assert "陈述申辩期限尚未届满" in chief.page.inner_text("#decision-error")
    chief.check_layout()
    chief.shoot("review-pre-notice-zh")

    chief.page.fill("#pre-process input[name=witness]", "监考员 李四")
    chief.page.click("#pre-process form:has(input[name=witness]) button[type=submit]")
    chief.page.wait_for_function(
        "document.querySelector('#pre-process .notice-block').innerText.includes('书面放弃')")
    with chief.page.expect_navigation():
        chief.page.click("#decision button[value=confirm]")
    assert chief.page.inner_text(".chip.status-confirmed") == "已确认"
    pre_url = chief.page.get_attribute("#pre-process .notice-block a.button", "href")
    assert pre_url is not None
    chief.open(pre_url)
    assert "处理事先告知书" in chief.text() and "第三条" in chief.text()
    chief.shoot("pre-notice-a4-zh")
