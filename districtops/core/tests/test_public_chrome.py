"""Signed-out pages: the language switch is on the login page; residents see no staff banner."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_mode(settings):
    settings.DEMO_MODE = True


def test_login_page_offers_the_language_switch_and_the_demo_banner(org, client, demo_mode):
    html = client.get("/accounts/login/").content.decode()
    assert 'data-testid="language-switch"' in html and 'data-testid="lang-en"' in html
    # In the blue header, where its white button reads (below the form it was white on white).
    header = html.split('data-testid="public-header"', 1)[1].split("</header>", 1)[0]
    assert 'data-testid="lang-en"' in header and html.count('data-testid="language-switch"') == 1
    assert 'data-testid="demo-banner"' in html


def test_switching_language_on_the_login_page(org, client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"}, follow=True)
    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()


@pytest.mark.parametrize("path", ["/public/reports/new/", "/public/reports/lookup/"])
def test_public_pages_show_no_staff_banner(org, client, demo_mode, path):
    from districtops.citizen import demo as citizen_demo

    citizen_demo.load()
    response = client.get(path)
    assert response.status_code == 200, path
    html = response.content.decode()
    assert 'data-testid="demo-banner"' not in html and "管理员" not in html
    assert 'data-testid="language-switch"' in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_login_page_language_switch_in_chromium(org, browser_page):
    page = browser_page
    page.goto_path("/accounts/login/")
    switch = page.get_by_test_id("lang-en")
    assert switch.is_visible()
    colour = switch.evaluate("el => getComputedStyle(el.closest('header')).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")
    page.screenshot(path="test-results/login-language-switch.png")
    switch.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto_path("/public/reports/lookup/")
    assert page.get_by_test_id("demo-banner").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path="test-results/public-lookup-390.png")


def test_favicon_ico_leads_to_the_icon_for_anyone(client):
    # A browser asks for /favicon.ico on every page without an icon link (/healthz, a JSON answer):
    # a 404 there is an error in its console on the journeys (#10).
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("districtops/favicon.svg")
