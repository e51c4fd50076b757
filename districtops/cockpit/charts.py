"""Charts for the briefing, drawn to PNG with matplotlib (no browser, no JavaScript).

ECharts draws the charts on screen; a Word document needs pictures, and rendering
ECharts server-side would need Node and a headless browser in every worker. Matplotlib's
Agg backend is pure C++/Python, deterministic, and already knows CJK fonts through
fontconfig: we ask for the Noto CJK faces Debian ships, then the Windows ones.
"""

from __future__ import annotations

import functools
import io
import logging
import warnings

import matplotlib

matplotlib.use("Agg")  # no display in workers

from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

CJK_FONTS = ["Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Zen Hei", "Microsoft YaHei", "SimHei"]
COLOURS = ["#206bc4", "#d63939", "#f59f00", "#2fb344", "#ae3ec9"]


logger = logging.getLogger(__name__)


@functools.cache
def _font_family() -> tuple[str, ...]:
    """The CJK faces installed, in order of preference; said once in the log when there is none
    (the Chinese labels would then print as empty boxes: install Debian's fonts-noto-cjk)."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    found = [name for name in CJK_FONTS if name in installed]
    if not found:
        # matplotlib's font list is cached on first use: a font installed later (make demo
        # installs fonts-noto-cjk) is not in it. Add the system's CJK files, then look again.
        for path in font_manager.findSystemFonts():
            if any(mark in path for mark in ("CJK", "wqy", "msyh", "simhei")):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
        installed = {f.name for f in font_manager.fontManager.ttflist}
        found = [name for name in CJK_FONTS if name in installed]
    if not found:
        logger.warning("no CJK font installed (%s): chart labels cannot show Chinese", ", ".join(CJK_FONTS))
    return (*found, "DejaVu Sans")


def bar_chart(title: str, labels: list[str], series: dict[str, list[float | None]], unit: str = "") -> bytes:
    """Grouped horizontal bars, one group per label, one colour per series; returns PNG bytes.

    Drawn once per set of inputs in a process: the briefing renders its document twice when
    it fits forecasts meanwhile (``briefing.build``), and the charts do not change."""
    return _bar_chart(
        title, tuple(labels), tuple((name, tuple(values)) for name, values in series.items()), unit
    )


@functools.lru_cache(maxsize=32)
def _bar_chart(title: str, labels: tuple, series: tuple, unit: str) -> bytes:
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = list(_font_family())
    matplotlib.rcParams["axes.unicode_minus"] = False
    height = max(2.4, 0.45 * len(labels) * max(1, len(series)) ** 0.5 + 1.2)
    fig = Figure(figsize=(6.2, height), dpi=150)
    ax = fig.add_subplot()
    n = max(1, len(series))
    bar = 0.8 / n
    positions = range(len(labels))
    for i, (name, values) in enumerate(series):
        ys = [p + (i - (n - 1) / 2) * bar for p in positions]
        clean = [v if v is not None else 0 for v in values]
        bars = ax.barh(ys, clean, height=bar, label=name, color=COLOURS[i % len(COLOURS)])
        ax.bar_label(bars, labels=["—" if v is None else f"{v:g}" for v in values], fontsize=8, padding=2)
    ax.set_yticks(list(positions), labels)
    ax.invert_yaxis()
    ax.set_title(title, fontsize=11)
    if unit:
        ax.set_xlabel(unit, fontsize=9)
    ax.axvline(0, color="#666", linewidth=0.6)
    ax.spines[["top", "right"]].set_visible(False)
    if len(series) > 1:
        ax.legend(fontsize=8, loc="lower right")
    out = io.BytesIO()
    with warnings.catch_warnings():
        # One "Glyph … missing" warning per character without a CJK font: _font_family said it once.
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        fig.tight_layout()
        fig.savefig(out, format="png")
    return out.getvalue()
