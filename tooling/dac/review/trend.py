"""Draw the nightly history as an inline SVG line chart (no script, no file)."""

from __future__ import annotations

from html import escape
from typing import Any

from dac.review.history import run_totals

WIDTH = 760
HEIGHT = 240
MARGIN_LEFT = 44
MARGIN_RIGHT = 16
MARGIN_TOP = 16
MARGIN_BOTTOM = 40

# The newest runs shown; older ones stay in the history file.
MAX_RUNS = 90

SERIES = (
    ("failed", "failed cases", "#c0392b"),
    ("regressions", "regressions", "#7d3c98"),
    ("noisy", "rules alerting on the baseline", "#d68910"),
)


def _x(index: int, count: int) -> float:
    span = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    if count == 1:
        return MARGIN_LEFT + span / 2
    return MARGIN_LEFT + span * index / (count - 1)


def _y(value: int, top: int) -> float:
    span = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    return MARGIN_TOP + span * (1 - value / top)


def trend_svg(runs: list[dict[str, Any]]) -> str:
    """Render the failed cases, regressions and noisy rules of each run as lines.

    Returns an empty string when there is no run to draw.
    """
    runs = runs[-MAX_RUNS:]
    if not runs:
        return ""
    totals = [run_totals(run) for run in runs]
    top = max([1] + [t[key] for t in totals for key, _, _ in SERIES])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" class="trend" '
        'aria-label="Nightly regression trend">'
    ]
    parts += _axes(runs, top)
    for key, label, color in SERIES:
        points = [(_x(i, len(runs)), _y(t[key], top)) for i, t in enumerate(totals)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(
            f'<polyline fill="none" stroke="{color}" stroke-width="2" '
            f'points="{path}" data-series="{key}"/>'
        )
        for (x, y), run, total in zip(points, runs, totals, strict=True):
            stamp = escape(str(run.get("timestamp", "")))
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}">'
                f"<title>{stamp}: {total[key]} {label}</title></circle>"
            )
    parts.append("</svg>")
    return "".join(parts)


def _axes(runs: list[dict[str, Any]], top: int) -> list[str]:
    parts = []
    for value in sorted({0, top // 2, top}):
        y = _y(value, top)
        parts.append(
            f'<line x1="{MARGIN_LEFT}" y1="{y:.1f}" x2="{WIDTH - MARGIN_RIGHT}" '
            f'y2="{y:.1f}" stroke="#d5d8dc" stroke-width="1"/>'
            f'<text x="{MARGIN_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" '
            f'font-size="11" fill="#555">{value}</text>'
        )
    first = escape(str(runs[0].get("timestamp", ""))[:10])
    last = escape(str(runs[-1].get("timestamp", ""))[:10])
    baseline = HEIGHT - MARGIN_BOTTOM + 16
    parts.append(
        f'<text x="{MARGIN_LEFT}" y="{baseline}" font-size="11" fill="#555">'
        f"{first}</text>"
    )
    if len(runs) > 1:
        parts.append(
            f'<text x="{WIDTH - MARGIN_RIGHT}" y="{baseline}" font-size="11" '
            f'text-anchor="end" fill="#555">{last}</text>'
        )
    legend_y = HEIGHT - 6
    x = MARGIN_LEFT
    for _, label, color in SERIES:
        parts.append(
            f'<rect x="{x}" y="{legend_y - 9}" width="10" height="10" fill="{color}"/>'
            f'<text x="{x + 14}" y="{legend_y}" font-size="11" fill="#333">'
            f"{label}</text>"
        )
        x += 24 + 7 * len(label)
    return parts
