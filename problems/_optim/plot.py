"""The trajectory plot: the parameters' path over the loss contours of a two-parameter loss, as a hand-written SVG
(marching squares for the contours; no plotting library). The labels a reader sees (axis ranges, contour levels,
points) come from the formatting layer (solver.format.tick); the rest is SVG geometry in pixels.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from solver import format as F

#: Marching-squares table: for each corner case (bit k set when corner k is above the level; corners 0 (j, i),
#: 1 (j, i+1), 2 (j+1, i+1), 3 (j+1, i)), the pairs of cell edges a contour segment joins. Edges: 0 bottom
#: (j, i)-(j, i+1), 1 right (j, i+1)-(j+1, i+1), 2 top (j+1, i)-(j+1, i+1), 3 left (j, i)-(j+1, i).
_CASES = {1: [(3, 0)], 2: [(0, 1)], 3: [(3, 1)], 4: [(1, 2)], 5: [(3, 2), (0, 1)], 6: [(0, 2)], 7: [(3, 2)],
          8: [(2, 3)], 9: [(2, 0)], 10: [(0, 3), (1, 2)], 11: [(2, 1)], 12: [(1, 3)], 13: [(1, 0)], 14: [(0, 3)]}
#: Each edge as (corner a, corner b): offsets (dj, di) of its two ends from the cell's corner (j, i).
_EDGE_ENDS = {0: ((0, 0), (0, 1)), 1: ((0, 1), (1, 1)), 2: ((1, 0), (1, 1)), 3: ((0, 0), (1, 0))}


def _edge_points(Z, xs, ys, js, is_, e, level):
    """Where the contour Z = level crosses edge e of the cells (js, is_): linear interpolation, vectorised."""
    (ja, ia), (jb, ib) = _EDGE_ENDS[e]
    a, b = Z[js + ja, is_ + ia], Z[js + jb, is_ + ib]
    with np.errstate(all="ignore"):
        t = np.where(b == a, 0.5, (level - a) / np.where(b == a, 1.0, b - a))
    x = xs[is_ + ia] + t * (xs[is_ + ib] - xs[is_ + ia])
    y = ys[js + ja] + t * (ys[js + jb] - ys[js + ja])
    return x, y


def _segments(Z: np.ndarray, xs: np.ndarray, ys: np.ndarray, level: float) -> list[tuple[float, float, float, float]]:
    """Marching squares: the line segments of the contour Z = level on the grid (Z[j, i] at (xs[i], ys[j]))."""
    above = (Z > level).astype(np.int8)
    case = above[:-1, :-1] | (above[:-1, 1:] << 1) | (above[1:, 1:] << 2) | (above[1:, :-1] << 3)
    out: list[tuple[float, float, float, float]] = []
    for c, pairs in _CASES.items():
        js, is_ = np.nonzero(case == c)
        if not js.size:
            continue
        for e1, e2 in pairs:
            x1, y1 = _edge_points(Z, xs, ys, js, is_, e1, level)
            x2, y2 = _edge_points(Z, xs, ys, js, is_, e2, level)
            out.extend(zip(x1.tolist(), y1.tolist(), x2.tolist(), y2.tolist()))
    return out


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 3] + "..."


def _window(P_: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The plotted region: the trajectory's bounding box with a margin, and the same scale on both axes when
    their spans are within a factor 4 (so the path meets the contours at its true angle). None when the region
    is beyond float64 (a step of lr = 1e308 spans more than 1.8e308)."""
    with np.errstate(all="ignore"):
        lo, hi = P_.min(axis=0), P_.max(axis=0)
        span = np.maximum(hi - lo, 1e-3 * np.maximum(1.0, np.abs(hi)))
        if span.max() <= 4 * span.min():
            span = np.full(2, span.max())
        else:
            span = np.maximum(span, 0.25 * span.max())
        mid = lo / 2 + hi / 2
        half = 0.75 * span
        lo, hi = mid - half, mid + half
        width = hi - lo
    if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi)) and np.all(np.isfinite(width)) and np.all(width > 0)):
        return None
    return lo, hi


