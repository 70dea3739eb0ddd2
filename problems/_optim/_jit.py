"""The compiled kernels (Numba): imported only through `accel`, never by a small solve.

Each fused kernel is the NumPy kernel of the same name in `kernels` (or a family's own) written as one loop over the
entries, with the same operations in the same order (fastmath off, no fused multiply-add), so the results are the
NumPy path's to the last bit; it reads g and the histories once and writes them once per step, where the NumPy path
makes a dozen passes. `nogil`: the parts of a long vector run in parallel threads (NumCtx.fused).

`run_program` evaluates a gradient compiled by `accel.compile_gradient` (a postfix program of the parsed SymPy
expression: no text, no eval); the loops `adam_loop`, `momentum_loop` and `neuron_loop` run a whole long run on a
few parameters in one call. `cache=True`: compiled once per machine, in __pycache__.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from ._jit_ops import (ABS, ACOS, ADD, ASIN, ATAN, CONST, COS, COSH, EXP, HEAVISIDE, LOAD, LOG, MAX, MIN, MUL, NEG, OUT, POW,
                       RECIP, RELU, SIGMOID, SIN, SINH, SQRT, SQUARE, STORE, TAN, TANH, VAR)

_JIT = dict(cache=True, nogil=True, fastmath=False, error_model="numpy")


# ---- fused elementwise kernels (one step on one part of the vector) ----------------------------------------------
@njit(**_JIT)
def adam_step(w, g, m, v, vmax, b1, b2, step, eps, inside, ams):
    """Adam in place (adam._core): m <- b1 m + (1 - b1) g, v <- b2 v + (1 - b2) g^2, [vmax <- max(vmax, v)],
    w <- w - step m / (sqrt(v + eps) or sqrt(v) + eps), with the bias correction folded into step and eps. The
    common cases run in loops without branches (which the compiler vectorises)."""
    if ams:
        _adam_ams(w, g, m, v, vmax, b1, b2, step, eps, inside)
    elif inside:
        _adam_inside(w, g, m, v, b1, b2, step, eps)
    else:
        _adam_outside(w, g, m, v, b1, b2, step, eps)


@njit(inline="always")
def _moments(gi, mi, vi, b1, b2):
    """Adam's two moments of one entry (kernels.moments_): b1 m + (1 - b1) g and b2 v + (1 - b2) g^2."""
    return mi * b1 + gi * (1.0 - b1), vi * b2 + (gi * gi) * (1.0 - b2)


@njit(**_JIT)
def _adam_outside(w, g, m, v, b1, b2, step, eps):
    for i in range(w.shape[0]):
        m[i], v[i] = mi, vi = _moments(g[i], m[i], v[i], b1, b2)
        w[i] -= (mi / (math.sqrt(vi) + eps)) * step


@njit(**_JIT)
def _adam_inside(w, g, m, v, b1, b2, step, eps):
    for i in range(w.shape[0]):
        m[i], v[i] = mi, vi = _moments(g[i], m[i], v[i], b1, b2)
        w[i] -= (mi / math.sqrt(vi + eps)) * step


@njit(**_JIT)
def _adam_ams(w, g, m, v, vmax, b1, b2, step, eps, inside):
    for i in range(w.shape[0]):
        m[i], v[i] = mi, vi = _moments(g[i], m[i], v[i], b1, b2)
        vm = vmax[i]
        if not (vm != vm) and (vi != vi or vi > vm):   # np.maximum: NaN wins
            vm = vi
        vmax[i] = vm
        w[i] -= (mi / (math.sqrt(vm + eps) if inside else math.sqrt(vm) + eps)) * step


@njit(**_JIT)
def momentum_step(w, g, u, beta, gain, lr, first):
    """Momentum and NAG's plain form in place (kernels.momentum_kernel): u <- beta u + gain g (u <- gain g on
    torch's first step), w <- w - lr u."""
    if first:
        for i in range(w.shape[0]):
            ui = g[i] * gain
            u[i] = ui
            w[i] -= ui * lr
    else:
        for i in range(w.shape[0]):
            ui = u[i] * beta + g[i] * gain
            u[i] = ui
            w[i] -= ui * lr


@njit(**_JIT)
def adaptive_step(w, g, v, decay, gain, lr, eps, inside):
    """AdaGrad and RMSProp in place (kernels.adaptive_kernel): v <- decay v + gain g^2, w <- w - lr g / den."""
    if inside:
        for i in range(w.shape[0]):
            gi = g[i]
            vi = v[i] * decay + (gi * gi) * gain
            v[i] = vi
            w[i] -= (gi / math.sqrt(vi + eps)) * lr
    else:
        for i in range(w.shape[0]):
            gi = g[i]
            vi = v[i] * decay + (gi * gi) * gain
            v[i] = vi
            w[i] -= (gi / (math.sqrt(vi) + eps)) * lr


