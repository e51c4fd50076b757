"""A matter's whole journey in Debian's Chromium, on a desktop and on a phone; the notice on A4."""

import re
from pathlib import Path

import pytest

from .test_matter_page import png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RESULTS = Path("test-results")
CODE_WORD = re.compile(r"\b[a-z]+_[a-z_]+\b")
WIDER_THAN_VIEWPORT = """() => {
    const width = document.documentElement.clientWidth;
    return [...document.querySelectorAll('body *')]
        .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && (r.right > width + 1 || r.left < -1); })
        .filter(e => !e.closest('.table-responsive, details:not([open])'))
        .map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').trim().slice(0, 30));
}"""


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    path = tmp_path / "现场照片.png"
    path.write_bytes(png_bytes((30, 120, 200)))
    return path


def _as(page, username):
    page.context.clear_cookies()
    page.login(username)


def _open(page, matter_url, action):
    page.goto_path(matter_url)
    details = page.locator(f"[data-testid=action-{action}]")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    return details


def _check_page(page, tag, phone):
    """Chinese only in visible text; nothing wider than a phone's screen; a screenshot."""
    RESULTS.mkdir(exist_ok=True)
    page.screenshot(path=str(RESULTS / f"matter-{tag}.png"), full_page=True)
    text = page.locator("body").inner_text()
    assert not CODE_WORD.findall(text), (tag, CODE_WORD.findall(text))
    if phone:
        assert page.evaluate(WIDER_THAN_VIEWPORT) == [], tag


