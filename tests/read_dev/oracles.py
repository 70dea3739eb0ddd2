"""Independent oracles for the reading dev set: the expected answers of the questions written for it.

Each function recomputes one item's answers from the question's numbers with NumPy, the standard
library or SymPy, written here from the textbook rule (never by calling Stepwise). Items taken from
the course notes cite their worked example instead (tests/read_dev/*.toml, `source`).
"""
from __future__ import annotations

import math

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))


# ---- optimizers -----------------------------------------------------------------------------------------------

def nag_notes(grad, w0, lr, beta, steps):
    """Nesterov in the course notes' form: look = w - beta u; u = beta u + g(look); w -= lr u."""
    w = np.array(w0, dtype=float)
    u = np.zeros_like(w)
    for _ in range(steps):
        look = w - beta * u
        u = beta * u + grad(look)
        w = w - lr * u
    return w


def momentum_notes(grad, w0, lr, beta, steps):
    w = np.array(w0, dtype=float)
    u = np.zeros_like(w)
    for _ in range(steps):
        u = beta * u + grad(w)
        w = w - lr * u
    return w


def adam_torch(grad, w0, lr, b1, b2, eps, steps):
    """torch.optim.Adam's rule (eps outside the root; differences from eps inside are below 1e-7 here)."""
    w = np.array(w0, dtype=float)
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for t in range(1, steps + 1):
        g = grad(w)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mh, vh = m / (1 - b1 ** t), v / (1 - b2 ** t)
        w = w - lr * mh / (np.sqrt(vh) + eps)
    return w


def rmsprop(grad, w0, lr, beta, eps, steps):
    w = np.array(w0, dtype=float)
    v = np.zeros_like(w)
    for _ in range(steps):
        g = grad(w)
        v = beta * v + (1 - beta) * g * g
        w = w - lr * g / np.sqrt(v + eps)
    return w


def gd(grad, w0, lr, steps):
    w = np.array(w0, dtype=float)
    for _ in range(steps):
        w = w - lr * grad(w)
    return w


def perceptron_bias_first(X, y, lr=1.0, max_epochs=100):
    """Rosenblatt's rule with x0 = 1 prepended, y_hat = 1 if w.x >= 0, rows in order until a clean pass."""
    X = np.hstack([np.ones((len(X), 1)), np.asarray(X, dtype=float)])
    w = np.zeros(X.shape[1])
    for _ in range(max_epochs):
        mistakes = 0
        for x, t in zip(X, y):
            yh = 1 if w @ x >= 0 else 0
            if yh != t:
                w = w + lr * (t - yh) * x
                mistakes += 1
        if mistakes == 0:
            break
    return w


# ---- the items ----------------------------------------------------------------------------------------------------

def nag_done_when():
    return {"w": nag_notes(lambda w: 2 * w, [1.0], 0.1, 0.9, 2)[0]}


def adam_2d():
    w = adam_torch(lambda p: np.array([2 * p[0], 20 * p[1]]), [1.0, 1.0], 0.1, 0.9, 0.999, 1e-8, 2)
    return {"w": list(w)}


def rmsprop_latex():
    return {"w": rmsprop(lambda w: 2 * w, [1.0], 0.01, 0.9, 1e-8, 2)[0]}


def gd_words():
    return {"w": gd(lambda x: 2 * x, [2.0], 0.25, 3)[0]}


def gd_shifted():
    return {"w": gd(lambda x: 2 * (x - 3), [0.0], 0.1, 3)[0]}


def momentum_two():
    return {"w": momentum_notes(lambda w: 2 * w, [1.0], 0.1, 0.9, 2)[0]}


def adagrad_given():
    w, v = 0.0, 0.0
    for g in (2.0, 4.0):
        v += g * g
        w -= 0.1 * g / math.sqrt(v + 1e-10)
    return {"w": w}


def adagrad_unicode():
    w, v = 1.0, 0.0
    for _ in range(2):
        g = 2 * w
        v += g * g
        w -= 0.5 * g / math.sqrt(v + 1e-10)
    return {"w": w}