@njit(**_JIT)
def sgd_step(w, g, lr):
    """Gradient descent in place (sgd._kernel): w <- w - lr g."""
    for i in range(w.shape[0]):
        w[i] -= g[i] * lr


@njit(**_JIT)
def nag_torch_step(w, g, u, beta, lr):
    """NAG in torch's form in place (nag._torch_kernel): u <- beta u + g, w <- w - lr (g + beta u)."""
    for i in range(w.shape[0]):
        gi = g[i]
        ui = u[i] * beta + gi
        u[i] = ui
        w[i] -= (ui * beta + gi) * lr


@njit(**_JIT)
def lookahead(look, w, u, k):
    """NAG's look-ahead point (nag._look_kernel): look <- w - k u."""
    for i in range(w.shape[0]):
        look[i] = w[i] - u[i] * k


@njit(**_JIT)
def adamax_step(w, g, m, v, b1, b2, eps, torch, clr):
    """AdaMax in place (adamax._kernel): m <- b1 m + (1 - b1) g, v <- max(b2 v, |g| (+ eps, torch)),
    w <- w - clr m / v (or m / (v + eps))."""
    c1 = 1.0 - b1
    for i in range(w.shape[0]):
        gi = g[i]
        mi = m[i] * b1 + gi * c1
        m[i] = mi
        a = abs(gi) + eps if torch else abs(gi)
        vi = v[i] * b2
        if not (vi != vi) and (a != a or a > vi):   # np.maximum(v, a): NaN wins, ties keep v
            vi = a
        v[i] = vi
        w[i] -= (mi / vi if torch else mi / (vi + eps)) * clr


@njit(**_JIT)
def nadam_step(w, g, m, v, b1, b2, bc2, eps, inside, cg, cm):
    """NAdam in place (nadam._kernel): the moments, den = sqrt(v / bc2 + eps) or sqrt(v / bc2) + eps, then
    w <- w - cg g / den and w <- w - cm m / den (torch's two addcdiv_ in order)."""
    for i in range(w.shape[0]):
        gi = g[i]
        m[i], v[i] = mi, vi = _moments(gi, m[i], v[i], b1, b2)
        t = vi / bc2
        den = math.sqrt(t + eps) if inside else math.sqrt(t) + eps
        wi = w[i] - (gi / den) * cg
        w[i] = wi - (mi / den) * cm


@njit(**_JIT)
def adadelta_step(w, g, v, u, beta, eps, lr):
    """AdaDelta in place (adadelta._kernel): v <- beta v + (1 - beta) g^2, delta = sqrt(u + eps) / sqrt(v + eps) g,
    u <- beta u + (1 - beta) delta^2, w <- w - lr delta."""
    c = 1.0 - beta
    for i in range(w.shape[0]):
        gi = g[i]
        vi = v[i] * beta + (gi * gi) * c
        v[i] = vi
        d = (math.sqrt(u[i] + eps) / math.sqrt(vi + eps)) * gi
        u[i] = u[i] * beta + (d * d) * c
        w[i] -= d * lr


# ---- a gradient program: a postfix evaluation of the parsed expression ----------------------------------------


