"""Benchmark (not a test): Stepwise's numeric PCA and SVD next to scikit-learn and NumPy on the same data.

    python benchmarks/bench_linalg.py            # the full run (about a minute on a quiet 2-core machine)
    python benchmarks/bench_linalg.py --quick    # smaller shapes
    python benchmarks/bench_linalg.py --image-out /tmp/svd   # also write the compressed images as PNG files

Three parts, in one run:
1. PCA: `problems.pca.pca_numeric` (the numeric path's core: eigh of the d x d covariance when features are
   few, a thin SVD otherwise) and the whole family solve (validation, answers) against scikit-learn's PCA
   with svd_solver="full", "covariance_eigh" and "auto", each fit_transform; components compared after the
   same sign rule (largest loading positive, scikit-learn >= 1.5).
2. SVD: `problems.svd.svd_numeric` (QR of the tall side, then the SVD of R, when the long singular vectors
   are not needed) and the family solve against numpy.linalg.svd (thin, and values only).
3. Image compression (notes 003, question 1): a generated greyscale image (no download) compressed with
   rank-k SVD through the svd family: storage k(m + n + 1) against m n, the compression ratio, the
   Frobenius error sqrt(sum of the dropped sigma^2), checked against the reconstruction, and the PSNR.
Times are the best of a few repeats (time.perf_counter); ratios > 1 mean Stepwise is faster.
Writes benchmarks/results/linalg.json (or linalg_quick.json with --quick).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import solver  # noqa: E402
from _record import write  # noqa: E402
from problems.pca import pca_numeric  # noqa: E402
from problems.svd import svd_numeric  # noqa: E402


def best(fn, repeat: int = 3) -> tuple[float, object]:
    out, t_best = None, float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        t_best = min(t_best, time.perf_counter() - t)
    return t_best, out


def data(n: int, d: int, seed: int = 0) -> np.ndarray:
    """Correlated Gaussian data with a decaying spectrum (distinct eigenvalues, so components are unique)."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, d)) * np.linspace(3.0, 0.2, d)) @ np.linalg.qr(rng.standard_normal((d, d)))[0] + 5.0


def bench_pca(shapes, repeat):
    from sklearn.decomposition import PCA

    print("PCA: fit + scores (fit_transform), k components; times in seconds")
    head = f"{'N x d':>13} {'k':>3} {'ours core':>10} {'ours solve':>11} {'sk full':>9} {'sk cov_eigh':>12} {'sk auto':>9}" \
           f" {'full/core':>10} {'eigh/core':>10} {'max |diff|':>11}"
    print(head)
    print("-" * len(head))
    rows = []
    for n, d, k in shapes:
        X = data(n, d)
        t_core, r = best(lambda: pca_numeric(X, k, sign_rule="largest-loading"), repeat)
        t_solve, sol = best(lambda: solver.solve("pca", X=X, k=k, conventions={"sign_rule": "largest-loading"}), 1)
        t_full, _ = best(lambda: PCA(n_components=k, svd_solver="full").fit_transform(X), repeat)
        try:
            t_ce, _ = best(lambda: PCA(n_components=k, svd_solver="covariance_eigh").fit_transform(X), repeat)
        except ValueError:  # scikit-learn < 1.5
            t_ce = float("nan")
        t_auto, _ = best(lambda: PCA(n_components=k, svd_solver="auto", random_state=0).fit_transform(X), repeat)
        sk = PCA(n_components=k, svd_solver="full").fit(X)
        diff = max(np.abs(r["components"] - sk.components_).max(), np.abs(r["scores"] - sk.transform(X)).max(),
                   np.abs(r["eigenvalues"][:k] - sk.explained_variance_).max())
        print(f"{f'{n} x {d}':>13} {k:>3} {t_core:>10.4f} {t_solve:>11.4f} {t_full:>9.4f} {t_ce:>12.4f} {t_auto:>9.4f}"
              f" {t_full / t_core:>10.2f} {t_ce / t_core:>10.2f} {diff:>11.2e}   ({r['method']})")
        sk_best = min(t for t in (t_full, t_ce, t_auto) if t == t)
        rows.append({"shape": [n, d], "k": k, "method": r["method"], "ours_core_s": t_core, "ours_solve_s": t_solve,
                     "sklearn_full_s": t_full, "sklearn_covariance_eigh_s": t_ce if t_ce == t_ce else None,
                     "sklearn_auto_s": t_auto, "ratio_core_vs_sklearn_fastest": sk_best / t_core,
                     "ratio_solve_vs_sklearn_fastest": sk_best / t_solve, "max_abs_diff": float(diff)})
        del sol
    print()
    return rows


