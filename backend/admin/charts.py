"""Bar charts as server-rendered SVG: no script, no library, readable before anything loads.

Each chart is an `<svg role="img">` named by its `<title>` and described by its `<desc>` (which
says the numbers in words), followed by the same numbers as a table for anyone who would rather
read them. Colours meet WCAG AA against white: bars #005BD3 (6.1:1; graphics need 3:1),
text #303030 (13.2:1), grid #8A8A8A (3.4:1, decoration only).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

BAR = "#005BD3"
TEXT = "#303030"
GRID = "#8A8A8A"
FONT = "font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:12px"


def _nice_max(value: int) -> int:
    """A round top for the axis: 1, 2, 5, 10, 20, 50, ... at least `value`."""
    if value <= 1:
        return 1
    magnitude: int = 10 ** math.floor(math.log10(value))
    return next(step * magnitude for step in (1, 2, 5, 10) if value <= step * magnitude)


def _table(caption: str, headers: tuple[str, str], rows: Sequence[tuple[str, int]]) -> str:
    body = "".join(
        f'<tr><th scope="row">{escape(label)}</th><td>{value}</td></tr>' for label, value in rows
    )
    return (
        f'<details class="chart__data"><summary>{escape(caption)}: the numbers</summary>'
        f"<table><caption>{escape(caption)}</caption>"
        f'<thead><tr><th scope="col">{escape(headers[0])}</th>'
        f'<th scope="col">{escape(headers[1])}</th></tr></thead>'
        f"<tbody>{body}</tbody></table></details>"
    )


def column_chart(
    chart_id: str,
    title: str,
    description: str,
    columns: Sequence[tuple[str, int]],
    *,
    headers: tuple[str, str],
    label_every: int = 5,
) -> str:
    """Vertical bars, one per column (days), with every `label_every`-th label under its bar."""
    width, height = 720, 240
    left, right, top, bottom = 36, 28, 12, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_max(max((value for _, value in columns), default=0))
    slot = plot_w / max(len(columns), 1)
    parts = [
        f'<svg id="{chart_id}" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" style="{FONT}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for tick in sorted({0, top_value // 2, top_value}):
        y = top + plot_h - plot_h * tick / top_value
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="0.5"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{TEXT}">{tick}</text>'
        )
    for index, (label, value) in enumerate(columns):
        bar_h = plot_h * value / top_value
        x = left + index * slot + slot * 0.15
        parts.append(
            f'<rect class="chart__bar" x="{x:.1f}" y="{top + plot_h - bar_h:.1f}" '
            f'width="{slot * 0.7:.1f}" height="{bar_h:.1f}" fill="{BAR}">'
            f"<title>{escape(label)}: {value}</title></rect>"
        )
        if index % label_every == 0 or index == len(columns) - 1:
            parts.append(
                f'<text x="{x + slot * 0.35:.1f}" y="{height - bottom + 16}" '
                f'text-anchor="middle" fill="{TEXT}">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts) + _table(title, headers, columns)


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    bars: Sequence[tuple[str, int]],
    *,
    headers: tuple[str, str],
) -> str:
    """Horizontal bars, one per label (reasons, causes), the value written at each bar's end."""
    width, row, label_w, top = 480, 28, 180, 4
    height = top * 2 + row * max(len(bars), 1)
    plot_w = width - label_w - 40
    top_value = max((value for _, value in bars), default=0) or 1
    parts = [
        f'<svg id="{chart_id}" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" style="{FONT}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for index, (label, value) in enumerate(bars):
        y = top + index * row
        bar_w = plot_w * value / top_value
        shown = label if len(label) <= 26 else label[:25] + "…"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + row / 2 + 4:.1f}" text-anchor="end" '
            f'fill="{TEXT}">{escape(shown)}</text>'
            f'<rect class="chart__bar" x="{label_w}" y="{y + 4}" width="{bar_w:.1f}" '
            f'height="{row - 8}" fill="{BAR}"><title>{escape(label)}: {value}</title></rect>'
            f'<text x="{label_w + bar_w + 6:.1f}" y="{y + row / 2 + 4:.1f}" '
            f'fill="{TEXT}">{value}</text>'
        )
    if not bars:
        parts.append(f'<text x="0" y="{top + row / 2 + 4:.1f}" fill="{TEXT}">None yet.</text>')
    parts.append("</svg>")
    return "".join(parts) + _table(title, headers, bars)


def in_words(rows: Sequence[tuple[str, int]], empty: str) -> str:
    """The numbers as a sentence, for `<desc>`: "Wrong size: 4, Other: 1." """
    shown = [f"{label}: {value}" for label, value in rows if value]
    return (", ".join(shown) + ".") if shown else empty