@pytest.mark.parametrize("viewport", [(1440, 900), (390, 844)], ids=["desktop", "phone"])
def test_matter_journey(org, browser_page, media, viewport):
    from districtops.supervision.models import Matter, MatterAttachment, MatterEvent

    page = browser_page
    width, height = viewport
    phone = width < 500
    page.set_viewport_size({"width": width, "height": height})
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    size = "phone" if phone else "desktop"

    # The supervisor assigns a matter, leaving the default assignment date (today).
    _as(page, "supervisor")
    page.goto_path("/supervision/matters/new/")
    page.fill("#id_title", "背街小巷雨污分流改造")
    page.fill("#id_basis", "区长办公会议纪要〔2021〕5号")
    page.select_option("#id_lead_unit", label="南关街街道")
    page.select_option("#id_supporting_units", label="城建局")
    page.fill("#id_working_days", "10")
    page.click(".card-body form button[type=submit]")
    page.wait_for_selector("[data-testid=matter-title]")
    matter = Matter.objects.get(title="背街小巷雨污分流改造")
    assert str(matter.assigned_on) == "2021-03-31"
    matter_url = matter.get_absolute_url()
    assert page.locator("[data-testid=action-acknowledge]").count() == 0  # not the supervisor's
    _check_page(page, f"{size}-1-assigned", phone)

    # The lead street acknowledges, reports progress with a photo, requests closure.
    _as(page, "nanguan")
    _open(page, matter_url, "acknowledge").locator("[data-testid=submit-acknowledge]").click()
    page.wait_for_selector(".alert-success")
    form = _open(page, matter_url, "report_progress")
    photo_input = form.locator("input[name=photos]")
    assert photo_input.get_attribute("accept") == "image/*"
    assert photo_input.get_attribute("capture") == "environment"
    form.locator("input[name=progress]").fill("60")
    form.locator("textarea[name=note]").fill("已完成 3 条巷道的管网铺设")
    photo_input.set_input_files(str(media))
    form.locator("[data-testid=submit-report_progress]").click()
    page.wait_for_selector("[data-testid=attachment-thumb]")
    # The thumbnail loads lazily, when it comes into view: bring it there and wait for it.
    page.locator("[data-testid=attachment-thumb]").first.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => { const i = document.querySelector('[data-testid=attachment-thumb]');"
        " return i && i.complete && i.naturalWidth > 0; }",
        timeout=15000,
    )
    loaded = page.eval_on_selector(
        "[data-testid=attachment-thumb]", "img => img.complete && img.naturalWidth"
    )
    assert loaded == 40
    _check_page(page, f"{size}-2-progress", phone)
    form = _open(page, matter_url, "request_closure")
    form.locator("textarea[name=note]").fill("管网铺设完成，路面恢复")
    form.locator("[data-testid=submit-request_closure]").click()
    page.wait_for_selector(".alert-success")

    # The supervisor returns it, after a confirmation step.
    _as(page, "supervisor")
    form = _open(page, matter_url, "return_for_rework")
    form.locator("textarea[name=note]").fill("缺少路面恢复后的照片")
    form.locator("[data-testid=submit-return_for_rework]").click()
    page.wait_for_selector("[data-testid=confirm-card]")
    assert "缺少路面恢复后的照片" in page.locator("[data-testid=confirm-note]").inner_text()
    _check_page(page, f"{size}-3-confirm-return", phone)
    page.click("[data-testid=confirm-submit]")
    page.wait_for_selector(".alert-success")

    # The lead sees why at the top, reports again; the supporting bureau gives its feedback.
    _as(page, "nanguan")
    page.goto_path(matter_url)
    assert "缺少路面恢复后的照片" in page.locator("[data-testid=returned-alert]").inner_text()
    _check_page(page, f"{size}-4-returned", phone)
    form = _open(page, matter_url, "report_progress")
    form.locator("input[name=progress]").fill("95")
    form.locator("textarea[name=note]").fill("已补拍路面恢复照片")
    form.locator("input[name=photos]").set_input_files(str(media))
    form.locator("[data-testid=submit-report_progress]").click()
    page.wait_for_selector(".alert-success")
    _as(page, "chengjian")
    form = _open(page, matter_url, "support_feedback")
    form.locator("textarea[name=note]").fill("城建局负责的主管网接驳已完成")
    form.locator("[data-testid=submit-support_feedback]").click()
    page.wait_for_selector(".alert-success")

    # The lead requests closure again; the form lists the bureau's feedback.
    _as(page, "nanguan")
    form = _open(page, matter_url, "request_closure")
    assert "城建局负责的主管网接驳已完成" in form.locator("[data-testid=closure-feedback]").inner_text()
    _check_page(page, f"{size}-5-closure-form", phone)
    form.locator("textarea[name=note]").fill("全部完成")
    form.locator("[data-testid=submit-request_closure]").click()
    page.wait_for_selector(".alert-success")

    # The supervisor verifies and closes it.
    _as(page, "supervisor")
    form = _open(page, matter_url, "verify_close")
    form.locator("[data-testid=submit-verify_close]").click()
    page.wait_for_selector("[data-testid=confirm-card]")
    page.click("[data-testid=confirm-submit]")
    page.wait_for_selector(".alert-success")
    assert page.locator("[data-testid=state]").first.inner_text() == "已办结"
    _check_page(page, f"{size}-6-closed", phone)

    actions = list(MatterEvent.objects.filter(matter=matter).values_list("action", flat=True))
    assert actions == [
        "assign", "acknowledge", "report_progress", "request_closure", "return_for_rework",
        "report_progress", "support_feedback", "request_closure", "verify_close",
    ]  # fmt: skip
    assert MatterAttachment.objects.filter(event__matter=matter).count() == 2
    history = page.locator("[data-testid=events]").inner_text()
    assert "退回重办" in history and "协办反馈" in history and "审核办结" in history
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors


def test_notice_prints_on_one_a4_page(org, browser_page):
    from districtops.supervision.tests.factories import matter

    m = matter(
        org["units"], title="背街小巷整治提升" * 3, basis="区长办公会议纪要〔2021〕5号：" + "整治要求。" * 40
    )
    page = browser_page
    page.login("supervisor")
    page.goto_path(f"/supervision/matters/{m.pk}/notice/")
    assert page.locator("[data-testid=notice-code]").inner_text() == m.code
    RESULTS.mkdir(exist_ok=True)
    page.screenshot(path=str(RESULTS / "matter-notice.png"), full_page=True)
    pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    (RESULTS / "matter-notice.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert pages == 1, pages
