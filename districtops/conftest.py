"""Shared fixtures: the demo organisation, personas of every role, a second district."""

import os

import pytest
from django.test import Client

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
os.environ["DISTRICTOPS_TODAY"] = os.environ.get("DISTRICTOPS_TEST_TODAY", "2021-03-31")


@pytest.fixture
def org(db):
    """The 管城 demo organisation plus one person in another district (金水区)."""
    from districtops.org import demo
    from districtops.org.models import UnitKind
    from districtops.org.roles import Role

    data = demo.load()
    jinshui = data["districts"]["410105"]
    street = demo.ensure_unit("经八路街道", UnitKind.SUBDISTRICT, jinshui, code="410105001")
    data["jinshui_street"] = street
    demo.ensure_person("jinshui", "金水员工（测试）", street, Role.UNIT_STAFF)
    demo.ensure_person(
        "jinshui_leader", "金水区领导（测试）", jinshui.children.get(name="区委区政府"), Role.LEADER
    )
    demo.ensure_person("jinshui_sysadmin", "金水系统管理员（测试）", jinshui, Role.SYS_ADMIN)
    return data


@pytest.fixture
def users(org):
    from django.contrib.auth import get_user_model

    return {u.username: u for u in get_user_model().objects.all()}


@pytest.fixture
def login(client):
    """login('nanguan') → a Client signed in as that demo persona (demo mode skips TOTP)."""

    def _login(username: str) -> Client:
        from django.contrib.auth import get_user_model

        c = Client()
        c.force_login(get_user_model().objects.get(username=username))
        return c

    return _login


@pytest.fixture
def api_client(org):
    """api_client('supervisor') → a Client sending that persona's bearer token."""
    from django.contrib.auth import get_user_model

    from districtops.accounts.services import create_token

    def _client(username: str) -> Client:
        user = get_user_model().objects.get(username=username)
        _token, secret = create_token(None, user, name="test")
        return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    return _client


@pytest.fixture(autouse=True)
def _audit_head_dir(settings, tmp_path):
    # Each test's audit heads stay with its own database (a shared dir would mix chains).
    settings.AUDIT_HEAD_DIR = tmp_path / "audit-head"
    settings.AUDIT_HEAD_SYSLOG = ""


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # PBKDF2 at full strength costs ~0.3 s a password; tests need the behaviour, not the cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]  # fmt: skip


@pytest.fixture
def browser_page(transactional_db, live_server):
    """A Playwright page in Debian's Chromium, pointed at the live test server.

    ``browser_page.goto_path("/")`` opens a path; ``browser_page.login(username)`` signs in
    through the real login page. Playwright never downloads a browser here.
    """
    from pathlib import Path

    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's Chromium is missing: `make browser-deps` (apt-get install chromium)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(locale="en-US", viewport={"width": 1440, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)

        def goto_path(path: str):
            return page.goto(live_server.url + path)

        def login(username: str, password: str = "Demo@2021"):
            goto_path("/accounts/login/")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", password)
            page.click("form[data-testid=login-form] button[type=submit]")
            page.wait_for_load_state("networkidle")

        # The first request imports every app's URLs and views: give it time on a busy machine.
        page.goto(live_server.url + "/healthz", timeout=120_000)
        page.wait_for_load_state("networkidle")
        page.goto_path = goto_path
        page.login = login
        page.live_server_url = live_server.url
        try:
            yield page
        finally:
            context.close()
            browser.close()
