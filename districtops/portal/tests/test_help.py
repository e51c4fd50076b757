"""帮助: the role guides of docs/guide/ rendered at /help/, and kept honest against the UI.

The guides quote the UI in three marked ways (docs/guide/README.md): 【菜单】 for a navbar entry,
「标签」 for any label a page shows, and `/path/` for an address. Each kind is checked here
against the code, so renaming a menu, a button or a URL without updating the guides fails.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import Resolver404, resolve

from districtops.portal import help as help_module
from districtops.portal.navigation import MENU, menu_for

pytestmark = pytest.mark.django_db

GUIDE_DIR = help_module.GUIDE_DIR
PACKAGE = Path(__file__).resolve().parents[2]
SLUGS = [g.slug for g in help_module.GUIDES]
# A demo persona whose own guide each one is (the street guide: a 单位工作人员 of 南关街街道).
PERSONA = {
    "leader": "leader",
    "supervisor": "supervisor",
    "unit": "chengjian",
    "street": "nanguan",
    "statistician": "tongji",
    "sysadmin": "sysadmin",
    "secadmin": "secadmin",
    "auditadmin": "auditadmin",
}

MENU_NAME = re.compile(r"【([^】]+)】")
UI_LABEL = re.compile(r"「([^」]+)」")
# An address in a Markdown link target or in inline code: starts with a slash, no spaces.
LINK_PATH = re.compile(r"\]\((/[^)\s]*)\)")
CODE_PATH = re.compile(r"`(/[^`\s]*)`")


def _text(slug: str) -> str:
    return (GUIDE_DIR / f"{slug}.md").read_text(encoding="utf-8")


def _all_texts() -> dict[str, str]:
    texts = {slug: _text(slug) for slug in SLUGS}
    texts["README"] = (GUIDE_DIR / "README.md").read_text(encoding="utf-8")
    return texts


@pytest.fixture(scope="module")
def ui_source() -> str:
    """Every template and every non-test Python file of the project: where UI labels live."""
    parts = []
    for path in sorted(PACKAGE.rglob("*")):
        if path.suffix not in {".html", ".py"} or "tests" in path.parts or "migrations" in path.parts:
            continue
        parts.append(path.read_text(encoding="utf-8"))
    return "\n".join(parts)


def test_one_file_per_guide_and_the_index_links_them_all():
    files = {p.stem for p in GUIDE_DIR.glob("*.md")} - {"README"}
    assert files == set(SLUGS)
    index = (GUIDE_DIR / "README.md").read_text(encoding="utf-8")
    for slug in SLUGS:
        assert f"]({slug}.md)" in index, slug


@pytest.mark.parametrize("slug", SLUGS)
def test_each_guide_renders_as_html(org, login, slug):
    response = login("supervisor").get(f"/help/{slug}/")
    assert response.status_code == 200
    html = response.content.decode()
    body = html.split('data-testid="help-body">', 1)[1].split("</div></div>", 1)[0]
    assert body.lstrip().startswith("<h1>") and body.count("<h1>") == 1
    assert "<h2 id=" in body and "<ol>" in body
    # Nothing of the Markdown syntax is left as text.
    for raw in ("##", "**", "](", "| ---", "|---"):
        assert raw not in body, (slug, raw)
    # The contents list names the h2 headings of the guide.
    headings = re.findall(r"^## (.+)$", _text(slug), re.M)
    assert headings
    for heading in headings:
        assert f">{heading}</a>" in html, (slug, heading)


def test_every_address_in_a_guide_resolves():
    checked = 0
    for name, text in _all_texts().items():
        for path in LINK_PATH.findall(text) + CODE_PATH.findall(text):
            path = path.split("?", 1)[0].split("#", 1)[0]
            try:
                resolve(path)
            except Resolver404:
                pytest.fail(f"{name}.md names {path}, which is no page of the platform")
            checked += 1
    assert checked >= 25


def test_every_menu_name_in_a_guide_is_a_menu_entry():
    labels = {str(label) for label, _name, _roles in MENU}
    named = 0
    for name, text in _all_texts().items():
        for menu in MENU_NAME.findall(text):
            assert menu in labels, f"{name}.md names the menu 【{menu}】, which core/navigation.py lacks"
            named += 1
    assert named >= 30


@pytest.mark.parametrize("slug", list(PERSONA))
def test_the_menus_a_guide_names_are_in_its_readers_menu(org, users, slug):
    shown = {str(item["label"]) for item in menu_for(users[PERSONA[slug]])}
    named = set(MENU_NAME.findall(_text(slug)))
    assert named, slug
    assert named <= shown, (slug, named - shown)


def test_every_quoted_label_in_a_guide_is_in_the_ui(ui_source):
    quoted = 0
    for name, text in _all_texts().items():
        for label in UI_LABEL.findall(text):
            assert label in ui_source, f"{name}.md quotes 「{label}」, which no template or view shows"
            quoted += 1
    assert quoted >= 200


def test_the_label_check_catches_a_renamed_button(ui_source):
    # The check above is only worth something if a label the UI does not have is caught.
    assert "审核办结" in ui_source and "审核并办结此事项" not in ui_source


@pytest.mark.parametrize(
    "username, first",
    [
        ("leader", "leader"),
        ("supervisor", "supervisor"),
        ("nanguan", "street"),
        ("beixiajie", "street"),
        ("chengjian", "unit"),
        ("tongji", "statistician"),
        ("sysadmin", "sysadmin"),
        ("secadmin", "secadmin"),
        ("auditadmin", "auditadmin"),
        ("jinshui", "street"),
    ],
)
def test_the_help_page_lists_every_guide_with_the_persons_own_first(org, login, username, first):
    response = login(username).get("/help/")
    assert response.status_code == 200
    html = response.content.decode()
    order = re.findall(r'data-testid="help-guide-([a-z]+)"', html)
    assert sorted(order) == sorted(SLUGS)
    assert order[0] == first
    assert (
        'data-testid="help-mine"' in html.split(f'data-testid="help-guide-{first}"', 1)[1].split("</a>", 1)[0]
    )


def test_a_street_worker_gets_the_street_guide_then_the_unit_guide(org, users):
    assert help_module.own_slugs(users["nanguan"]) == ["street", "unit"]
    assert help_module.own_slugs(users["chengjian"]) == ["unit"]
    assert help_module.own_slugs(users["tongji"]) == ["statistician"]


def test_signed_out_visitors_get_the_public_guide_only(org, client):
    index = client.get("/help/")
    assert index.status_code == 302 and index["Location"].startswith("/accounts/login/?next=/help/")
    for slug in set(SLUGS) - {"public"}:
        response = client.get(f"/help/{slug}/")
        assert response.status_code == 302, slug
        assert response["Location"].startswith(f"/accounts/login/?next=/help/{slug}/")
    public = client.get("/help/public/")
    assert public.status_code == 200
    html = public.content.decode()
    assert "群众反映问题指南" in html
    # A resident's page: no staff chrome, no list of the staff guides.
    assert 'data-testid="public-header"' in html and 'data-testid="help-all-guides"' not in html


def test_the_public_guide_shows_no_staff_banner_in_demo_mode(org, client, settings):
    settings.DEMO_MODE = True
    html = client.get("/help/public/").content.decode()
    assert 'data-testid="demo-banner"' not in html and "管理员" not in html


def test_an_unknown_guide_is_404(org, login):
    assert login("leader").get("/help/nosuchrole/").status_code == 404


def test_the_report_page_links_the_public_guide(org, client):
    from districtops.citizen import demo as citizen_demo

    citizen_demo.load()
    html = client.get("/public/reports/new/").content.decode()
    assert 'href="/help/public/"' in html


def test_help_links_are_in_the_navbar_and_the_user_menu(org, login):
    html = login("nanguan").get("/").content.decode()
    header = html.split("<header", 1)[1].split("</header>", 1)[0]
    for testid in ("help-link", "help-link-mobile", "help-menu-item"):
        tag = header.split(f'data-testid="{testid}"', 1)
        assert len(tag) == 2, testid
        assert 'href="/help/"' in tag[0].rsplit("<a", 1)[1], testid


def test_links_between_guides_point_at_their_help_pages(org, login):
    html = login("nanguan").get("/help/street/").content.decode()
    assert 'href="/help/unit/"' in html and "unit.md" not in html


def test_html_in_a_guide_is_shown_as_text_and_unsafe_links_are_dropped():
    html, _headings = help_module.render_markdown(
        '# 标题\n\n<script>alert(1)</script>\n\n<img src=x onerror="alert(1)">\n\n[点我](javascript:alert(1))\n'
    )
    assert "<script" not in html and "<img" not in html and "<a " not in html
    assert "&lt;script&gt;" in html and "&lt;img" in html


def test_the_help_page_in_english_says_the_guides_are_chinese(org, login):
    client = login("leader")
    assert 'data-testid="help-language-note"' not in client.get("/help/").content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/help/").content.decode()
    assert '<html lang="en">' in html
    assert "Help: user guides" in html and "Your role" in html and "District leader" in html
    assert 'data-testid="help-language-note"' in html and "written in Chinese" in html
    guide = client.get("/help/leader/").content.decode()
    assert "written in Chinese" in guide and "Contents" in guide and "区领导使用指南" in guide


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_help_link_in_chromium_on_desktop_and_phone(org, browser_page):
    page = browser_page
    page.login("nanguan")
    page.goto_path("/")
    desktop = page.get_by_test_id("help-link")
    assert desktop.is_visible() and not page.get_by_test_id("help-link-mobile").is_visible()
    desktop.click()
    page.wait_for_url("**/help/")
    assert page.get_by_test_id("help-guide-street").is_visible()
    page.screenshot(path="test-results/help-index-1440.png", full_page=True)
    page.get_by_test_id("help-guide-street").click()
    page.wait_for_url("**/help/street/")
    assert page.locator("[data-testid=help-body] h1").inner_text() == "街道使用指南"
    page.screenshot(path="test-results/help-street-1440.png")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto_path("/")
    assert not page.get_by_test_id("help-link").is_visible()
    # The phone's header stays one row (brand, bell, menu button); 帮助 is the menu's last entry.
    brand, toggler = (
        page.locator(".navbar-brand").bounding_box(),
        page.locator(".navbar-toggler").bounding_box(),
    )
    assert abs(brand["y"] - toggler["y"]) < brand["height"]
    mobile = page.get_by_test_id("help-link-mobile")
    assert not mobile.is_visible()
    page.locator(".navbar-toggler").click()
    mobile.wait_for(state="visible")
    mobile.click()
    page.wait_for_url("**/help/")
    page.screenshot(path="test-results/help-index-390.png", full_page=True)
    page.goto_path("/help/street/")
    # The contents fold away on a phone; nothing is wider than the screen.
    assert page.get_by_test_id("help-contents-mobile").is_visible()
    assert not page.get_by_test_id("help-contents").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path="test-results/help-street-390.png")
