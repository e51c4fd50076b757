"""The navbar fits the screen in both languages: the module menu wraps, the user menu stays on it."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("username", ["supervisor", "leader", "sysadmin"])
def test_navbar_fits_1440_in_english_and_chinese(org, browser_page, username):
    page = browser_page
    page.login(username)
    for language in ("zh", "en"):
        if language == "en":
            page.get_by_test_id("lang-en").click()
            page.wait_for_load_state("networkidle")
        widths = page.evaluate(
            """() => {
                const menu = document.querySelector('[data-testid=user-menu]').getBoundingClientRect();
                const nav = document.querySelector('[data-testid=module-nav]').getBoundingClientRect();
                return {page: document.documentElement.scrollWidth, menu: menu.right, nav: nav.right,
                        view: window.innerWidth};
            }"""
        )
        assert widths["page"] <= widths["view"], (language, widths)
        assert widths["menu"] <= widths["view"], (language, widths)
        assert widths["nav"] <= widths["menu"], (language, widths)
    page.screenshot(path=f"test-results/navbar-en-{username}.png")
