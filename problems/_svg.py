"""Hand-written SVG plots of 2-D data (no plotting library): a square plot in data coordinates.

Shared by the families that draw points in the plane (pca: samples, principal axes and projections;
perceptron: the labelled points and the decision boundary). `Plot2D(points)` fits a square view with
equal scales on both axes around every point given (so angles and right angles look right), with a
margin for the axis labels; its methods add lines, circles, squares, polygons and text in data
coordinates, `clip_line` and `half_plane` cut a line a x + b y + c = 0 and the half-plane
a x + b y + c >= 0 to the view, and `svg()` returns the document. Every text is XML-escaped, so the
result always parses as XML (the web page shows it as an image; tests parse it).
"""
from __future__ import annotations

import math
from typing import Iterable, Sequence

from solver.lazynp import np

from solver import format as F


def escape(s: str) -> str:
    """Text as XML character data: & < > escaped (what xml.sax.saxutils.escape does, without its import of
    urllib.request, http and ssl: about a tenth of the command line's start-up)."""
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _n(v) -> str:
    """A number in the SVG markup (a coordinate in pixels, a radius, an opacity): four significant figures, a tenth
    of a pixel on a plot of a few hundred pixels (solver.format's plot numbers)."""
    return F.tick(v)


def _bounds(points) -> tuple[tuple[float, float], tuple[float, float]]:
    """((xmin, ymin), (xmax, ymax)) of N x 2 points: an array's in NumPy, a list of pairs' (a hand-sized plot, as the
    exact path draws) in plain Python, which keeps NumPy unloaded for a hand-sized solve (solver.lazynp)."""
    if not isinstance(points, np.ndarray) and all(isinstance(pt, (list, tuple)) and len(pt) == 2 for pt in points):
        xs, ys = [float(pt[0]) for pt in points], [float(pt[1]) for pt in points]
        return (min(xs), min(ys)), (max(xs), max(ys))
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    return tuple(pts.min(axis=0).tolist()), tuple(pts.max(axis=0).tolist())


