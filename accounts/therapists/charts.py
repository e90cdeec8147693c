"""Check-in trend charts as inline SVG, drawn on the server (no JavaScript, nothing for the CSP to allow).

Only numbers reach the markup; the one piece of text (the accessible label)
is escaped with ``format_html``. Colours are SVG presentation attributes,
which the CSP's ``style-src`` does not govern.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from exercises.insights.trends import days_before_chart

SCALE_MAX = 10


@dataclass(frozen=True)
class Line:
    name: str
    values: list[float | None]  # one per day, oldest first; None where nobody checked in
    colour: str = "#1f5e57"
    dashed: bool = False

    @property
    def present(self) -> list[float]:
        return [v for v in self.values if v is not None]

    def summary(self) -> str:
        present = self.present
        if not present:
            return f"{self.name}: no ratings"
        if len(present) == 1:
            return f"{self.name}: {_fmt(present[0])}"
        return f"{self.name}: from {_fmt(present[0])} to {_fmt(present[-1])}"


@dataclass(frozen=True)
class TrendChart:
    """A chart, or (with fewer days than it needs, the partners' rule) nothing yet and how many days are missing."""

    svg: SafeString | str  # "" until there are enough days: a near-empty chart looks broken
    days: int  # days with a rating
    more: int  # days still needed before it is drawn; 0 once it is


def trend_chart(lines: list[Line], *, label: str, **size) -> TrendChart:
    """``chart`` once enough days have a rating (``exercises.insights.trends.days_before_chart``)."""
    length = max((len(line.values) for line in lines), default=0)
    days = sum(1 for i in range(length) if any(i < len(line.values) and line.values[i] is not None for line in lines))
    more = days_before_chart(days)
    return TrendChart(chart(lines, label=label, **size) if more == 0 else "", days, more)


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def chart(lines: list[Line], *, label: str, width: int = 120, height: int = 32, pad: int = 3) -> SafeString:
    """An SVG with one polyline per ``Line`` on a 0–10 scale; ``label`` plus each line's summary is its name."""
    days = max((len(line.values) for line in lines), default=0)
    inner_w, inner_h = width - 2 * pad, height - 2 * pad

    def x(i: int) -> float:
        return pad + (inner_w * i / (days - 1) if days > 1 else inner_w / 2)

    def y(value: float) -> float:
        return pad + inner_h * (1 - max(0.0, min(float(value), SCALE_MAX)) / SCALE_MAX)

    shapes = []
    for line in lines:
        points = [(x(i), y(v)) for i, v in enumerate(line.values) if v is not None]
        if not points:
            continue
        dash = ' stroke-dasharray="3 2"' if line.dashed else ""
        if len(points) > 1:
            coords = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            shapes.append(
                format_html(
                    '<polyline points="{}" fill="none" stroke="{}" stroke-width="1.5" '
                    'stroke-linejoin="round" stroke-linecap="round"' + dash + "/>",
                    coords,
                    line.colour,
                )
            )
        last_x, last_y = points[-1]
        shapes.append(
            format_html('<circle cx="{}" cy="{}" r="1.8" fill="{}"/>', f"{last_x:.1f}", f"{last_y:.1f}", line.colour)
        )

    name = "; ".join([label, *(line.summary() for line in lines)])
    baseline = format_html(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#e4ddd2" stroke-width="1"/>',
        pad,
        height - pad,
        width - pad,
        height - pad,
    )
    return format_html(
        '<svg class="sparkline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
        'role="img" aria-label="{name}"><title>{name}</title>{baseline}{shapes}</svg>',
        w=width,
        h=height,
        name=name,
        baseline=baseline,
        shapes=format_html_join("", "{}", ((s,) for s in shapes)),
    )
