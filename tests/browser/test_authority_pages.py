"""The evaluation body's screens in real Chromium at both tablet sizes: create a sitting with two
subjects, add a room, preview a roster with a bad row (nothing imported) and import a good one,
create an account and disable it, and find all of it in the audit log, whose chain is intact.
Every page is photographed (test-artifacts/screenshots/authority-*.png) and checked for touch
targets of at least 44 px and for horizontal overflow, in Chinese and in English."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

import pytest

from proctor.idnumber import make_id_number

if TYPE_CHECKING:
    from browser_kit import Tablet
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

HEADER = "准考证号,姓名,身份证号,科目"
BAD_ID = "310101199001011235"  # wrong check digit


def roster(rows: list[tuple[str, str, str, str]]) -> dict[str, object]:
    text = "\r\n".join([HEADER, *(",".join(row) for row in rows)]) + "\r\n"
    return {"name": "名册.csv", "mimeType": "text/csv", "buffer": text.encode("utf-8-sig")}


def person(index: int) -> str:
    return make_id_number("310104", date(1992, 3, 1 + index), 100 + index)


def shoot(tablet: Tablet, name: str) -> None:
    """Photograph the whole page from its top (the sticky bar then sits where it belongs)."""
    tablet.page.evaluate("window.scrollTo(0, 0)")
    tablet.shoot(name)


def sitting_id(page: Page) -> int:
    match = re.search(r"/authority/sittings/(\d+)", page.url)
    assert match, page.url
    return int(match.group(1))


def create_sitting(tablet: Tablet, occupation: str) -> int:
    page = tablet.page
    tablet.open("/")
    with page.expect_navigation():
        page.click("a[href='/authority/']")
    assert page.inner_text("h1") == "考试场次"
    page.fill("#new-sitting [name=occupation]", occupation)
    page.select_option("#new-sitting [name=level]", "3")
    page.fill("#new-sitting [name=date]", "2025-09-20")
    rows = page.locator("#subject-rows > li")
    page.click("#add-subject")
    assert rows.count() == 3
    rows.nth(2).locator(".remove-subject").click()
    assert rows.count() == 2
    for index, (code, name, start, end) in enumerate([("theory", "理论知识", "09:00", "10:30"),
                                                      ("practical", "操作技能", "13:30", "15:00")]):
        row = rows.nth(index)
        row.locator("[name=code]").fill(code)
        row.locator("[name=name]").fill(name)
        row.locator("[name=starts_at]").fill(start)
        row.locator("[name=ends_at]").fill(end)
    tablet.check_layout()
    shoot(tablet, "authority-sittings-zh")
    with page.expect_navigation():
        page.click("#new-sitting button[type=submit]")
    assert page.inner_text(".flash.success") == "考试场次已创建。"
    assert page.inner_text("#overview h1") == occupation
    subjects = page.locator("#overview tbody tr")
    assert subjects.count() == 2
    first, second = subjects.nth(0).inner_text(), subjects.nth(1).inner_text()
    assert "理论知识" in first and "09:00–10:30" in first
    assert "操作技能" in second and "13:30–15:00" in second
    return sitting_id(page)


def add_room(tablet: Tablet) -> None:
    page = tablet.page
    page.fill("#new-room [name=name]", "第九考场")
    page.fill("#new-room [name=rows]", "4")
    page.fill("#new-room [name=cols]", "5")
    with page.expect_navigation():
        page.click("#new-room button[type=submit]")
    card = page.locator(".room-card", has_text="第九考场")
    assert "4 排 × 5 座" in card.inner_text()
    assert card.locator(".mini-grid span").count() == 20
    # A second room of the same name: the API's error is shown next to the form.
    page.fill("#new-room [name=name]", "第九考场")
    page.click("#new-room button[type=submit]")
    page.wait_for_selector("#new-room-message:not([hidden])")
    assert "已有同名考场" in page.inner_text("#new-room-message")
    assert page.get_attribute("#new-room [name=name]", "aria-invalid") == "true"


def assign_staff(tablet: Tablet) -> None:
    page = tablet.page
    chief = page.locator(".staff-form[data-role=chief]")
    chief.locator("button[type=submit]").click()  # nobody chosen: the API says why
    chief.locator(".staff-message:not([hidden])").wait_for()
    chief.locator("[name=username]").select_option("chief")
    with page.expect_navigation():
        chief.locator("button[type=submit]").click()
    invigilator = page.locator(".staff-form[data-role=invigilator]")
    invigilator.locator("[name=username]").select_option("inv1")
    invigilator.locator("[name=room_id]").select_option(label="第九考场")
    with page.expect_navigation():
        invigilator.locator("button[type=submit]").click()
    assert page.inner_text(".flash.success") == "已分配。"
    staff = page.inner_text(".staff-table")
    assert "主考 刘强" in staff and "监考员 张明" in staff and "第九考场" in staff


def preview_bad_then_import_good(tablet: Tablet) -> None:
    page = tablet.page
    bad = roster([("S001", "王一", person(1), "theory;practical"),
                  ("S002", "李二", BAD_ID, "theory"),
                  ("S003", "张三", person(3), "practical")])
    page.set_input_files("#roster-form [name=file]", bad)  # type: ignore[arg-type]
    page.click("#roster-form button[type=submit]")
    page.wait_for_selector("#roster-preview:not([hidden])")
    assert page.inner_text("[data-count=errors]") == "1"
    assert page.inner_text("[data-count=created]") == "2"
    problems = page.locator("#roster-problems tbody tr")
    assert problems.count() == 1
    cells = problems.first.locator("td")
    assert cells.nth(0).inner_text() == "3" and cells.nth(1).inner_text() == "身份证号"
    assert cells.nth(2).inner_text()
    assert page.locator("#roster-import").is_hidden()
    assert page.inner_text("#candidate-count") == "0"
    tablet.check_layout()
    shoot(tablet, "authority-roster-preview-zh")

    good = roster([("S001", "王一", person(1), "theory;practical"),
                   ("S002", "李二", person(2), "theory"),
                   ("S003", "张三", person(3), "practical")])
    page.set_input_files("#roster-form [name=file]", good)  # type: ignore[arg-type]
    assert page.locator("#roster-preview").is_hidden()  # a new file is checked again
    page.click("#roster-form button[type=submit]")
    page.wait_for_selector("#roster-ready:not([hidden])")
    assert page.inner_text("[data-count=created]") == "3"
    assert page.inner_text("[data-count=errors]") == "0"
    page.click("#roster-import")
    page.wait_for_selector("#roster-message.success:has-text('已导入')")
    assert "新增 3 人" in page.inner_text("#roster-message")
    page.wait_for_function("document.querySelector('#candidate-count').textContent === '3'")
    assert page.locator("#candidate-rows tr").count() == 3
    page.fill("#candidate-search", "李二")
    assert page.locator("#candidate-rows tr:visible").count() == 1
    assert page.inner_text("#candidate-count") == "1 / 3"
    page.fill("#candidate-search", "S00")
    assert page.locator("#candidate-rows tr:visible").count() == 3
    tablet.check_layout()
    shoot(tablet, "authority-sitting-zh")


def create_and_disable_account(tablet: Tablet, username: str) -> None:
    page = tablet.page
    with page.expect_navigation():
        page.click(".authority-nav a[href='/authority/accounts']")
    tablet.check_layout()
    form = "#new-user"
    page.fill(f"{form} [name=username]", username)
    page.fill(f"{form} [name=display_name]", "监考员 测试")
    page.select_option(f"{form} [name=role]", "invigilator")
    page.fill(f"{form} [name=password]", "short")
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector("#new-user-message:not([hidden])")
    assert "密码至少需要 8 个字符。" in page.inner_text("#new-user-message")
    page.fill(f"{form} [name=password]", "a long enough password")
    with page.expect_navigation():
        page.click(f"{form} button[type=submit]")
    assert page.inner_text(".flash.success") == "账号已创建。"
    row = page.locator(f"tr[data-user='{username}']")
    assert "启用" in row.locator("[data-field=active]").inner_text()
    row.locator("button.manage").click()
    page.wait_for_selector("#manage[open]")
    page.click("#manage [data-action=tokens]")
    page.wait_for_selector("#token-box:not([hidden])")
    assert page.input_value("#token-value").startswith("pt_")
    page.click("#manage [data-action=disable]")
    page.wait_for_selector("#manage-message.success:has-text('账号已停用')")
    assert page.locator("#manage [data-action=enable]").is_visible()
    tablet.check_layout()
    shoot(tablet, "authority-accounts-zh")
    page.click("#manage-close")
    assert row.locator("[data-field=active]").inner_text() == "已停用"
    assert row.locator("[data-field=tokens]").inner_text() == "1"


def audit_lists_everything(tablet: Tablet, sid: int, username: str) -> None:
    page = tablet.page
    with page.expect_navigation():
        page.click(".authority-nav a[href='/authority/audit']")
    assert page.get_attribute("#chain-status", "data-ok") == "1"
    assert "完整" in page.inner_text("#chain-status")
    page.fill(".audit-filter [name=actor]", "authority")
    with page.expect_navigation():
        page.click(".audit-filter button[type=submit]")
    actions = page.eval_on_selector_all(".audit-table tbody tr",
                                        "rows => rows.map(r => r.dataset.action)")
    for action in ("sitting_created", "room_created", "roster_imported", "user_created",
                   "api_token_created", "user_disabled"):
        assert action in actions, action
    assert "user_disabled" in actions[:2]  # newest first
    tablet.check_layout()
    shoot(tablet, "authority-audit-zh")
    page.fill(".audit-filter [name=q]", username)
    with page.expect_navigation():
        page.click(".audit-filter button[type=submit]")
    found = page.eval_on_selector_all(".audit-table tbody tr",
                                      "rows => rows.map(r => r.dataset.action)")
    assert found == ["user_disabled", "api_token_created", "user_created"]
    page.select_option(".audit-filter [name=action]", "sitting_created")
    page.fill(".audit-filter [name=q]", str(sid))
    with page.expect_navigation():
        page.click(".audit-filter button[type=submit]")
    assert page.locator(".audit-table tbody tr[data-action=sitting_created]").count() >= 1


def test_the_evaluation_body_sets_up_a_sitting_and_an_account(tablet: Tablet) -> None:
    tablet.login("authority")
    size = tablet.size.replace("x", "_")
    sid = create_sitting(tablet, f"人工智能训练师（测试 {size}）")
    add_room(tablet)
    assign_staff(tablet)
    preview_bad_then_import_good(tablet)
    username = f"clerk_{size}"
    create_and_disable_account(tablet, username)
    audit_lists_everything(tablet, sid, username)


def record_after_exam(tablet: Tablet) -> None:
    """Misconduct found after the exam: a Tier 1 rule without its subject is refused, then a
    T3.1 against a demo candidate is recorded with discovered_after_exam set."""
    page = tablet.page
    form = "#after-exam-form"
    options = page.eval_on_selector_all(f"{form} [name=rule_code] option",
                                        "options => options.map(o => o.value)")
    assert "T3.1" in options and "T1.4" in options and "T1.1" not in options
    ticket = page.inner_text("#candidate-rows tr:first-child td:first-child")
    page.select_option(f"{form} [name=rule_code]", "T1.4")
    page.fill(f"{form} [name=ticket_no]", ticket)
    page.fill(f"{form} [name=description]", "考后核查发现")
    page.fill(f"{form} [name=observed_at]", "2025-06-30T10:15")
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector("#after-exam-message.error")
    assert "一类违纪须选择科目" in page.inner_text("#after-exam-message")
    page.select_option(f"{form} [name=rule_code]", "T3.1")
    assert page.locator(f"{form} .severity-field").is_visible()
    page.fill(f"{form} [name=description]", "申报材料中的工作年限证明系伪造")
    with page.expect_response(lambda r: r.url.endswith("/incidents")
                              and r.request.method == "POST") as answer:
        page.click(f"{form} button[type=submit]")
    assert answer.value.status == 201
    incident = answer.value.json()
    assert incident["discovered_after_exam"] is True and incident["rule_code"] == "T3.1"
    assert incident["observed_at"].startswith("2025-06-30T02:15")  # 10:15 in Shanghai
    page.wait_for_selector("#after-exam-message.success")
    assert f"#{incident['id']}" in page.inner_text("#after-exam-message")
    assert page.input_value(f"{form} [name=description]") == ""


def test_cameras_exports_and_english(tablet: Tablet) -> None:
    tablet.login("authority")
    page = tablet.page
    tablet.open("/authority/sittings/1")
    room = page.locator(".room-card", has_text="第一考场")  # the demo camera (a video file)
    room.locator(".camera-test").click()
    room.locator(".camera-message.success:has-text('摄像头正常')").wait_for()
    room.locator(".camera-preview").click()
    room.locator(".camera-frame:not([hidden]) img").wait_for()
    page.wait_for_function("""() => {
      const img = document.querySelector('.room-card[data-room="1"] .camera-frame img');
      return img && img.src.startsWith('blob:') && img.complete && img.naturalWidth > 0;
    }""")
    other = page.locator(".room-card", has_text="第二考场")  # no camera
    other.locator(".camera-test").click()
    other.locator(".camera-message.error").wait_for()
    assert "没有摄像头" in other.locator(".camera-message").inner_text()
    tablet.check_layout()
    shoot(tablet, "authority-cameras-zh")
    record_after_exam(tablet)

    tablet.open("/authority/exports")
    page.click("#bans-form button[value=json]")
    page.wait_for_selector("#bans-result:not([hidden])")
    assert re.fullmatch(r"[0-9a-f]{64}", page.inner_text("#bans-result [data-key=digest]"))
    with page.expect_download() as download:
        page.click("#bans-form button[value=csv]")
    assert download.value.suggested_filename.endswith(".csv")
    page.fill("#eligibility-form [name=id_number]", person(1))
    page.click("#eligibility-form button[type=submit]")
    page.wait_for_selector("#eligibility-result [data-eligible='1']")
    page.fill("#eligibility-form [name=id_number]", "12345")
    page.click("#eligibility-form button[type=submit]")
    page.wait_for_selector("#eligibility-message.error")
    assert page.get_attribute("#eligibility-form [name=id_number]", "aria-invalid") == "true"
    tablet.check_layout()
    shoot(tablet, "authority-exports-zh")

    tablet.switch_language("English")
    assert page.inner_text(".authority-nav [aria-current=page]") == "Exports and checks"
    tablet.check_layout()
    for path, heading, name in (("/authority/", "Sittings", "sittings"),
                                ("/authority/sittings/1", None, "sitting"),
                                ("/authority/accounts", "Accounts", "accounts"),
                                ("/authority/audit", "Audit log", "audit")):
        tablet.open(path)
        if heading:
            assert page.inner_text("h1") == heading
        assert "Evaluation body" in page.title()
        tablet.check_layout()
        shoot(tablet, f"authority-{name}-en")
    assert "The chain is intact" in page.inner_text("#chain-status")


def test_other_roles_are_refused(tablet: Tablet) -> None:
    tablet.login("chief")
    for path in ("/authority/", "/authority/accounts", "/authority/audit"):
        response = tablet.open(path)
        assert response is not None and response.status == 403
