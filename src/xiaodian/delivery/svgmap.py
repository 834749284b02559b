"""A route drawn as SVG without map tiles: the zone circle, the store, the numbered stops, the
path from the store through them and back, a scale bar and a north arrow.

Points are projected onto a flat plane around the store (equirectangular: fine within a few
km). Only numbers are drawn, never a shopper's name or address, so nothing needs escaping.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from xiaodian.integrations.amap import EARTH_RADIUS_M, Point

SIZE = 480
MARGIN = 24
_SCALES_M = (100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000)


def _project(origin: Point, point: Point) -> tuple[float, float]:
    """Metres east and north of `origin`."""
    x = math.radians(point.lng - origin.lng) * EARTH_RADIUS_M * math.cos(math.radians(origin.lat))
    y = math.radians(point.lat - origin.lat) * EARTH_RADIUS_M
    return x, y


def route_svg(
    *, store: Point, stops: Sequence[Point], radius_m: int, done: Sequence[bool] = ()
) -> str:
    """The SVG document for a route visiting `stops` in order (`done[i]`: stop i handed over)."""
    projected = [_project(store, stop) for stop in stops]
    reach = max([radius_m, *(math.hypot(x, y) for x, y in projected)]) * 1.05
    scale = (SIZE / 2 - MARGIN) / reach

    def at(x: float, y: float) -> tuple[float, float]:
        return SIZE / 2 + x * scale, SIZE / 2 - y * scale

    cx, cy = at(0, 0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}" '
        f'width="100%" style="max-width:{SIZE}px;height:auto" role="img" aria-label="配送路线图">',
        f'<rect width="{SIZE}" height="{SIZE}" fill="#f7f8fa"/>',
        f'<circle class="zone" cx="{cx:.1f}" cy="{cy:.1f}" r="{radius_m * scale:.1f}" '
        'fill="#e8f3ff" stroke="#4c8bf5" stroke-dasharray="6 4"/>',
    ]
    path = [at(0, 0), *(at(x, y) for x, y in projected), at(0, 0)]
    points_text = " ".join(f"{x:.1f},{y:.1f}" for x, y in path)
    parts.append(
        f'<polyline class="path" points="{points_text}" fill="none" stroke="#ee0a24" '
        'stroke-width="2.5" stroke-linejoin="round"/>'
    )
    parts.append(
        f'<rect class="store" x="{cx - 9:.1f}" y="{cy - 9:.1f}" width="18" height="18" rx="3" '
        'fill="#323233"/>'
        f'<text x="{cx:.1f}" y="{cy + 4:.1f}" font-size="11" text-anchor="middle" '
        'fill="#fff">店</text>'
    )
    for number, (x, y) in enumerate(projected, start=1):
        sx, sy = at(x, y)
        fill = "#07c160" if number - 1 < len(done) and done[number - 1] else "#ee0a24"
        parts.append(
            f'<g class="stop"><circle cx="{sx:.1f}" cy="{sy:.1f}" r="10" fill="{fill}" '
            f'stroke="#fff" stroke-width="2"/><text x="{sx:.1f}" y="{sy + 4:.1f}" '
            f'font-size="11" text-anchor="middle" fill="#fff">{number}</text></g>'
        )
    bar_m = next((m for m in _SCALES_M if m * scale >= SIZE / 6), _SCALES_M[-1])
    bar = bar_m * scale
    label = f"{bar_m // 1000} km" if bar_m % 1000 == 0 else f"{bar_m} m"
    y0 = SIZE - 14
    parts.append(
        f'<g class="scale"><line x1="{MARGIN}" y1="{y0}" x2="{MARGIN + bar:.1f}" y2="{y0}" '
        'stroke="#323233" stroke-width="3"/>'
        f'<text x="{MARGIN}" y="{y0 - 6}" font-size="11" fill="#323233">{label}</text></g>'
    )
    parts.append(
        f'<g class="north"><path d="M{SIZE - 24},{MARGIN + 18} l6,-18 l6,18 z" fill="#323233"/>'
        f'<text x="{SIZE - 18}" y="{MARGIN + 32}" font-size="11" text-anchor="middle">N</text></g>'
    )
    parts.append("</svg>")
    return "".join(parts)


def picker_svg(*, store: Point, radius_m: int, orders: Sequence[Point]) -> str:
    """The offline store picker: the zone circle around the store, earlier orders' points as
    grey dots, and the store as a marker the console's `delivery-picker.js` drags (no map
    tiles). The SVG carries the projection (`data-lat`, `data-lng`, `data-px-per-m`) so the
    script turns a dragged pixel back into a point."""
    reach = radius_m * 1.6
    scale = (SIZE / 2 - MARGIN) / reach
    centre = SIZE / 2

    def at(point: Point) -> tuple[float, float]:
        x, y = _project(store, point)
        return centre + x * scale, centre - y * scale

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}" width="100%" '
        f'style="max-width:{SIZE}px;height:auto;touch-action:none" role="img" '
        f'aria-label="门店位置与配送范围，可拖动门店调整" data-map-picker '
        f'data-lat="{store.lat:.6f}" data-lng="{store.lng:.6f}" data-px-per-m="{scale:.6f}" '
        f'data-size="{SIZE}">',
        f'<rect width="{SIZE}" height="{SIZE}" fill="#f7f8fa"/>',
        f'<g data-picker-zone><circle class="zone" cx="{centre}" cy="{centre}" '
        f'r="{radius_m * scale:.1f}" fill="#e8f3ff" stroke="#4c8bf5" stroke-dasharray="6 4"/>'
        "</g>",
    ]
    for point in orders:
        x, y = at(point)
        if 0 <= x <= SIZE and 0 <= y <= SIZE:
            parts.append(f'<circle class="order" cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#969799"/>')
    parts.append(
        f'<g class="store" data-store-marker style="cursor:grab" tabindex="0">'
        f'<circle cx="{centre}" cy="{centre}" r="16" fill="#323233" fill-opacity="0.15"/>'
        f'<rect x="{centre - 10}" y="{centre - 10}" width="20" height="20" rx="3" fill="#323233"/>'
        f'<text x="{centre}" y="{centre + 4}" font-size="12" text-anchor="middle" '
        'fill="#fff">店</text></g>'
    )
    bar_m = next((m for m in _SCALES_M if m * scale >= SIZE / 6), _SCALES_M[-1])
    label = f"{bar_m // 1000} km" if bar_m % 1000 == 0 else f"{bar_m} m"
    y0 = SIZE - 14
    parts.append(
        f'<g class="scale"><line x1="{MARGIN}" y1="{y0}" x2="{MARGIN + bar_m * scale:.1f}" '
        f'y2="{y0}" stroke="#323233" stroke-width="3"/>'
        f'<text x="{MARGIN}" y="{y0 - 6}" font-size="11" fill="#323233">{label}</text></g>'
    )
    parts.append("</svg>")
    return "".join(parts)
