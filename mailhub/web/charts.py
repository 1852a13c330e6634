"""Charts drawn on the server as inline SVG: no script, nothing fetched from elsewhere
(the office may have no internet). Every text in them is escaped."""

from __future__ import annotations

from html import escape
from typing import Any

from markupsafe import Markup

PALETTE = ("#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#d53f8c", "#319795", "#a0aec0")
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 240, 36, 28, 10


def month_label(month: str) -> str:
    year, number = month.split("-")
    return f"{int(number)}/{year[2:]}"


def stacked_bars(months: list[str], series: list[dict[str, Any]], title: str) -> Markup:
    """Filings per month, one bar per month, stacked by topic; a legend below."""
    totals = [sum(s["counts"][i] for s in series) for i in range(len(months))]
    top = max(totals, default=0) or 1
    step = (WIDTH - LEFT) / max(len(months), 1)
    scale = (HEIGHT - BOTTOM - TOP) / top
    parts = [_axis(top)]
    for i, month in enumerate(months):
        x, y = LEFT + i * step + step * 0.15, HEIGHT - BOTTOM
        for n, item in enumerate(series):
            count = item["counts"][i]
            if not count:
                continue
            height = count * scale
            y -= height
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" '
                         f'height="{height:.1f}" fill="{PALETTE[n % len(PALETTE)]}">'
                         f'<title>{escape(item["name"])}: {count}</title></rect>')
        parts.append(f'<text x="{x + step * 0.35:.1f}" y="{HEIGHT - 10}" '
                     f'text-anchor="middle">{escape(month_label(month))}</text>')
        if totals[i]:
            parts.append(f'<text x="{x + step * 0.35:.1f}" y="{y - 3:.1f}" '
                         f'text-anchor="middle">{totals[i]}</text>')
    legend = "".join(
        f'<li><span class="swatch" data-colour="{n % len(PALETTE)}"></span>'
        f'{escape(item["name"])}</li>' for n, item in enumerate(series))
    return _figure(title, "".join(parts), f'<ul class="legend">{legend}</ul>')


def rate_bars(rates: list[dict[str, Any]], title: str) -> Markup:
    """The share of schools that reported on time, per month, as bars with their %."""
    step = (WIDTH - LEFT) / max(len(rates), 1)
    scale = (HEIGHT - BOTTOM - TOP) / 100
    parts = [_axis(100, "%")]
    for i, rate in enumerate(rates):
        share = 100 * rate["on_time"] / rate["schools"] if rate["schools"] else 0
        x, height = LEFT + i * step + step * 0.15, share * scale
        y = HEIGHT - BOTTOM - height
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" '
                     f'height="{height:.1f}" fill="{PALETTE[2]}"><title>'
                     f'{rate["on_time"]}/{rate["schools"]}</title></rect>')
        parts.append(f'<text x="{x + step * 0.35:.1f}" y="{y - 3:.1f}" '
                     f'text-anchor="middle">{share:.0f}%</text>')
        parts.append(f'<text x="{x + step * 0.35:.1f}" y="{HEIGHT - 10}" '
                     f'text-anchor="middle">{escape(month_label(rate["month"]))}</text>')
    return _figure(title, "".join(parts), "")


def _axis(top: float, unit: str = "") -> str:
    bottom = HEIGHT - BOTTOM
    lines = [f'<line x1="{LEFT}" y1="{bottom}" x2="{WIDTH}" y2="{bottom}" class="axis"/>']
    for share in (0.5, 1.0):
        y = bottom - share * (bottom - TOP)
        value = top * share
        shown = f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"
        lines.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH}" y2="{y:.1f}" class="grid"/>'
                     f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">'
                     f'{shown}{unit}</text>')
    return "".join(lines)


def _figure(title: str, body: str, after: str) -> Markup:
    return Markup(f'<figure class="chart"><figcaption>{escape(title)}</figcaption>'
                  f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}"'
                  f' xmlns="http://www.w3.org/2000/svg">{body}</svg>{after}</figure>')