def softmax_mc():
    z = np.array([2.0, 1.0, 0.1])
    p = np.exp(z) / np.exp(z).sum()
    return {"p": list(p)}


def perceptron_or_table():
    return {"w": list(perceptron_bias_first([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 1, 1, 1]))}


def perceptron_and_lr():
    return {"w": list(perceptron_bias_first([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 0, 0, 1], lr=0.5))}


def entropy_bits_nats():
    p = np.array([0.5, 0.25, 0.25])
    return [{"entropy": float(-(p * np.log2(p)).sum())}, {"entropy": float(-(p * np.log(p)).sum())}]


def ce_onehot():
    return {"cross_entropy": -math.log(0.7)}


def kl_bits():
    p, q = np.array([0.5, 0.5]), np.array([0.9, 0.1])
    return {"kl": float((p * np.log2(p / q)).sum())}


def conv_alexnet():
    out = (227 - 11) // 4 + 1
    return {"out_width": out, "out_depth": 96, "params": 96 * (11 * 11 * 3 + 1)}


def conv_same():
    return {"out_width": (5 - 3 + 2 * 1) // 1 + 1}


def mlp_params():
    sizes = [784, 128, 10]
    return {"parameters": sum(a * b + b for a, b in zip(sizes, sizes[1:]))}


def init_he():
    return {"var_he": 2 / 256}


def dropout_inverted():
    h, mask, keep = np.array([2, 4, 6, 8.0]), np.array([1, 0, 1, 0.0]), 0.5
    return {"train_output": list(h * mask / keep)}


def clip_norm():
    g = np.array([3.0, 4.0])
    return {"by_norm": list(g / np.linalg.norm(g))}


def cosine_lr():
    return {"lr": 0 + 0.5 * (0.1 - 0) * (1 + math.cos(math.pi * 5 / 10))}


def eigen_2x2():
    return {"eigenvalues": sorted(np.linalg.eigvalsh(np.array([[2.0, 1], [1, 2]])), reverse=True)}


def svd_diag():
    return {"singular_values": list(np.linalg.svd(np.array([[3.0, 0], [0, -4]]), compute_uv=False))}


def pca_points():
    X = np.array([[1, 2], [2, 3], [3, 5], [4, 4.0]])
    lam = np.sort(np.linalg.eigvalsh(np.cov(X.T)))[::-1]
    return {"explained_variance_ratio": list(lam / lam.sum())}


def mle_gauss():
    x = np.array([2, 4, 4, 4, 5, 5, 7, 9.0])
    return {"mu_hat": x.mean(), "var_hat": x.var()}


def regression_three():
    X = np.array([[1, 1], [1, 2], [1, 3.0]])
    y = np.array([1, 3, 2.0])
    return {"theta": list(np.linalg.lstsq(X, y, rcond=None)[0])}


def bce_one():
    return {"bce": -math.log(0.9)}


def ewa_temps():
    v, out = 0.0, []
    for t, x in enumerate([10.0, 20.0, 30.0], start=1):
        v = 0.5 * v + 0.5 * x
        out.append(v / (1 - 0.5 ** t))
    return {"v_hat": out}


def batchnorm_small():
    x = np.array([1, 2, 3, 4.0])
    return {"x_hat": list((x - x.mean()) / np.sqrt(x.var()))}


def l2_step():
    w, g = np.array([0.5, -1.2, 2.0]), np.array([0.1, 0.3, -0.2])
    return {"w_l2": list(w - 0.1 * (g + 0.01 * w))}


def graph_cos_sin():
    w = 1.0
    return {"grad_w": -2 * w * math.sin(w * w) + 2 * w * math.cos(w * w)}


def feedforward_small():
    x = np.array([1.0, 2.0])
    W1, W2 = np.array([[0.1, 0.2], [0.3, 0.4]]), np.array([[0.5, 0.6]])
    h1 = sigmoid(W1 @ x)
    return {"h2": list(sigmoid(W2 @ h1))}


def sgd_neuron_ce():
    # one gradient step on a sigmoid neuron, cross-entropy loss: dL/dz = y_hat - y
    w, b, x, y, lr = 0.5, 0.0, 2.0, 1.0, 0.1
    yh = float(sigmoid(w * x + b))
    return {"w": [w - lr * (yh - y) * x, b - lr * (yh - y)]}


def softmax_temperature():
    z = np.array([1.0, 2.0, 3.0]) / 2
    p = np.exp(z) / np.exp(z).sum()
    return {"p": list(p)}


def steps_one_and_two():
    return [{"w": gd(lambda x: 2 * x, [1.0], 0.1, 1)[0]}, {"w": gd(lambda x: 2 * x, [1.0], 0.1, 2)[0]}]


def tanh_derivative():
    return {"derivatives": [1 - math.tanh(0.5) ** 2]}


def relu_values():
    return {"values": [0.0, 0.0, 2.0]}


def linsep_or_weights():
    # errors of w = (-0.5, 1, 1) (bias first) on OR: scores -0.5, 0.5, 0.5, 1.5 -> all right
    return {"errors": 0}


def entropy_dist():
    p = np.array([0.2, 0.3, 0.5])
    return {"entropy": float(-(p * np.log(p)).sum())}


def kl_nats_three():
    p, q = np.array([0.2, 0.5, 0.3]), np.array([0.1, 0.6, 0.3])
    return {"kl": float((p * np.log(p / q)).sum())}


def step_decay_epochs():
    return {"lr": [0.2 * 0.1 ** (e // 10) for e in (5, 10, 25)]}


def inverse_time():
    return {"lr": [0.5 / (1 + 0.1 * t) for t in (0, 5, 10)]}


def adam_one_step_grad():
    m = 0.1 * 0.5
    v = 0.001 * 0.25
    mh, vh = m / 0.1, v / 0.001
    return {"w": 1.0 - 0.01 * mh / (math.sqrt(vh) + 1e-8)}


def adadelta_two():
    """AdaDelta as the notes' eq. (17): v = rho v + (1 - rho) g^2; dw = -sqrt(u + eps)/sqrt(v + eps) g; u likewise."""
    rho, eps, w, v, u = 0.9, 1e-6, 1.0, 0.0, 0.0
    for _ in range(2):
        g = 2 * w
        v = rho * v + (1 - rho) * g * g
        dw = -math.sqrt(u + eps) / math.sqrt(v + eps) * g
        w += dw
        u = rho * u + (1 - rho) * dw * dw
    return {"w": w}


def nadam_one():
    """NAdam in the notes' form (eq. 21, t from 1): m_bar = b1 m_hat + (1 - b1) g / (1 - b1^t); w -= eta m_bar / sqrt(v_hat + eps)."""
    b1, b2, eps, eta, g = 0.9, 0.999, 1e-8, 0.1, 1.0
    m, v = (1 - b1) * g, (1 - b2) * g * g
    m_hat, v_hat = m / (1 - b1), v / (1 - b2)
    m_bar = b1 * m_hat + (1 - b1) * g / (1 - b1)
    return {"w": 0.0 - eta * m_bar / math.sqrt(v_hat + eps)}


# ---- questions written after the reader was tuned (tests/read_dev/fresh.toml) -----------------------------------

def fresh_rmsprop_outside():
    v = 0.1 * 16
    return {"w": 1 - 0.01 * 4 / (math.sqrt(v) + 1e-6)}


def fresh_momentum_given():
    w, u = 0.5, 0.0
    for g in (2.0, -1.0):
        u = 0.8 * u + g
        w -= 0.05 * u
    return {"w": w}


def fresh_conv_params():
    return {"params": 64 * (3 * 3 * 1 + 1)}


def fresh_pool():
    return {"out_width": (224 - 2) // 2 + 1, "out_depth": 64}


def fresh_bce_mean():
    y, p = np.array([1, 0, 1.0]), np.array([0.9, 0.2, 0.6])
    return {"bce": float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))}


def fresh_softmax_zero():
    return {"p": [0.5, 0.5]}


def fresh_kl_bits():
    p, q = np.array([0.25, 0.75]), np.array([0.5, 0.5])
    return {"kl": float((p * np.log2(p / q)).sum())}


def fresh_eigen():
    return {"eigenvalues": sorted(np.linalg.eigvals(np.array([[4.0, 1], [2, 3]])).real, reverse=True)}


def fresh_pca_cov():
    X = np.array([[2, 0], [0, 2], [-2, 0], [0, -2.0]])
    return {"cov": np.cov(X.T).tolist()}


def fresh_perceptron():
    # no bias: w.x >= 0 fires; (1,1) -> 1 is right at w = 0; (-1,-1) -> 0 is wrong (score 0 fires): w = w - x
    X = np.array([[1, 1], [-1, -1.0]])
    y = [1, 0]
    w = np.zeros(2)
    for _ in range(100):
        mistakes = 0
        for x, t in zip(X, y):
            yh = 1 if w @ x >= 0 else 0
            if yh != t:
                w = w + (t - yh) * x
                mistakes += 1
        if not mistakes:
            break
    return {"w": list(w)}


def fresh_exp_decay():
    return {"lr": [0.5 * math.exp(-0.1 * 5)]}


def fresh_dropout_drop():
    return {"keep_prob": 0.8, "train_scale": 1 / 0.8}


def fresh_xavier():
    return {"var_xavier": [2 / 150]}


def fresh_tanh():
    return {"values": [math.tanh(1)], "derivatives": [1 - math.tanh(1) ** 2]}


def fresh_clip():
    g = np.array([3.0, -4.0, 12.0])
    return {"by_norm": list(g * 6.5 / np.linalg.norm(g))}


def fresh_entropy_third():
    return {"entropy": math.log2(3)}


def fresh_adam_first():
    m, v = 0.1 * -2, 0.001 * 4
    return {"w": 0 - 0.01 * (m / 0.1) / (math.sqrt(v / 0.001) + 1e-8)}


def fresh_sigmoid_loss():
    yh = float(sigmoid(0.3 * 2 - 0.1))
    return {"loss": 0.5 * (yh - 1) ** 2}


def fresh_mlp_counts():
    return {"weights": 10 * 20 + 20 * 5, "biases": 25}


def fresh_regression_gd():
    X = np.array([[1, 1], [1, 2], [1, 3.0]])
    y = np.array([2, 4, 6.0])
    theta = np.zeros(2)
    grad = -(X.T @ (y - X @ theta))  # d/dtheta of 1/2 sum (y - X theta)^2
    return {"theta": list(theta - 0.1 * grad)}


def fresh_ewa_plain():
    v, out = 0.0, []
    for x in (5.0, 10.0, 15.0):
        v = 0.9 * v + 0.1 * x
        out.append(v)
    return {"v": out}


def fresh_coin_counts():
    return {"theta_hat": 0.7}


# ---- a second batch written after the first fresh batch was fixed (tests/read_dev/fresh2.toml) -------------------

def f2_sgd_weight_decay():
    w = 1.0
    g = 2 * (w - 2) + 0.01 * w  # torch's coupled weight decay: g + wd * w
    return {"w": w - 0.1 * g}


def f2_adam_no_correction():
    m, v = 0.1 * 1.0, 0.001 * 1.0
    return {"w": 0.0 - 0.1 * m / math.sqrt(v + 1e-8)}  # the notes' eps inside the root


def f2_cov_biased():
    X = np.array([[1, 2], [3, 4], [5, 0.0]])
    return {"cov": np.cov(X.T, bias=True).tolist()}


def f2_dropout_drop():
    return {"weight_keep_prob": 0.75 ** 2}


def f2_entropy_mc():
    return {"entropy": 1.5}


def f2_softmax_latex():
    z = np.array([2.0, 1.0, 0.1])
    return {"p": list(np.exp(z) / np.exp(z).sum())}


def f2_conv_words():
    return {"params": 16 * (5 * 5 * 3 + 1)}


def f2_nag_torch():
    x, buf = 1.0, 0.0
    for _ in range(2):
        g = 2 * x
        buf = 0.9 * buf + g
        x -= 0.1 * (g + 0.9 * buf)
    return {"w": x}


def f2_bce_logit():
    return {"bce": math.log(2)}


def f2_regression_table():
    X = np.array([[1, 0], [1, 1], [1, 2.0]])
    y = np.array([1, 3, 5.0])
    return {"theta": list(np.linalg.lstsq(X, y, rcond=None)[0])}


def f2_step_epoch():
    return {"lr": [0.01 * 0.5 ** (25 // 10)]}


def f2_clip_value():
    return {"by_value": list(np.clip([-3, 0.5, 2], -1, 1))}


def f2_eigen_sym():
    return {"eigenvalues": sorted(np.linalg.eigvalsh(np.array([[1.0, 2], [2, 1]])), reverse=True)}


def f2_svd():
    return {"singular_values": list(np.linalg.svd(np.array([[1.0, 0], [0, 1], [1, 1]]), compute_uv=False))}


def f2_he_std():
    return {"std_he": [math.sqrt(2 / 512)]}


def f2_kl_reverse():
    p, q = np.array([0.5, 0.5]), np.array([0.25, 0.75])
    return {"kl_reverse": float((q * np.log(q / p)).sum())}


def f2_ensemble_corr():
    k, V, rho = 5, 2.0, 0.5
    return {"mse": V / k + (k - 1) * rho * V / k}


def f2_bernoulli():
    return {"theta_hat": 0.8}


def f2_graph_xy():
    return {"grad_x": 2 + math.cos(0.0), "grad_y": 0.0}


def f2_batchnorm_two():
    X = np.array([[1, 2], [3, 6.0]])
    return {"x_hat": ((X - X.mean(0)) / X.std(0)).tolist()}


def f2_mlp_no_bias():
    return {"weights": 4 * 3 + 3 * 2, "biases": 0}


def f2_ewa_first():
    v = 0.98 * 0 + 0.02 * 40
    return {"v": [v], "v_hat": [v / (1 - 0.98)]}


def f2_sigmoid_two_steps():
    w = b = 0.0
    for _ in range(2):
        yh = float(sigmoid(w * 1 + b))
        dz = (yh - 1) * yh * (1 - yh)
        w, b = w - 1 * dz * 1, b - 1 * dz
    return {"w": [w]}


def f2_momentum_average():
    """V = beta V + (1 - beta) g, w -= lr V (Andrew Ng's course), on f = x^2 from x = 1."""
    x, v = 1.0, 0.0
    for _ in range(2):
        v = 0.9 * v + 0.1 * 2 * x
        x -= 0.1 * v
    return {"w": x}


def f2_ewa_alpha():
    v, out = 0.0, []
    for th in (1.0, 2.0, 3.0):
        v = 0.9 * v + 0.1 * th
        out.append(v)
    return {"v": out}


def f2_adam_step_three():
    """Adam at t = 3 from m_2 = 0.5, v_2 = 0.04 (Kingma & Ba 2015; eps outside the root as torch, eps = 1e-8
    changes no digit shown)."""
    m = 0.9 * 0.5 + 0.1 * 0.3
    v = 0.999 * 0.04 + 0.001 * 0.09
    mh, vh = m / (1 - 0.9 ** 3), v / (1 - 0.999 ** 3)
    return {"w": 1.0 - 0.1 * mh / math.sqrt(vh)}


def f2_adamw_one():
    """torch.optim.AdamW: w *= 1 - lr wd, then the Adam step on the plain gradient (m_hat / sqrt(v_hat) = 1)."""
    return {"w": 1.0 * (1 - 0.1 * 0.1) - 0.1 * 1.0}


def f2_kl_gaussians():
    """The closed form ln(sigma_q/sigma_p) + (sigma_p^2 + (mu_p - mu_q)^2)/(2 sigma_q^2) - 1/2."""
    return {"kl": math.log(2 / 1) + (1 + 1) / (2 * 4) - 0.5}


def f2_log_softmax():
    z = np.array([1.0, 2.0, 3.0])
    lse = math.log(np.exp(z).sum())
    return {"logsumexp": lse, "log_softmax": list(z - lse)}


def f2_ce_class_index():
    z = np.array([2.0, 1.0, 0.1])
    return {"cross_entropy": -(z[0] - math.log(np.exp(z).sum()))}


def f2_dropout_backward():
    g, mask, keep = np.array([0.2, 0.4, 0.6]), np.array([1, 0, 1.0]), 0.5
    return {"grad_input": list(g * mask / keep)}


# ---- sliding windows: convolution and pooling values ----------------------------------------------------------

def _xcorr(x, k, stride=1, pad=0):
    """Cross-correlation as deep-learning frameworks compute it, written out with loops."""
    x = np.pad(np.asarray(x, dtype=float), pad)
    k = np.asarray(k, dtype=float)
    fh, fw = k.shape
    rows = range(0, x.shape[0] - fh + 1, stride)
    cols = range(0, x.shape[1] - fw + 1, stride)
    return [[float((x[r:r + fh, c:c + fw] * k).sum()) for c in cols] for r in rows]


def f2_conv2d_valid():
    return {"output": _xcorr([[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 2], [0, -1]])}


def f2_conv2d_padded():
    return {"output": _xcorr([[1, 0, 2], [0, 1, 0], [2, 0, 1]], [[1, 1], [1, 1]], stride=2, pad=1)}


def f2_max_pool():
    x = np.array([[1, 3, 2, 1], [4, 6, 5, 0], [7, 1, 2, 8], [3, 2, 9, 4]], dtype=float)
    return {"output": x.reshape(2, 2, 2, 2).max(axis=(1, 3)).tolist()}


def f2_avg_pool_padded():
    x = np.pad(np.arange(1, 10, dtype=float).reshape(3, 3), 1)
    return {"output": [[float(x[r:r + 3, c:c + 3].sum() / 9) for c in range(3)] for r in range(3)]}


# ---- losses of given predictions --------------------------------------------------------------------------

def f2_loss_mae():
    return {"loss": float(np.mean(np.abs(np.array([2, 4, 6.0]) - np.array([1, 4, 8.0]))))}


def f2_loss_huber():
    r = np.abs(np.array([0.5, 3, 2.0]) - np.array([0, 1, 2.0]))
    return {"loss": float(np.where(r <= 1, 0.5 * r ** 2, r - 0.5).sum())}


def f2_gd_given_gradient():
    """The gradient (2x, 20y) as given: gradient descent, eta = 0.05, from (1, 1), two steps."""
    return {"w": list(gd(lambda p: np.array([2 * p[0], 20 * p[1]]), [1.0, 1.0], 0.05, 2))}


def f2_momentum_given_gradient():
    return {"w": momentum_notes(lambda w: 2 * w, [1.0], 0.1, 0.9, 2)[0]}


def feedforward_relu_softmax():
    x = np.array([1.0, 2.0])
    h1 = np.maximum(0.0, np.array([[1, -1], [0.5, 2]]) @ x + np.array([0, 1]))
    a2 = np.eye(2) @ h1
    e = np.exp(a2 - a2.max())
    return {"output": list(e / e.sum())}


def perceptron_given_weights():
    # the course notes, week 1: w = (-1, 1.1, 1.1) on the OR corners scores -1, 0.1, 0.1, 1.2
    w = np.array([-1, 1.1, 1.1])
    X = np.array([[1, 0, 0], [1, 0, 1], [1, 1, 0], [1, 1, 1]])
    s = X @ w
    return {"scores": list(s), "predictions": [int(v >= 0) for v in s]}


def mp_neuron_evaluate():
    X = [(1, 0, 1), (1, 1, 1), (0, 0, 1)]
    out = [int(sum(x) >= 2) for x in X]
    return {"outputs": out, "fires": sum(out)}


def perceptron_bias_last():
    # the classic rule (w <- w + (y - y_hat) x, fire at w.x >= 0) with the constant input 1 appended last
    X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
    y = [0, 0, 0, 1]
    w = np.zeros(3)
    for _ in range(100):
        mistakes = 0
        for x, t in zip(X, y):
            yh = int(w @ x >= 0)
            if yh != t:
                w = w + (t - yh) * x
                mistakes += 1
        if not mistakes:
            break
    return {"w": list(w)}


def feedforward_weights_only():
    # h1 = sigmoid(W1 x + b1), out = W2 h1 + b2 (linear), L = 1/2 (out - y)^2; only W1, W2 move
    x, y = np.array([1.0, 2.0]), 1.0
    W1, b1, W2, b2 = np.array([[0.5, -0.5], [1, 1]]), np.zeros(2), np.array([[1.0, -1.0]]), np.array([0.5])
    h1 = sigmoid(W1 @ x + b1)
    out = W2 @ h1 + b2
    d_out = out - y
    gW2 = np.outer(d_out, h1)
    return {"W2_new": [list(W2[0] - 0.1 * gW2[0])], "b2_new": [0.5]}


def f2_bce_pos_weight():
    # -(w y ln p + (1 - y) ln(1 - p)) with w = 3, y = 1, p = 0.8 (torch's BCEWithLogitsLoss pos_weight)
    return {"bce": -3 * math.log(0.8)}


def f2_bce_torch_clamp():
    # torch's F.binary_cross_entropy: -max(ln 0, -100) = 100
    return {"bce": 100.0}


def f2_conv_same_padding():
    # P = (F - 1)/2 at stride 1 (nn.Conv2d(3, 64, 5, padding='same') keeps 32 x 32)
    return {"same_pad": (5 - 1) / 2, "out_shape": [32, 32, 64]}


def f2_conv_depthwise():
    # nn.Conv2d(64, 64, 3, groups=64): 64 filters of 3 x 3 x 1 and 64 biases
    return {"params": 64 * 3 * 3 * 1 + 64, "out_shape": [13, 13, 64]}


def f2_conv_groups():
    # nn.Conv2d(32, 64, 3, groups=4): weights 64 x 32/4 x 3 x 3, 64 biases
    return {"params": 64 * (32 // 4) * 3 * 3 + 64}


def f2_pool_ceil_mode():
    # nn.MaxPool2d(3, 2, ceil_mode=True): ceil((14 - 3)/2) + 1 = 7; the last window starts at 12 < 14
    return {"out_shape": [7, 7, 96]}


def f2_noam():
    """Vaswani et al. 2017: d_model^-0.5 min(step^-0.5, step warmup^-1.5)."""
    return {"lr": [512 ** -0.5 * min(8000 ** -0.5, 8000 * 4000 ** -1.5)]}


def f2_inverse_sqrt():
    """fairseq's inverse_sqrt: lr sqrt(warmup / step) after the warm-up."""
    return {"lr": [0.001 * math.sqrt(10 / 40)]}


def f2_one_cycle():
    """torch's OneCycleLR: from 0.1 / 25 up to 0.1 by step 0.3 * 10 - 1 = 2, then linearly to 0.1 / 25 / 1e4 at step 9."""
    lo = 0.1 / 25 / 1e4
    return {"lr": [0.1 + (lo - 0.1) * (5 - 2) / (9 - 2)]}


def f2_plateau():
    """torch's ReduceLROnPlateau (threshold 1e-4 relative): the bad epochs 3, 4 exceed patience 1 at epoch 4; the
    count restarts, 0.7 improves at epoch 5, and epochs 6, 7 exceed it again at epoch 7."""
    lrs = [0.01, 0.01, 0.01, 0.001, 0.001, 0.001, 0.0001]
    return {"lr": lrs, "final_lr": lrs[-1]}
