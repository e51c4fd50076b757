"""The three administrators (三员) in Debian's Chromium, on a desktop and on a phone: each signs in
through the real login page and binds the second factor, does their own job, and is refused the
other two's pages with a clear Chinese page (403, no stack trace)."""

import pyotp
import pytest

from districtops.core.tests.journey import VIEWPORT_IDS, VIEWPORTS, Journey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SYSADMIN_PAGES = ("/org/people/new/", "/org/units/new/", "/supervision/holidays/")
SECADMIN_PAGES = (
    "/accounts/security/accounts/",
    "/accounts/security/attempts/",
    "/accounts/security/policy/",
)
AUDITADMIN_PAGES = ("/audit/", "/audit/verify/")


def _start(browser_page, viewport, name):
    page = browser_page
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    return page, Journey(page, f"{name}-{viewport[0]}")


def _sign_in_with_second_factor(page, journey, username):
    """The first login of an administrator: password, then bind the authenticator app (the key
    typed by hand instead of the QR code), then the ten backup codes shown once."""
    page.context.clear_cookies()
    page.login(username)
    page.wait_for_selector("[data-testid=totp-secret]")
    journey.check("second-factor", "第二重身份验证", "动态验证码")
    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.get_by_role("button", name="验证").click()
    page.wait_for_url("**/accounts/backup-codes/")
    journey.check("backup-codes", "备用验证码")
    page.goto_path("/")
    journey.check("home")