class Plot2D:
    """A square SVG plot of `size` pixels whose view holds every point of `points` (N x 2, data units)."""

    def __init__(self, points, *, size: int = 360, margin: int = 30, pad: float = 0.08, title: str = "",
                 xlabel: str = "X1", ylabel: str = "X2"):
        lo, hi = _bounds(points)
        span = float(max(hi[0] - lo[0], hi[1] - lo[1], 1e-9))
        self.size, self.margin = size, margin
        self.lo = (lo[0] - pad * span, lo[1] - pad * span)  # the view's lower-left corner, data units
        self.span = span + 2 * pad * span  # the view's side, data units
        self._body: list[str] = []
        m = margin
        self._head = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="{size}" '
                      f'height="{size}" font-family="sans-serif" font-size="11">',
                      f'<title>{escape(title)}</title>',
                      f'<rect x="0" y="0" width="{size}" height="{size}" fill="white"/>',
                      f'<line x1="{m}" y1="{size - m}" x2="{size - m}" y2="{size - m}" stroke="#999"/>',
                      f'<line x1="{m}" y1="{m}" x2="{m}" y2="{size - m}" stroke="#999"/>',
                      f'<text x="{size - m}" y="{size - m + 16}" text-anchor="end">{escape(xlabel)}</text>',
                      f'<text x="{m - 6}" y="{m}" text-anchor="end">{escape(ylabel)}</text>']

    # -- coordinates ---------------------------------------------------------------------------
    def tx(self, pt) -> tuple[float, float]:
        """Data coordinates -> pixels (y grows upwards in the data, downwards in SVG)."""
        inner = self.size - 2 * self.margin
        return (self.margin + (pt[0] - self.lo[0]) / self.span * inner,
                self.size - self.margin - (pt[1] - self.lo[1]) / self.span * inner)

    @property
    def box(self) -> tuple[float, float, float, float]:
        """The view in data units: (xmin, ymin, xmax, ymax)."""
        return (float(self.lo[0]), float(self.lo[1]), float(self.lo[0] + self.span), float(self.lo[1] + self.span))

    # -- shapes in data coordinates -------------------------------------------------------------
    def line(self, a, b, stroke: str, width: float = 1, dash: str = "", arrow: bool = False) -> None:
        """A segment from a to b; `arrow`: an arrowhead at b (the direction of a vector, so its sign shows)."""
        (x1, y1), (x2, y2) = self.tx(a), self.tx(b)
        extra = f' stroke-width="{_n(width)}"' if width != 1 else ""
        extra += f' stroke-dasharray="{dash}"' if dash else ""
        self._body.append(f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke="{stroke}"{extra}/>')
        length = math.hypot(x2 - x1, y2 - y1)
        if arrow and length > 1e-9:
            ux, uy = (x2 - x1) / length, (y2 - y1) / length
            head, half = 9.0, 4.0
            pts = [(x2, y2), (x2 - head * ux - half * uy, y2 - head * uy + half * ux),
                   (x2 - head * ux + half * uy, y2 - head * uy - half * ux)]
            self._body.append('<polygon class="arrowhead" points="' + " ".join(f"{_n(x)},{_n(y)}" for x, y in pts)
                              + f'" fill="{stroke}"/>')

    def ticks(self, count: int = 5) -> None:
        """Tick marks with their values on both axes, at a round step (1, 2 or 5 times a power of ten)."""
        raw = self.span / max(count - 1, 1)
        power = 10.0 ** math.floor(math.log10(raw))
        step = min((k * power for k in (1, 2, 5, 10)), key=lambda st: abs(math.log(st / raw)))
        m, size = self.margin, self.size
        for axis in (0, 1):
            v = math.ceil(self.lo[axis] / step) * step
            while v <= self.lo[axis] + self.span + 1e-12 * step:
                val = 0.0 if abs(v) < 1e-12 * step else float(v)
                if axis == 0:
                    x, _ = self.tx((val, self.lo[1]))
                    self._body.append(f'<line class="tick" x1="{_n(x)}" y1="{size - m}" x2="{_n(x)}" y2="{size - m + 4}" '
                                      f'stroke="#999"/><text class="tick" x="{_n(x)}" y="{size - m + 14}" '
                                      f'text-anchor="middle" font-size="9">{escape(_n(val))}</text>')
                else:
                    _, y = self.tx((self.lo[0], val))
                    self._body.append(f'<line class="tick" x1="{m - 4}" y1="{_n(y)}" x2="{m}" y2="{_n(y)}" stroke="#999"/>'
                                      f'<text class="tick" x="{m - 6}" y="{_n(y + 3)}" text-anchor="end" '
                                      f'font-size="9">{escape(_n(val))}</text>')
                v += step

    def circle(self, pt, r: float, fill: str, *, stroke: str = "", tooltip: str = "") -> None:
        x, y = self.tx(pt)
        st = f' stroke="{stroke}" stroke-width="1.5"' if stroke else ""
        tip = f"<title>{escape(tooltip)}</title>" if tooltip else ""
        self._body.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}" fill="{fill}"{st}>{tip}</circle>' if tip else
                          f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}" fill="{fill}"{st}/>')

    def square(self, pt, half: float, fill: str, *, stroke: str = "", tooltip: str = "") -> None:
        x, y = self.tx(pt)
        st = f' stroke="{stroke}" stroke-width="1.5"' if stroke else ""
        tip = f"<title>{escape(tooltip)}</title>" if tooltip else ""
        self._body.append(f'<rect x="{_n(x - half)}" y="{_n(y - half)}" width="{_n(2 * half)}" height="{_n(2 * half)}" '
                          f'fill="{fill}"{st}>{tip}</rect>')

    def polygon(self, pts: Sequence, fill: str, opacity: float = 1.0) -> None:
        if len(pts) < 3:
            return
        coords = " ".join(f"{_n(x)},{_n(y)}" for x, y in (self.tx(p) for p in pts))
        self._body.append(f'<polygon points="{coords}" fill="{fill}" fill-opacity="{_n(opacity)}" stroke="none"/>')

    def text(self, pt, s: str, *, dx: float = 0, dy: float = 0, fill: str = "", anchor: str = "") -> None:
        x, y = self.tx(pt)
        attrs = (f' fill="{fill}"' if fill else "") + (f' text-anchor="{anchor}"' if anchor else "")
        self._body.append(f'<text x="{_n(x + dx)}" y="{_n(y + dy)}"{attrs}>{escape(s)}</text>')

    def raw(self, element: str) -> None:
        """An element written by the caller in pixel coordinates (it must be well-formed XML)."""
        self._body.append(element)

    def legend(self, items: Iterable[tuple[str, str, str]], corner: str = "top-left") -> None:
        """A small legend in pixels: (marker "circle" | "square" | "line", colour, label) per row."""
        x0 = self.margin + 8 if corner == "top-left" else self.size - self.margin - 130
        y = self.margin - 14
        for marker, colour, label in items:
            y += 15
            if marker == "circle":
                self._body.append(f'<circle cx="{x0 + 5}" cy="{y - 4}" r="4" fill="{colour}"/>')
            elif marker == "square":
                self._body.append(f'<rect x="{x0 + 1}" y="{y - 8}" width="8" height="8" fill="{colour}"/>')
            else:
                self._body.append(f'<line x1="{x0}" y1="{y - 4}" x2="{x0 + 10}" y2="{y - 4}" stroke="{colour}" stroke-width="2"/>')
            self._body.append(f'<text x="{x0 + 15}" y="{y}">{escape(label)}</text>')

    def svg(self) -> str:
        return "\n".join(self._head + self._body + ["</svg>"])

    # -- lines and half-planes cut to the view ---------------------------------------------------
    def clip_line(self, a: float, b: float, c: float):
        """The segment of the line a x + b y + c = 0 inside the view, as two points; None if it misses it
        (or a = b = 0, no line)."""
        if a == 0 and b == 0:
            return None
        x0, y0, x1, y1 = self.box
        hits = []
        if b != 0:
            for x in (x0, x1):
                y = -(a * x + c) / b
                if y0 - 1e-12 <= y <= y1 + 1e-12:
                    hits.append((x, y))
        if a != 0:
            for y in (y0, y1):
                x = -(b * y + c) / a
                if x0 - 1e-12 <= x <= x1 + 1e-12:
                    hits.append((x, y))
        uniq = []
        for h in hits:
            if all(abs(h[0] - u[0]) > 1e-9 * self.span or abs(h[1] - u[1]) > 1e-9 * self.span for u in uniq):
                uniq.append(h)
        if len(uniq) < 2:
            return None
        # the two hits farthest apart (a line through a corner can hit three sides)
        best = max(((p, q) for i, p in enumerate(uniq) for q in uniq[i + 1:]),
                   key=lambda pq: (pq[0][0] - pq[1][0]) ** 2 + (pq[0][1] - pq[1][1]) ** 2)
        return best

    def half_plane(self, a: float, b: float, c: float) -> list[tuple[float, float]]:
        """The part of the view where a x + b y + c >= 0, as a polygon (Sutherland-Hodgman on the view's square)."""
        x0, y0, x1, y1 = self.box
        poly = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        f = [a * x + b * y + c for x, y in poly]
        out = []
        for i in range(4):
            p, q, fp, fq = poly[i], poly[(i + 1) % 4], f[i], f[(i + 1) % 4]
            if fp >= 0:
                out.append(p)
            if (fp >= 0) != (fq >= 0):
                t = fp / (fp - fq)
                out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
        return out