@njit(**_JIT)
def run_program(code, arg, consts, x, regs, stack, out):
    """Evaluate the program at x: out[j] <- the j-th gradient component."""
    sp = 0
    for k in range(code.shape[0]):
        op = code[k]
        a = arg[k]
        if op == CONST:
            stack[sp] = consts[a]
            sp += 1
        elif op == VAR:
            stack[sp] = x[a]
            sp += 1
        elif op == LOAD:
            stack[sp] = regs[a]
            sp += 1
        elif op == STORE:
            sp -= 1
            regs[a] = stack[sp]
        elif op == OUT:
            sp -= 1
            out[a] = stack[sp]
        elif op == ADD:
            sp -= 1
            stack[sp - 1] = stack[sp - 1] + stack[sp]
        elif op == MUL:
            sp -= 1
            stack[sp - 1] = stack[sp - 1] * stack[sp]
        elif op == POW:
            sp -= 1
            stack[sp - 1] = stack[sp - 1] ** stack[sp]
        else:
            t = stack[sp - 1]
            if op == NEG:
                r = -t
            elif op == RECIP:
                r = 1.0 / t
            elif op == SQUARE:
                r = t * t
            elif op == SQRT:
                r = math.sqrt(t) if t >= 0.0 else math.nan
            elif op == EXP:
                r = math.exp(t) if t < 709.8 else math.inf
            elif op == LOG:
                r = math.log(t) if t > 0.0 else (-math.inf if t == 0.0 else math.nan)
            elif op == SIN:
                r = math.sin(t)
            elif op == COS:
                r = math.cos(t)
            elif op == TAN:
                r = math.tan(t)
            elif op == TANH:
                r = math.tanh(t)
            elif op == ABS:
                r = abs(t)
            elif op == SIGMOID:
                r = 1.0 / (1.0 + (math.exp(-t) if -t < 709.8 else math.inf))
            elif op == RELU:
                r = t if t > 0.0 else (t if t != t else 0.0)
            elif op == HEAVISIDE:   # Heaviside(s, t): t at s = 0
                sp -= 1
                s = stack[sp - 1]
                r = 1.0 if s > 0.0 else (0.0 if s < 0.0 else (t if s == 0.0 else s))
            elif op == MAX or op == MIN:
                sp -= 1
                s = stack[sp - 1]
                if s != s or t != t:
                    r = math.nan
                elif op == MAX:
                    r = s if s >= t else t
                else:
                    r = s if s <= t else t
            elif op == ATAN:
                r = math.atan(t)
            elif op == ASIN:
                r = math.asin(t) if -1.0 <= t <= 1.0 else math.nan
            elif op == ACOS:
                r = math.acos(t) if -1.0 <= t <= 1.0 else math.nan
            elif op == SINH:
                r = math.sinh(t) if abs(t) < 710.4 else math.copysign(math.inf, t)
            elif op == COSH:
                r = math.cosh(t) if abs(t) < 710.4 else math.inf
            else:   # SIGN
                r = (1.0 if t > 0.0 else (-1.0 if t < 0.0 else (0.0 if t == 0.0 else t)))
            stack[sp - 1] = r


# ---- whole runs: every step in one call ------------------------------------------------------------------------
@njit(**_JIT)
def _gradient(code, arg, consts, rows, i, x, regs, stack, g, w, wd):
    """g <- the gradient of step i: the program's at x, or row i of the given gradients (`rows` not empty; one row
    repeats), plus wd w (coupled weight decay, as NumCtx.grad)."""
    if rows.shape[0] > 0:
        r = i if rows.shape[0] > 1 else 0
        for j in range(g.shape[0]):
            g[j] = rows[r, j]
    else:
        run_program(code, arg, consts, x, regs, stack, g)
    if wd != 0.0:
        for j in range(g.shape[0]):
            g[j] = w[j] * wd + g[j]


@njit(**_JIT)
def adam_loop(code, arg, consts, nregs, depth, rows, w, m, v, vmax, steps, t0, b1, b2, lr, eps, placement, on, ams, wd,
              dec, decoupled):
    """`steps` Adam steps from step t0 + 1 on the program's gradient (adam._numeric_step's order: the gradient with
    coupled decay wd w, the decoupled decay, the moments, the update); the same scalars as adam.scalars.
    placement: 0 inside the root, 1 outside (torch), 2 Keras's epsilon hat."""
    n = w.shape[0]
    regs = np.empty(max(nregs, 1))
    stack = np.empty(max(depth, 1))
    g = np.empty(n)
    p1 = p2 = 1.0
    for i in range(steps):
        t = t0 + i + 1
        # beta^t as Python's float ** int (pow of doubles); once it is 0 it stays 0 (and pow's subnormal results on
        # the way there are slow)
        if p1 != 0.0:
            p1 = b1 ** float(t)
        if p2 != 0.0:
            p2 = b2 ** float(t)
        _gradient(code, arg, consts, rows, i, w, regs, stack, g, w, wd)
        if dec:
            for j in range(n):
                w[j] *= decoupled
        bc1 = 1.0 - p1 if on else 1.0
        bc2 = 1.0 - p2 if on else 1.0
        rb = math.sqrt(bc2)
        eps_ = eps * bc2 if placement == 0 else (eps * rb if placement == 1 else eps)
        adam_step(w, g, m, v, vmax, b1, b2, lr / bc1 * rb, eps_, placement == 0, ams)
    return w


@njit(**_JIT)
def momentum_loop(code, arg, consts, nregs, depth, rows, w, u, steps, beta, gain, lr, first_gain, first, wd, plain):
    """`steps` momentum steps on the program's gradient, the first of them torch's undamped first step when `first`;
    `plain`: gradient descent (u <- gain g at every step: w <- w - lr g with gain 1, as sgd._kernel)."""
    n = w.shape[0]
    regs = np.empty(max(nregs, 1))
    stack = np.empty(max(depth, 1))
    g = np.empty(n)
    for i in range(steps):
        _gradient(code, arg, consts, rows, i, w, regs, stack, g, w, wd)
        if plain:
            momentum_step(w, g, u, beta, gain, lr, True)
        elif i == 0 and first:
            momentum_step(w, g, u, beta, first_gain, lr, True)
        else:
            momentum_step(w, g, u, beta, gain, lr, False)
    return w