def bench_svd(shapes, repeat):
    print("SVD: singular values and the short side's vectors; times in seconds")
    head = f"{'m x n':>13} {'ours core':>10} {'ours solve':>11} {'np thin':>9} {'np values':>10} {'thin/core':>10}" \
           f" {'values/core':>12} {'max rel diff':>13}"
    print(head)
    print("-" * len(head))
    rows = []
    for m, n in shapes:
        A = data(m, n, seed=1)
        t_core, (U, s, Vt) = best(lambda: svd_numeric(A, complete=False), repeat)
        t_solve, _ = best(lambda: solver.solve("svd", A=A, k=5), 1)
        t_thin, (_, s_np, _) = best(lambda: np.linalg.svd(A, full_matrices=False), repeat)
        t_vals, _ = best(lambda: np.linalg.svd(A, compute_uv=False), repeat)
        rel = float(np.max(np.abs(s - s_np) / s_np[0]))
        print(f"{f'{m} x {n}':>13} {t_core:>10.4f} {t_solve:>11.4f} {t_thin:>9.4f} {t_vals:>10.4f} {t_thin / t_core:>10.2f}"
              f" {t_vals / t_core:>12.2f} {rel:>13.2e}")
        rows.append({"shape": [m, n], "ours_core_s": t_core, "ours_solve_s": t_solve, "numpy_thin_s": t_thin,
                     "numpy_values_s": t_vals, "ratio_core_vs_numpy_thin": t_thin / t_core,
                     "ratio_solve_vs_numpy_thin": t_thin / t_solve, "max_rel_diff": rel})
    print()
    return rows


def test_image(h: int = 240, w: int = 320) -> np.ndarray:
    """A greyscale test card in [0, 255]: a gradient sky, a sun, hills, a striped field and a little noise."""
    y, x = np.mgrid[0:h, 0:w].astype(float)
    img = 200 - 120 * y / h + 20 * np.sin(x / 37.0)
    img = np.where((x - 0.72 * w) ** 2 + (y - 0.25 * h) ** 2 < (0.09 * w) ** 2, 250.0, img)
    hills = 0.6 * h + 0.08 * h * np.sin(x / 45.0) + 0.05 * h * np.cos(x / 13.0)
    img = np.where(y > hills, 70 + 25 * np.sin(x / 4.0 + y / 9.0), img)
    img = np.where((y > 0.82 * h) & ((x // 16) % 2 == 0), img + 40, img)
    img += np.random.default_rng(7).normal(0, 4, size=img.shape)
    return np.clip(img, 0, 255)


def write_png(path: str, img: np.ndarray) -> None:
    """An 8-bit greyscale PNG written with zlib alone (no imaging library needed)."""
    import struct
    import zlib

    a = np.clip(np.rint(img), 0, 255).astype(np.uint8)
    raw = b"".join(b"\x00" + row.tobytes() for row in a)

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF)

    with open(path, "wb") as fh:
        fh.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", a.shape[1], a.shape[0], 8, 0, 0, 0, 0))
                 + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def bench_image(ks, out_dir: str | None):
    img = test_image()
    m, n = img.shape
    print(f"Image compression with rank-k SVD (notes 003, question 1): a generated {m} x {n} greyscale image")
    U, s, Vt = np.linalg.svd(img, full_matrices=False)
    head = f"{'k':>4} {'storage':>9} {'of m n':>8} {'ratio':>7} {'||A - A_k||_F':>14} {'check':>10} {'relative':>9} {'PSNR dB':>8}"
    print(head)
    print("-" * len(head))
    rows = []
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
        write_png(os.path.join(out_dir, "original.png"), img)
    for k in ks:
        a = solver.solve("svd", A=img, k=k).answers
        Ak = (U[:, :k] * s[:k]) @ Vt[:k]
        direct = float(np.linalg.norm(img - Ak))
        mse = direct ** 2 / img.size
        psnr = 10 * np.log10(255 ** 2 / mse) if mse > 0 else float("inf")
        print(f"{k:>4} {a['storage'].value:>9} {m * n:>8} {a['compression_ratio'].value:>7.2f} {a['error'].value:>14.2f}"
              f" {abs(direct - a['error'].value):>10.1e} {direct / np.linalg.norm(img):>9.4f} {psnr:>8.2f}")
        rows.append({"k": k, "storage": a["storage"].value, "compression_ratio": a["compression_ratio"].value,
                     "frobenius_error": a["error"].value, "psnr_db": psnr})
        if out_dir:
            write_png(os.path.join(out_dir, f"rank{k:03d}.png"), Ak)
    if out_dir:
        print(f"(images written to {out_dir})")
    print()
    return {"image": [m, n], "ranks": rows}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller shapes, one repeat")
    ap.add_argument("--image-out", help="directory for the original and rank-k images (PNG)")
    args = ap.parse_args(argv)
    import sklearn

    print(f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, {os.cpu_count()} CPUs\n")
    if args.quick:
        pca = bench_pca([(20_000, 50, 5), (500, 200, 5), (200, 500, 5)], 1)
        svd = bench_svd([(20_000, 50), (300, 300)], 1)
    else:
        pca = bench_pca([(100_000, 100, 5), (20_000, 50, 2), (2_000, 500, 10), (500, 2_000, 10)], 3)
        svd = bench_svd([(100_000, 100), (2_000, 500), (500, 2_000), (1_000, 1_000)], 3)
    image = bench_image((1, 2, 5, 10, 20, 50, 100), args.image_out)
    write("linalg_quick" if args.quick else "linalg", {"repeats": 1 if args.quick else 3, "pca": pca, "svd": svd,
                                                      "image_compression": image},
          unit="wall seconds, best of the repeats",
          notes="ratio = the peer's time / ours (> 1: Stepwise faster); the peer for PCA is scikit-learn's fastest "
                "svd_solver for the shape, for SVD numpy.linalg.svd(full_matrices=False)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
