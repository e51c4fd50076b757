"""In Debian's Chromium: the statistician publishes March from the 审定与发布 page."""

import pytest

from districtops.economy import releases
from districtops.economy.models import ReleaseState
from districtops.economy.periods import Period

from .test_release import history, import_march  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [(1440, 900), (390, 844)])
def test_statistician_publishes_march(history, browser_page, viewport):  # noqa: F811
    import_march(firms=(1, 4))
    page = browser_page
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    page.login("tongji")
    page.goto_path("/economy/releases/?period=2021-03")
    progress = page.locator("[data-testid=release-progress]")
    assert "已报 2 / 应报" in progress.inner_text()
    page.screenshot(path=f"test-results/economy-releases-{viewport[0]}.png", full_page=True)
    page.locator("tr[data-period='2021-03'] button[value=publish]").click()
    page.wait_for_load_state()
    assert "审定发布完成" in page.content()
    assert releases.state_of(history.pk, Period(2021, 3)) == ReleaseState.PUBLISHED
    page.screenshot(path=f"test-results/economy-releases-published-{viewport[0]}.png", full_page=True)
