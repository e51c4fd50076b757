"""Step checks of the leader and statistician journeys (journey.py: the street, resident and admin journeys). What a person sees, checked at every step of a browser journey (the role journeys of #10).

``Journey(page, "leader", (390, 844))`` sizes the page and listens to it; ``journey.step("cockpit")``
waits for the network to settle, saves a screenshot under test-results/ and checks what is on the
screen: Chinese text, no developer code (``[a-z]+_[a-z_]+``, ``\\w+\\.\\w+_\\w+``), no stray English
word, and on a phone nothing wider than the screen. ``journey.finish()`` fails on any failed
request, response ≥ 400 (bar the ones the journey expects), console error or request to another
host seen on the way.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

RESULTS = Path(__file__).resolve().parents[3] / "test-results"
CJK = re.compile(r"[\u4e00-\u9fff]")
CODE_WORDS = (re.compile(r"\b[a-z]+_[a-z_]+\b", re.ASCII), re.compile(r"\w+\.\w+_\w+", re.ASCII))
# Latin words a Chinese page may show: names of products and formats, units. Anything else in
# visible text is an English label left untranslated (or a code).
LATIN_ALLOWED = {
    "DistrictOps", "Excel", "Word", "PDF", "API", "Webhook", "WPS", "LibreOffice", "xlsx", "docx", "pdf",
    "GDP", "CPI", "PPI", "HTTP", "OK",
    "English",  # the language switch names its language in that language
}  # fmt: skip
LATIN_WORD = re.compile(r"(?<![\w./-])[A-Za-z]{3,}(?![\w/-])")
LOCAL_HOSTS = ("localhost", "127.0.0.1")

# Every element whose box reaches beyond the viewport, except inside what scrolls on purpose (a
# wide table in .table-responsive) or is folded away.
WIDER_THAN_VIEWPORT = """() => {
    const width = window.innerWidth;
    return [...document.querySelectorAll('body *')]
        .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0
                       && (r.right > width + 1 || r.left < -1); })
        .filter(e => !e.closest('.table-responsive, details:not([open]), .collapse:not(.show)'))
        .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)
                  + ' ' + (e.textContent || '').trim().slice(0, 30));
}"""


class Journey:
    def __init__(self, page, name: str, viewport: tuple[int, int], *, expected_status=()):
        self.page, self.name = page, name
        self.width, self.height = viewport
        self.phone = self.width < 500
        self.size = f"{self.width}x{self.height}"
        self.expected_status = set(expected_status)  # (status, path) the journey provokes on purpose
        self.problems: list[str] = []
        self.downloads: set[str] = set()
        self.shots: list[Path] = []
        self.count = 0
        page.set_viewport_size({"width": self.width, "height": self.height})
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("request", self._request)
        page.on("requestfailed", self._failed)
        page.on("response", self._response)
        page.on("download", lambda d: self.downloads.add(d.url))

    def _console(self, message):
        if message.type == "error":
            where = message.location.get("url", "") if message.location else ""
            self.problems.append(f"console: {message.text} ({where}, on {self.page.url})")

    def _request(self, request):
        url = request.url
        if url.startswith(("http:", "https:", "ws:", "wss:")) and urlsplit(url).hostname not in LOCAL_HOSTS:
            self.problems.append(f"request to another host: {url}")

    def _failed(self, request):
        # A link that answers with a file ends its navigation as "aborted": that is the download.
        if request.url in self.downloads or request.failure == "net::ERR_ABORTED" and self._is_file(request):
            return
        self.problems.append(f"failed request: {request.url} ({request.failure})")

    @staticmethod
    def _is_file(request) -> bool:
        try:
            response = request.response()
        except Exception:  # noqa: BLE001 — no response at all
            return False
        return bool(response and "attachment" in (response.headers.get("content-disposition") or ""))

    def _response(self, response):
        if response.status >= 400:
            path = urlsplit(response.url).path
            if (response.status, path) not in self.expected_status:
                self.problems.append(f"HTTP {response.status}: {response.url}")

    def settle(self):
        self.page.wait_for_load_state("networkidle", timeout=60_000)

    def step(self, label: str, *, expect: str | None = None) -> str:
        """Screenshot and check the page as it stands; returns its visible text."""
        page = self.page
        self.settle()
        self.count += 1
        RESULTS.mkdir(exist_ok=True)
        shot = RESULTS / f"journey-{self.name}-{self.size}-{self.count:02d}-{label}.png"
        page.screenshot(path=str(shot), full_page=True)
        self.shots.append(shot)
        text = page.locator("body").inner_text()
        where = f"{self.name} {self.size} step {self.count} {label} ({page.url})"
        assert len(CJK.findall(text)) >= 20, (where, text[:300])
        if expect is not None:
            assert expect in text, (where, expect, text[:1000])
        codes = [m for pattern in CODE_WORDS for m in pattern.findall(text)]
        assert not codes, (where, "developer codes on the screen", codes)
        latin = sorted({w for w in LATIN_WORD.findall(text) if w not in LATIN_ALLOWED})
        assert not latin, (where, "English words on a Chinese page", latin)
        if self.phone:
            widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
            assert widths[0] <= widths[1], (where, "page wider than the phone", widths)
            assert page.evaluate(WIDER_THAN_VIEWPORT) == [], where
        return text

    def finish(self):
        self.settle()
        assert self.problems == [], (self.name, self.size, self.problems)


def open_menu(page, label: str):
    """Click ``label`` in the top menu, as a person does: on a phone, the menu button first."""
    toggler = page.locator("header .navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        page.locator("#nav-main.show").wait_for()
    with page.expect_navigation():
        page.get_by_test_id("module-nav").get_by_role("link", name=label, exact=True).click()
