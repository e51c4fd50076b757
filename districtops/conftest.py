"""Shared fixtures: the demo organisation, personas of every role, a second district."""

import os

import pytest
from django.test import Client

from districtops.delivery.tests.fakeapi import fake_api  # noqa: F401 — a fake DingTalk/WeCom server

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
os.environ["DISTRICTOPS_TODAY"] = os.environ.get("DISTRICTOPS_TEST_TODAY", "2021-03-31")


def _load_org() -> dict:
    """Load the 管城 demo organisation plus the 金水区 test personas through the write path."""
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


def _org_keys(data: dict) -> dict:
    """The primary keys behind the organisation dict, so each test gets fresh instances."""
    return {
        "city": data["city"].pk,
        "districts": {code: u.pk for code, u in data["districts"].items()},
        "units": {name: u.pk for name, u in data["units"].items()},
        "jinshui_street": data["jinshui_street"].pk,
    }


_ORG_KEYS: dict = {}
_FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Build the demo organisation once per test database (per xdist worker), not once per test.

    Tests that use ``db`` run inside a transaction that is rolled back, so they all see this
    organisation unchanged. Transactional tests (``transactional_db``, ``live_server``) flush
    the tables when they end; pytest-django runs them after the others, and the ``org``
    fixture loads the organisation again when it finds it gone.
    """
    import tempfile

    from django.test import override_settings

    # The audit heads the load writes belong to this throwaway database, never to var/.
    heads = tempfile.mkdtemp(prefix="audit-head-")
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=_FAST_HASHERS, AUDIT_HEAD_DIR=heads, AUDIT_HEAD_SYSLOG=""),
    ):
        _ORG_KEYS.update(_org_keys(_load_org()))


@pytest.fixture
def org(db):
    """The 管城 demo organisation plus one person in another district (金水区)."""
    from districtops.org.models import Unit

    keys = _ORG_KEYS
    if not keys or not Unit.objects.filter(pk=keys["city"]).exists():
        data = _load_org()  # a transactional test flushed the session's copy
        keys.update(_org_keys(data))
        return data
    wanted = [keys["city"], keys["jinshui_street"], *keys["districts"].values(), *keys["units"].values()]
    by_pk = Unit.objects.in_bulk(wanted)
    return {
        "city": by_pk[keys["city"]],
        "districts": {code: by_pk[pk] for code, pk in keys["districts"].items()},
        "units": {name: by_pk[pk] for name, pk in keys["units"].items()},
        "jinshui_street": by_pk[keys["jinshui_street"]],
    }


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
def _fresh_cache():
    """Login counters and rate limits live in the cache: no test inherits another's."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _audit_head_dir(settings, tmp_path):
    # Each test's audit heads stay with its own database (a shared dir would mix chains).
    settings.AUDIT_HEAD_DIR = tmp_path / "audit-head"
    settings.AUDIT_HEAD_SYSLOG = ""


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # PBKDF2 at full strength costs ~0.3 s a password; tests need the behaviour, not the cost.
    settings.PASSWORD_HASHERS = _FAST_HASHERS


@pytest.fixture(autouse=True)
def _throttle_cache_per_test(settings):
    # The "throttle" cache is shared by every process on a machine (a file cache under var/):
    # each test gets its own empty one, so xdist workers and earlier tests do not spend its quota.
    import uuid

    settings.CACHES = {
        **settings.CACHES,
        "throttle": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": uuid.uuid4().hex,
        },
    }


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
