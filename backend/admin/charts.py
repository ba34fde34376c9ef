"""Bar charts as server-rendered SVG: no script, no library, readable before anything loads.

This module only does the geometry; `templates/macros/charts.html` draws it. Each chart is an
`<svg role="img">` named by its `<title>` and described by its `<desc>` (which says the numbers
in words), followed by the same numbers as a table for anyone who would rather read them.
Colours (in admin.css) meet WCAG AA against white: bars #005BD3 (6.1:1; graphics need 3:1),
text #303030 (13.2:1), grid #8A8A8A (3.4:1, decoration only).

Coordinates are strings with one decimal, as they appear in the markup.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class GridLine:
    x1: str
    x2: str
    y: str
    label_x: str
    label_y: str
    tick: str


@dataclass(frozen=True, slots=True)
class Bar:
    x: str
    y: str
    width: str
    height: str
    label: str  # the whole label, for the bar's tooltip
    value: int
    shown: str  # the value in the merchant's number format


@dataclass(frozen=True, slots=True)
class Text:
    x: str
    y: str
    text: str


@dataclass(frozen=True, slots=True)
class Chart:
    """One chart: what the template draws, and the rows of its table."""

    id: str
    kind: str  # "columns" (days) or "bars" (reasons, causes)
    title: str
    description: str
    headers: tuple[str, str]
    rows: Sequence[tuple[str, str]]  # label, value in the merchant's number format
    width: int
    height: int
    grid: Sequence[GridLine]
    bars: Sequence[Bar]
    labels: Sequence[Text]  # under the columns, or before the bars
    values: Sequence[Text]  # at the bars' ends
    empty: Text | None = None  # where "none yet" goes on an empty bar chart


def _f(value: float) -> str:
    return f"{value:.1f}"


def _nice_max(value: int) -> int:
    """A round top for the axis: 1, 2, 5, 10, 20, 50, ... at least `value`."""
    if value <= 1:
        return 1
    magnitude: int = 10 ** math.floor(math.log10(value))
    return next(step * magnitude for step in (1, 2, 5, 10) if value <= step * magnitude)


def column_chart(
    chart_id: str,
    title: str,
    description: str,
    columns: Sequence[tuple[str, int]],
    *,
    headers: tuple[str, str],
    label_every: int = 5,
    number: Callable[[int], str] = str,
) -> Chart:
    """Vertical bars, one per column (days), with every `label_every`-th label under its bar."""
    width, height = 720, 240
    left, right, top, bottom = 36, 28, 12, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_max(max((value for _, value in columns), default=0))
    slot = plot_w / max(len(columns), 1)
    grid = []
    for tick in sorted({0, top_value // 2, top_value}):
        y = top + plot_h - plot_h * tick / top_value
        grid.append(
            GridLine(str(left), str(width - right), _f(y), str(left - 6), _f(y + 4), number(tick))
        )
    bars, labels = [], []
    for index, (label, value) in enumerate(columns):
        bar_h = plot_h * value / top_value
        x = left + index * slot + slot * 0.15
        bars.append(
            Bar(
                _f(x),
                _f(top + plot_h - bar_h),
                _f(slot * 0.7),
                _f(bar_h),
                label,
                value,
                number(value),
            )
        )
        if index % label_every == 0 or index == len(columns) - 1:
            labels.append(Text(_f(x + slot * 0.35), str(height - bottom + 16), label))
    return Chart(
        id=chart_id,
        kind="columns",
        title=title,
        description=description,
        headers=headers,
        rows=[(label, number(value)) for label, value in columns],
        width=width,
        height=height,
        grid=grid,
        bars=bars,
        labels=labels,
        values=[],
    )


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    rows: Sequence[tuple[str, int]],
    *,
    headers: tuple[str, str],
    number: Callable[[int], str] = str,
) -> Chart:
    """Horizontal bars, one per label (reasons, causes), the value written at each bar's end."""
    width, row, label_w, top = 480, 28, 180, 4
    height = top * 2 + row * max(len(rows), 1)
    plot_w = width - label_w - 40
    top_value = max((value for _, value in rows), default=0) or 1
    bars, labels, values = [], [], []
    for index, (label, value) in enumerate(rows):
        y = top + index * row
        bar_w = plot_w * value / top_value
        shown = label if len(label) <= 26 else label[:25] + "…"
        labels.append(Text(str(label_w - 8), _f(y + row / 2 + 4), shown))
        bars.append(
            Bar(str(label_w), str(y + 4), _f(bar_w), str(row - 8), label, value, number(value))
        )
        values.append(Text(_f(label_w + bar_w + 6), _f(y + row / 2 + 4), number(value)))
    return Chart(
        id=chart_id,
        kind="bars",
        title=title,
        description=description,
        headers=headers,
        rows=[(label, number(value)) for label, value in rows],
        width=width,
        height=height,
        grid=[],
        bars=bars,
        labels=labels,
        values=values,
        empty=None if rows else Text("0", _f(top + row / 2 + 4), ""),
    )


def in_words(
    rows: Sequence[tuple[str, int]], empty: str, number: Callable[[int], str] = str
) -> str:
    """The numbers as a sentence, for `<desc>`: "Wrong size: 4, Other: 1." """
    shown = [f"{label}: {number(value)}" for label, value in rows if value]
    return (", ".join(shown) + ".") if shown else empty
