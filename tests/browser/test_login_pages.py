"""Log in, each role's home page, the language switch and log out, in real Chromium at tablet
sizes. Every page is photographed (test-artifacts/screenshots/) and checked for touch targets of
at least 44 px and for horizontal overflow."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from browser_kit import Tablet

pytestmark = pytest.mark.browser

# username -> (display name, role zh, role en, rooms shown, rooms not shown)
ROLES = {
    "inv1": ("监考员 张明", "监考员", "Invigilator", ["第一考场"], ["第二考场"]),
    "inv3": ("监考员 王芳", "监考员", "Invigilator", ["第二考场"], ["第一考场"]),
    "chief": ("主考 刘强", "主考", "Chief examiner", ["第一考场", "第二考场"], []),
    "authority": ("评价机构 周洁", "评价机构", "Evaluation body", ["第一考场", "第二考场"], []),
}


def test_login_page_is_chinese_by_default(tablet: Tablet) -> None:
    response = tablet.open("/login")
    assert response is not None and response.status == 200
    page = tablet.page
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert page.title() == "登录"
    assert page.inner_text("h1") == "登录"
    assert page.inner_text("form.stack button[type=submit]") == "登录"
    assert "用户名" in tablet.text() and "密码" in tablet.text()
    tablet.shoot("login-zh")
    tablet.check_layout()

    tablet.switch_language("English")
    assert page.get_attribute("html", "lang") == "en"
    assert page.inner_text("h1") == "Log in"
    assert "Username" in tablet.text()
    tablet.shoot("login-en")
    tablet.check_layout()


def test_wrong_password_shows_the_error_with_status_401(tablet: Tablet) -> None:
    tablet.open("/login")
    page = tablet.page
    page.fill("input[name=username]", "inv2")
    page.fill("input[name=password]", "not-the-password")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click("form.stack button[type=submit]")
    assert answer.value.status == 401
    page.wait_for_load_state()
    assert page.inner_text(".flash.error") == "用户名或密码错误。"
    assert page.input_value("input[name=username]") == "inv2"
    assert page.input_value("input[name=password]") == ""
    assert page.locator("form.logout").count() == 0
    tablet.shoot("login-failed-zh")
    tablet.check_layout()


@pytest.mark.parametrize("username", list(ROLES))
def test_each_role_sees_its_home_page(tablet: Tablet, username: str) -> None:
    display, heading_zh, heading_en, shown, hidden = ROLES[username]
    tablet.login(username)
    page = tablet.page
    assert page.url == tablet.server.url + "/"
    assert page.inner_text("h1") == display
    assert page.inner_text(".hero .eyebrow") == heading_zh
    assert display in page.inner_text("header")
    assert "退出登录" in page.inner_text("header")
    main = page.inner_text("main")
    for room in shown:
        assert room in main
    for room in hidden:
        assert room not in main
    tablet.shoot(f"home-{username}-zh")
    tablet.check_layout()

    tablet.switch_language("English")
    assert page.url == tablet.server.url + "/"
    assert page.inner_text("h1") == display
    assert page.inner_text(".hero .eyebrow") == heading_en
    assert "Log out" in page.inner_text("header")
    main = page.inner_text("main")
    for room in shown:
        assert room in main
    tablet.shoot(f"home-{username}-en")
    tablet.check_layout()


def test_english_persists_across_pages(tablet: Tablet) -> None:
    tablet.open("/login")
    tablet.switch_language("English")
    page = tablet.page
    assert page.inner_text("h1") == "Log in"
    tablet.login("chief")
    assert page.get_attribute("html", "lang") == "en"
    assert "Log out" in page.inner_text("header")
    assert page.inner_text(".hero .eyebrow") == "Chief examiner"

    tablet.open("/login")  # logged in: sent on to the home page, still in English
    assert page.url == tablet.server.url + "/"
    assert "Log out" in page.inner_text("header")

    response = tablet.open("/no-such-page")
    assert response is not None and response.status == 404
    assert page.inner_text("h1") == "This page does not exist."
    assert "Back to the start page" in tablet.text()
    tablet.shoot("error-404-en")
    tablet.check_layout()

    tablet.switch_language("中文")
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert "退出登录" in page.inner_text("header")


def test_logout_returns_to_login_and_home_then_redirects(tablet: Tablet) -> None:
    tablet.login("inv2")
    page = tablet.page
    with page.expect_navigation():
        page.click("form.logout button[type=submit]")
    assert page.url.startswith(tablet.server.url + "/login")
    assert page.inner_text("h1") == "登录"
    assert page.inner_text(".flash") == "您已退出登录。"
    tablet.shoot("logged-out-zh")
    tablet.check_layout()

    tablet.open("/")
    assert re.fullmatch(re.escape(tablet.server.url) + r"/login\?next=.*", page.url)
    assert page.inner_text("h1") == "登录"
    assert page.locator("form.logout").count() == 0


def test_error_page_fits_the_tablet(tablet: Tablet) -> None:
    response = tablet.open("/no-such-page")
    assert response is not None and response.status == 404
    assert tablet.page.inner_text("h1") == "页面不存在。"
    assert "返回首页" in tablet.text()
    tablet.shoot("error-404-zh")
    tablet.check_layout()
