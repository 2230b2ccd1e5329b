"""Charts drawn on the server as SVG: no chart library, no script, escaped labels.

Colours and sizes are presentation attributes (no inline style), so the strict CSP that is
coming has nothing to allow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ("#0d6efd", "#198754", "#dc3545", "#fd7e14", "#6f42c1", "#20c997", "#6c757d")


@dataclass
class Chart:
    """A chart and its numbers: `rows` are (category, value per series)."""

    key: str
    title: str
    series: Sequence[str]
    rows: list[tuple[str, list[int | float]]] = field(default_factory=list)
    unit: str = ""
    target: tuple[str, float] | None = None  # (label, value) drawn as a line

    @property
    def totals(self) -> list[int | float]:
        return [sum(row[1][i] for row in self.rows) for i in range(len(self.series))]

    @property
    def svg(self) -> SafeString:
        return bar_chart_svg(self)


def _fmt(value) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def bar_chart_svg(chart: Chart, *, width: int = 640) -> SafeString:
    """Horizontal grouped bars, one group per category, one bar per series."""
    label_w, right_pad, bar_h, gap = 150, 70, 14, 10
    n_series = max(len(chart.series), 1)
    group_h = n_series * bar_h + gap
    legend_h = 22
    height = legend_h + max(len(chart.rows), 1) * group_h + 10
    values = [v for _c, vals in chart.rows for v in vals]
    if chart.target:
        values.append(chart.target[1])
    top = max(values + [1])
    plot_w = width - label_w - right_pad
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(chart.title)}" class="ssp-chart" '
        f'font-family="WenQuanYi Micro Hei, sans-serif" font-size="12">',
        f"<title>{escape(chart.title)}</title>",
    ]
    x = label_w
    for i, name in enumerate(chart.series):
        colour = PALETTE[i % len(PALETTE)]
        parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16}" y="14">{escape(name)}</text>')
        x += 16 + 14 * len(str(name)) + 16
    if not chart.rows:
        parts.append(f'<text x="{label_w}" y="{legend_h + 16}" fill="#6c757d">暂无数据</text>')
    for index, (category, vals) in enumerate(chart.rows):
        y0 = legend_h + index * group_h
        parts.append(
            f'<text x="{label_w - 6}" y="{y0 + n_series * bar_h / 2 + 4}" '
            f'text-anchor="end">{escape(str(category)[:14])}</text>'
        )
        for i, value in enumerate(vals):
            w = 0 if not value else max(1, plot_w * value / top)
            y = y0 + i * bar_h
            colour = PALETTE[i % len(PALETTE)]
            parts.append(
                f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h - 2}" fill="{colour}">'
                f"<title>{escape(str(category))} · {escape(chart.series[i])}：{_fmt(value)}</title></rect>"
            )
            parts.append(
                f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h - 4}">{_fmt(value)}</text>'
            )
    if chart.target:
        label, value = chart.target
        tx = label_w + plot_w * value / top
        parts.append(
            f'<line x1="{tx:.1f}" y1="{legend_h - 2}" x2="{tx:.1f}" y2="{height - 4}" '
            f'stroke="#dc3545" stroke-dasharray="4 3"/>'
        )
        parts.append(
            f'<text x="{tx + 3:.1f}" y="{height - 6}" fill="#dc3545">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)