def _refused(page, journey, paths):
    """Each page of another administrator answers 403 with the Chinese refusal page."""
    for path in paths:
        journey.expect_refusal(path, 403)
        response = page.goto_path(path)
        assert response.status == 403, path
        text = journey.check("refused" + path.replace("/", "-").rstrip("-"), "无权访问", "返回首页")
        assert "Traceback" not in text and "PermissionDenied" not in text and "Exception" not in text


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=VIEWPORT_IDS)
def test_system_admin_adds_a_person_and_a_holiday_and_is_refused_the_others(org, browser_page, viewport):
    from django.contrib.auth import get_user_model

    from districtops.supervision.models import HolidayEntry

    page, journey = _start(browser_page, viewport, "sysadmin")
    _sign_in_with_second_factor(page, journey, "sysadmin")

    # 人员 → 新增人员: a business role only; the initial password shown once.
    page.goto_path("/org/people/")
    journey.check("people", "新增人员")
    page.get_by_role("link", name="新增人员").first.click()
    page.wait_for_selector("input[name=username]")
    journey.check("person-form", "用户名", "所属单位", "角色")
    roles = page.eval_on_selector_all("select[name=role] option", "os => os.map(o => o.textContent.trim())")
    assert "单位工作人员" in roles and "审计管理员" not in roles and "区领导" not in roles
    page.fill("input[name=username]", "linanguan")
    page.fill("input[name=display_name]", "李南关")
    page.select_option("select[name=unit]", label="南关街街道")
    page.select_option("select[name=role]", label="单位工作人员")
    page.fill("input[name=title]", "网格员")
    page.locator("form button[type=submit], form button:not([type])").last.click()
    page.wait_for_selector(".alert-warning")
    journey.check("person-created", "李南关")
    person = get_user_model().objects.get(username="linanguan")
    assert person.must_change_password
    # The person's history reads in Chinese.
    history = page.get_by_role("link", name="修改历史")
    if history.count():
        history.first.click()
        page.wait_for_load_state("networkidle")
        journey.check("person-history", history=True)

    # 节假日 → 单日调整: a make-up working day.
    page.goto_path("/supervision/holidays/")
    day = page.locator(".card", has_text="单日调整").locator("form").first
    day.locator("input[name=date]").fill("2021-05-08")
    day.locator("input[name=name]").fill("劳动节调休上班")
    day.locator("input[name=is_workday]").check()
    day.locator("button").click()
    page.wait_for_load_state("networkidle")
    page.wait_for_selector("text=劳动节调休上班")
    journey.check("holiday-saved", "劳动节调休上班")
    assert HolidayEntry.objects.filter(date="2021-05-08", is_workday=True).exists()

    _refused(page, journey, SECADMIN_PAGES + AUDITADMIN_PAGES)
    journey.assert_traffic()


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=VIEWPORT_IDS)
def test_security_admin_resets_a_password_reads_attempts_and_is_refused_the_others(
    org, browser_page, viewport
):
    from django.contrib.auth import get_user_model

    page, journey = _start(browser_page, viewport, "secadmin")
    # Someone mistypes nanguan's password twice.
    for _attempt in range(2):
        page.login("nanguan", password="wrong-password")
        page.wait_for_selector("form[data-testid=login-form]")
    journey.check("login-failed", "登录")
    _sign_in_with_second_factor(page, journey, "secadmin")

    # 账号安全: find the account, reset its password; the temporary one is shown once.
    page.goto_path("/accounts/security/accounts/")
    page.fill("input[name=q]", "nanguan")
    page.press("input[name=q]", "Enter")
    page.wait_for_selector("tr[data-username=nanguan]")
    row = page.locator("tr[data-username=nanguan]")
    assert row.locator("td").nth(3).inner_text().strip() == "2"  # 失败次数
    journey.check("accounts", "账号与锁定", "失败次数", "正常")
    row.get_by_role("button", name="重置密码").click()
    page.wait_for_selector(".alert-warning")
    journey.check("password-reset", "临时密码", "首次登录须修改")
    assert get_user_model().objects.get(username="nanguan").must_change_password

    # 登录尝试: the failures by source address and by account.
    page.get_by_role("link", name="登录尝试").click()
    page.wait_for_url("**/accounts/security/attempts/**")
    text = journey.check("attempts", "按来源地址", "按账号")
    assert "nanguan" in text

    _refused(page, journey, SYSADMIN_PAGES + AUDITADMIN_PAGES)
    journey.assert_traffic()


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=VIEWPORT_IDS)
def test_audit_admin_reads_and_filters_the_log_in_chinese_and_is_refused_the_others(
    org, browser_page, viewport
):
    # Something worth reading: a refused grant and a password reset, as they would happen.
    from django.contrib.auth import get_user_model

    from districtops.accounts import services as accounts
    from districtops.audit.models import AuditRecord
    from districtops.org.models import Membership

    User = get_user_model()
    accounts.reset_password(User.objects.get(username="secadmin"), User.objects.get(username="nanguan"))
    assert Membership.objects.exists()

    page, journey = _start(browser_page, viewport, "auditadmin")
    _sign_in_with_second_factor(page, journey, "auditadmin")

    page.goto_path("/audit/")
    journey.check("log", "审计日志", "动作", "结果", history=True)
    # Filter: the password resets only.
    action_labels = page.eval_on_selector_all(
        "select[name=action] option", "os => os.map(o => o.textContent.trim())"
    )
    assert "重置密码" in action_labels, action_labels
    page.select_option("select[name=action]", label="重置密码")
    page.wait_for_function("() => location.search.includes('action=')")
    page.wait_for_load_state("networkidle")
    rows = page.locator("#audit-rows tr")
    assert rows.count() >= 1
    text = journey.check("log-reset-password", "重置密码", history=True)
    assert "secadmin" in text  # the security admin did it
    # 操作人 by the person's name, as the guide says.
    page.fill("input[name=actor]", "郑安全")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_function("() => location.search.includes('actor=')")
    page.wait_for_load_state("networkidle")
    rows = page.locator("#audit-rows tr")
    assert "secadmin" in rows.first.inner_text() and "没有记录" not in rows.first.inner_text()
    journey.check("log-by-name", "重置密码", history=True)
    # One record's details: before and after, in Chinese.
    rows.first.locator("a").first.click()
    page.wait_for_load_state("networkidle")
    journey.check("record", "请求编号", history=True)
    # Only the refusals.
    page.goto_path("/audit/")
    page.select_option("select[name=outcome]", label="拒绝")
    page.wait_for_function("() => location.search.includes('outcome=')")
    page.wait_for_load_state("networkidle")
    journey.check("log-refused", history=True)
    # The chain is intact.
    page.goto_path("/audit/verify/")
    journey.check("verify", "审计链完整")
    assert AuditRecord.objects.exists()

    _refused(page, journey, SYSADMIN_PAGES + SECADMIN_PAGES)
    # The refusals just made are in the log, and read in Chinese.
    page.goto_path("/audit/?outcome=denied")
    journey.check("log-own-refusals", history=True)
    journey.assert_traffic()
