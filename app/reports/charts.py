"""Charts as server-rendered SVG: no script, readable on paper (issue #12, item 3).

Plain horizontal bars, black text on white, each bar labelled with its figure, so a printed page
in black and white still reads; the numbers are also in the table beside the chart.
"""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

ROW_HEIGHT, LABEL_WIDTH, BAR_WIDTH, VALUE_WIDTH = 22, 240, 360, 80
COLOURS = {"good": "#2e7d32", "bad": "#c62828", "neutral": "#1565c0"}


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str


def bars(title: str, items: list[Bar], maximum: float | None = None, tone: str = "neutral") -> Markup:
    """A horizontal bar chart; ``maximum`` fixes the scale (1.0 for rates), else the largest value."""
    top = maximum if maximum is not None else max((item.value for item in items), default=0) or 1
    height = ROW_HEIGHT * max(len(items), 1) + 30
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}"><title>{escape(title)}</title>',
             f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>']
    parts += [_bar(index, item, top, tone) for index, item in enumerate(items)]
    if not items:
        parts.append('<text x="0" y="44" font-size="12">Không có số liệu trong kỳ.</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _bar(index: int, item: Bar, top: float, tone: str) -> str:
    y = 30 + index * ROW_HEIGHT
    length = max(0.0, min(1.0, item.value / top)) * BAR_WIDTH if top else 0
    label = item.label if len(item.label) <= 38 else item.label[:37] + "…"
    return (f'<text x="{LABEL_WIDTH - 6}" y="{y + 14}" font-size="12" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{length:.1f}" height="{ROW_HEIGHT - 6}" '
            f'fill="{COLOURS[tone]}" stroke="#000" stroke-width="0.5"/>'
            f'<text x="{LABEL_WIDTH + length + 4:.1f}" y="{y + 14}" font-size="12">{escape(item.text)}</text>')


def percent_text(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%".replace(".", ",")