@njit(**_JIT)
def adaptive_loop(code, arg, consts, nregs, depth, rows, w, v, steps, t0, decay, gain, lr, lr_decay, eps, inside, wd):
    """AdaGrad (decay 1, gain 1, lr / (1 + (t - 1) lr_decay)) and RMSProp (decay beta, gain 1 - beta) for `steps`."""
    regs, stack, g = np.empty(max(nregs, 1)), np.empty(max(depth, 1)), np.empty(w.shape[0])
    for i in range(steps):
        _gradient(code, arg, consts, rows, i, w, regs, stack, g, w, wd)
        t = t0 + i + 1
        adaptive_step(w, g, v, decay, gain, lr / (1.0 + float(t - 1) * lr_decay), eps, inside)
    return w


@njit(**_JIT)
def adadelta_loop(code, arg, consts, nregs, depth, rows, w, v, u, steps, beta, eps, lr, wd):
    regs, stack, g = np.empty(max(nregs, 1)), np.empty(max(depth, 1)), np.empty(w.shape[0])
    for i in range(steps):
        _gradient(code, arg, consts, rows, i, w, regs, stack, g, w, wd)
        adadelta_step(w, g, v, u, beta, eps, lr)
    return w


@njit(**_JIT)
def adamax_loop(code, arg, consts, nregs, depth, rows, w, m, v, steps, t0, b1, b2, eps, torch, lr, on, wd):
    """AdaMax for `steps` from step t0 + 1 (adamax._numeric_step: clr = lr / (1 - b1^t))."""
    regs, stack, g = np.empty(max(nregs, 1)), np.empty(max(depth, 1)), np.empty(w.shape[0])
    p1 = 1.0
    for i in range(steps):
        t = t0 + i + 1
        if p1 != 0.0:
            p1 = b1 ** float(t)
        _gradient(code, arg, consts, rows, i, w, regs, stack, g, w, wd)
        adamax_step(w, g, m, v, b1, b2, eps, torch, lr / (1.0 - p1 if on else 1.0))
    return w


@njit(**_JIT)
def nag_loop(code, arg, consts, nregs, depth, rows, w, u, steps, beta, lr, form, wd):
    """NAG for `steps` (nag._numeric_step): form 0 torch's (the gradient at w), 1 the notes', 2 Sutskever's,
    3 scaled (the gradient at the look-ahead w - k u)."""
    n = w.shape[0]
    regs, stack, g, look = np.empty(max(nregs, 1)), np.empty(max(depth, 1)), np.empty(n), np.empty(n)
    k = lr * beta if form == 3 else beta
    sut = form == 2
    for i in range(steps):
        if form == 0:
            _gradient(code, arg, consts, rows, i, w, regs, stack, g, w, wd)
            nag_torch_step(w, g, u, beta, lr)
        else:
            lookahead(look, w, u, k)
            _gradient(code, arg, consts, rows, i, look, regs, stack, g, look, wd)
            momentum_step(w, g, u, beta, lr if sut else 1.0, 1.0 if sut else lr, False)
    return w


@njit(**_JIT)
def _sigmoid(z):
    """sigmoid_np's value: 1 / (1 + e^-z) as e^-|z| never exceeding 1 (the _nets.np_sigmoid form)."""
    e = math.exp(-abs(z))
    return 1.0 / (1.0 + e) if z >= 0.0 else e / (1.0 + e)


@njit(**_JIT)
def neuron_loop(X, y, w, b, lr, steps, key, mean):
    """`steps` full-batch gradient-descent steps of the sigmoid neuron (sigmoid_neuron._np_state's gradient):
    key 0 squared error with 1/2, 1 without, 2 cross-entropy; the sum or the mean over the points."""
    n, d = X.shape
    gw = np.empty(d)
    for _ in range(steps):
        gw[:] = 0.0
        gb = 0.0
        for i in range(n):
            z = 0.0
            for j in range(d):
                z += X[i, j] * w[j]
            z += b
            s = _sigmoid(z)
            if key == 2:
                dz = s - y[i]
            else:
                e = s - y[i]
                dz = (e if key == 0 else 2.0 * e) * s * _sigmoid(-z)
            for j in range(d):
                gw[j] += dz * X[i, j]
            gb += dz
        if mean:
            for j in range(d):
                gw[j] /= n
            gb /= n
        for j in range(d):
            w[j] = w[j] - lr * gw[j]
        b = b - lr * gb
    return b