def trajectory_svg(fn: Callable[[np.ndarray, np.ndarray], np.ndarray], points: list[list[float]],
                   names: Sequence[str], title: str, size: int = 420, grid: int = 64) -> str | None:
    """The parameter trajectory over the loss contours, as a standalone SVG document: the start as a black dot,
    each step's point numbered, the axes labelled with the parameter names and their ranges. None when the
    trajectory leaves float64's range (an infinite point, or a window wider than 1.8e308): no plot then."""
    P_ = np.array(points, dtype=np.float64)
    if not P_.size or not np.all(np.isfinite(P_)):
        return None
    window = _window(P_)
    if window is None:
        return None
    lo, hi = window
    xs, ys = np.linspace(lo[0], hi[0], grid), np.linspace(lo[1], hi[1], grid)
    X, Y = np.meshgrid(xs, ys)
    with np.errstate(all="ignore"):
        Z = np.array(fn(X, Y), dtype=np.float64)
    finite = Z[np.isfinite(Z)]
    levels: list[float] = []
    if finite.size:
        Z = np.where(np.isfinite(Z), Z, finite.max())
        with np.errstate(all="ignore"):   # levels near 1e308: the interpolation may overflow (then it is inf)
            qs = np.quantile(finite, np.linspace(0.04, 0.94, 12))
        levels = sorted({float(q) for q in qs if np.isfinite(q)})
    pad = 52
    W_ = H_ = size

    def sx(x):
        return pad + (x - lo[0]) / (hi[0] - lo[0]) * (W_ - 2 * pad)

    def sy(y):
        return H_ - pad - (y - lo[1]) / (hi[1] - lo[1]) * (H_ - 2 * pad)

    def esc(s: str) -> str:
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")

    steps = len(P_) - 1
    label = f"Trajectory of {steps} step{'s' if steps != 1 else ''} over the contours of L = {title}"
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W_} {H_}" width="{W_}" height="{H_}" '
             f'role="img" aria-label="{esc(label)}">',
             f"<title>{esc(label)}</title>",
             f'<text x="{pad}" y="{pad - 26}" font-size="12">{esc(_clip("L = " + title, 58))}</text>',
             f'<text x="{pad}" y="{pad - 10}" font-size="10" fill="#555">black dot: start; k: after step k; '
             f'darker contours: higher L</text>',
             f'<rect x="{pad}" y="{pad}" width="{W_ - 2 * pad}" height="{H_ - 2 * pad}" fill="#fbfbfb" stroke="#999"/>']
    for k, level in enumerate(levels):
        segs = _segments(Z, xs, ys, level)
        if not segs:
            continue
        dpath = " ".join(f"M{sx(a):.1f} {sy(b):.1f}L{sx(c):.1f} {sy(e):.1f}" for a, b, c, e in segs)
        shade = int(200 - 140 * k / max(1, len(levels) - 1))
        parts.append(f'<path class="contour" d="{dpath}" fill="none" stroke="rgb({shade},{shade},255)" '
                     f'stroke-width="1"><title>L = {F.tick(level)}</title></path>')
    pts = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in P_)
    parts.append(f'<polyline class="trajectory" points="{pts}" fill="none" stroke="#d33" stroke-width="2"/>')
    numbered = steps <= 30
    for k, (x, y) in enumerate(P_):
        r = 4 if k == 0 else 2.5
        parts.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="{r}" fill="{"#222" if k == 0 else "#d33"}">'
                     f"<title>{esc(('start' if k == 0 else f'after step {k}') + f': ({F.tick(x)}, {F.tick(y)})')}</title></circle>")
        if k and numbered:
            parts.append(f'<text class="step" x="{sx(x) + 5:.1f}" y="{sy(y) - 5:.1f}" font-size="11" fill="#a22">{k}</text>')
    # the axes: the parameter names and the range of each axis at its ends
    bottom, left = H_ - pad, pad
    parts.append(f'<text x="{left}" y="{bottom + 15}" text-anchor="start" font-size="11">{esc(F.tick(lo[0]))}</text>')
    parts.append(f'<text x="{W_ - pad}" y="{bottom + 15}" text-anchor="end" font-size="11">{esc(F.tick(hi[0]))}</text>')
    parts.append(f'<text x="{W_ / 2:.0f}" y="{bottom + 30}" text-anchor="middle" font-size="13">{esc(names[0])}</text>')
    parts.append(f'<text x="{left - 4}" y="{bottom}" text-anchor="end" font-size="11">{esc(F.tick(lo[1]))}</text>')
    parts.append(f'<text x="{left - 4}" y="{pad + 10}" text-anchor="end" font-size="11">{esc(F.tick(hi[1]))}</text>')
    parts.append(f'<text x="14" y="{H_ / 2:.0f}" text-anchor="middle" font-size="13" '
                 f'transform="rotate(-90 14 {H_ / 2:.0f})">{esc(names[1])}</text>')
    parts.append("</svg>")
    return "\n".join(parts)
