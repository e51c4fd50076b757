"""What every journey test asserts of each page a person sees (Playwright, Debian's Chromium).

``Journey(page, "street-phone")`` listens to the page's traffic from then on; ``journey.check(tag)``
screenshots the page under test-results/ and asserts what a person sees there:

- visible Chinese text (and the texts the step names);
- on a phone, no element wider than the viewport (tables in ``.table-responsive`` scroll);
- with ``history=True`` (history and audit pages), no developer code in the visible text;
- no failed request, no response ≥ 400 except the refusals the step expects
  (``journey.expect_refusal(path, status)``), no request to a host other than the test server.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

RESULTS = Path("test-results")
CJK = re.compile(r"[\u4e00-\u9fff]")
# Raw codes a person must never read: state / action / field names and dotted audit actions.
CODE_PATTERNS = (re.compile(r"\b[a-z]+_[a-z_]+\b"), re.compile(r"\w+\.\w+_\w+"))
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
WIDER_THAN_VIEWPORT = """() => {
    const width = document.documentElement.clientWidth;
    return [...document.querySelectorAll('body *')]
        .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && (r.right > width + 1 || r.left < -1); })
        .filter(e => !e.closest('.table-responsive, details:not([open]), .dropdown-menu:not(.show)'))
        .map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').trim().slice(0, 30));
}"""


class Journey:
    def __init__(self, page, name: str):
        self.page, self.name = page, name
        self.phone = page.viewport_size["width"] < 500
        self.failed: list[str] = []
        self.bad_status: list[tuple[str, int]] = []
        self.foreign: list[str] = []
        self.expected: set[tuple[str, int]] = set()
        self.step = 0
        page.on("requestfailed", self._on_failed)
        page.on("response", self._on_response)
        page.on("request", self._on_request)
        RESULTS.mkdir(exist_ok=True)

    # --- traffic --------------------------------------------------------------------------
    def _on_failed(self, request):
        self.failed.append(f"{request.method} {request.url} {request.failure}")

    def _on_response(self, response):
        if response.status >= 400:
            self.bad_status.append((urlsplit(response.url).path, response.status))

    def _on_request(self, request):
        parts = urlsplit(request.url)
        if parts.scheme in {"http", "https", "ws", "wss"} and parts.hostname not in LOCAL_HOSTS:
            self.foreign.append(request.url)

    def expect_refusal(self, path: str, status: int = 403) -> None:
        """The next step is refused on purpose: ``path`` answering ``status`` is no failure."""
        self.expected.add((path, status))

    def assert_traffic(self):
        assert self.failed == [], self.failed
        assert [r for r in self.bad_status if r not in self.expected] == [], self.bad_status
        assert self.foreign == [], self.foreign

    # --- what a person sees ----------------------------------------------------------------
    def visible_text(self) -> str:
        return self.page.locator("body").inner_text()

    def check(self, tag: str, *texts: str, history: bool = False) -> str:
        """Screenshot the page and assert what a person sees on it; returns its visible text."""
        page = self.page
        page.wait_for_load_state("networkidle", timeout=60_000)
        self.step += 1
        page.screenshot(path=str(RESULTS / f"{self.name}-{self.step:02d}-{tag}.png"), full_page=True)
        text = self.visible_text()
        assert CJK.search(text), (tag, text[:200])
        for wanted in texts:
            assert wanted in text, (tag, wanted)
        if history:
            codes = [code for pattern in CODE_PATTERNS for code in pattern.findall(text)]
            assert codes == [], (tag, codes)
        if self.phone:
            assert page.evaluate(WIDER_THAN_VIEWPORT) == [], tag
        self.assert_traffic()
        return text


def sign_in(page, username: str) -> None:
    """Sign out (forget the cookies) and sign in as ``username`` through the real login page."""
    page.context.clear_cookies()
    page.login(username)
    page.wait_for_selector("nav, .navbar", timeout=60_000)


VIEWPORTS = [(1440, 900), (390, 844)]
VIEWPORT_IDS = ["desktop", "phone"]
