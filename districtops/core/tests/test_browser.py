"""Through the real login page in Debian's Chromium: Chinese by default, English on request."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_home_in_chinese_then_english(org, browser_page):
    page = browser_page
    page.goto_path("/")
    assert "/accounts/login/" in page.url
    assert page.locator("h2", has_text="登录").count() == 1
    page.login("nanguan")
    assert page.get_by_test_id("home-title").inner_text().startswith("您好")
    assert "南关街街道" in page.get_by_test_id("my-units").inner_text()
    assert page.get_by_test_id("module-nav").get_by_text("组织机构").count() == 1
    page.get_by_test_id("lang-en").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("home-title").inner_text().startswith("Hello")
    assert page.get_by_test_id("module-nav").get_by_text("Organisation").count() == 1
    assert page.locator("html").get_attribute("lang") == "en"


def test_wrong_password_shows_chinese_error(org, browser_page):
    page = browser_page
    page.login("nanguan", password="wrong-password")
    text = page.get_by_test_id("form-errors").inner_text().strip()
    assert text.startswith("用户名或密码不正确。") and "分钟" in text
