"""The numeric kernels: each shared rule in place on float64 NumPy blocks (the vectorised path's inner loop).

`moving_average_` is `rules.moving_average` in place; `moments_` is Adam's two moments; `rate_denominator_` and
`effective_rate` the effective learning rate with eps inside or outside the root; `adaptive_kernel` a whole
AdaGrad/RMSProp step and `momentum_kernel` a whole momentum/NAG step. Every kernel works on one block (views of
the parameter-shaped arrays) with scratch arrays `scr`, and allocates nothing.
"""
from __future__ import annotations

import numpy as np


def moving_average_(buf: np.ndarray, new: np.ndarray, decay: float, gain: float, tmp: np.ndarray) -> None:
    """The same rule in place: buf <- decay * buf + gain * new (tmp: scratch of buf's shape)."""
    if decay != 1.0:
        buf *= decay
    if gain == 1.0:
        buf += new
    else:
        np.multiply(new, gain, out=tmp)
        buf += tmp


def square_(new: np.ndarray, tmp: np.ndarray) -> np.ndarray:
    np.multiply(new, new, out=tmp)
    return tmp


def moments_(g: np.ndarray, m: np.ndarray, v: np.ndarray, b1: float, b2: float, scr) -> None:
    """In place: m <- b1 m + (1 - b1) g and v <- b2 v + (1 - b2) g^2 (scr: two scratch arrays)."""
    moving_average_(m, g, b1, 1.0 - b1, scr[0])
    moving_average_(v, square_(g, scr[1]), b2, 1.0 - b2, scr[1])


def rate_denominator_(v: np.ndarray, eps: float, inside: bool, out: np.ndarray) -> np.ndarray:
    """out <- sqrt(v + eps) (eps inside) or sqrt(v) + eps (outside, torch)."""
    if inside:
        np.add(v, eps, out=out)
        np.sqrt(out, out=out)
    else:
        np.sqrt(v, out=out)
        out += eps
    return out


def effective_rate(lr: float, v: np.ndarray, eps: float, inside: bool) -> np.ndarray:
    """lr / sqrt(v + eps) or lr / (sqrt(v) + eps), for the answers of the numeric path."""
    return lr / (np.sqrt(v + eps) if inside else np.sqrt(v) + eps)


def adaptive_kernel(w, g, v, scr, decay, gain, lr, eps, inside):
    """AdaGrad (decay 1, gain 1) and RMSProp (decay beta, gain 1 - beta) in place on one block:
    v <- decay v + gain g^2, w <- w - lr g / (sqrt(v + eps) or sqrt(v) + eps)."""
    t0 = scr[0]
    moving_average_(v, square_(g, t0), decay, gain, t0)
    rate_denominator_(v, eps, inside, t0)
    np.divide(g, t0, out=t0)
    t0 *= lr
    w -= t0


def momentum_kernel(w, g, u, scr, beta, gain, lr, first=False):
    """Momentum and NAG in place on one block: u <- beta u + gain g (u <- gain g on torch's first damped step),
    then w <- w - lr u."""
    if first:
        np.multiply(g, gain, out=u)
    else:
        moving_average_(u, g, beta, gain, scr[0])
    if lr == 1.0:
        w -= u
    else:
        np.multiply(u, lr, out=scr[0])
        w -= scr[0]
