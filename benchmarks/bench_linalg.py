"""Benchmark (not a test): PCA and SVD through `solver.solve` (the whole call) next to scikit-learn and NumPy.

    python benchmarks/bench_linalg.py                 # the issue's shapes, 21 interleaved rounds (about a minute)
    python benchmarks/bench_linalg.py --repeats 3     # shorter
    python benchmarks/bench_linalg.py --threads 1     # one BLAS thread for every library (a busy machine)
    python benchmarks/bench_linalg.py --image-out /tmp/svd   # also write the compressed images as PNG files

Three parts, in one run:
1. PCA on 20000 x 50, 500 x 200 and 200 x 500 float64 data, k = 5: `solver.solve("pca", X=X, k=5)` (the whole
   call: validation, the numeric path, the answers) and its core `problems.pca.pca_numeric`, against
   scikit-learn's exact solvers PCA(svd_solver="full") and PCA(svd_solver="covariance_eigh"), each
   fit_transform (the scores, as the solve gives them). The peer is the faster of the two for the shape
   ("randomized" is left out: it does not give the exact answers). The sign rule is scikit-learn's
   (largest loading positive), so the components and scores are compared entry by entry.
2. SVD on the same shapes: `solver.solve("svd", A=A, k=5)` and its core `problems.svd.svd_numeric` against
   numpy.linalg.svd(A, full_matrices=False) (and, for information, the singular values alone).
3. Image compression (the course notes' end-term assignment, question 1): a generated greyscale image (no
   download) compressed with rank-k SVD through the svd family: storage k(m + n + 1) against m n, the
   compression ratio, the Frobenius error sqrt(sum of the dropped sigma^2), checked against the
   reconstruction, and the PSNR.

Timing: the contenders of a shape run side by side, interleaved (A, B, C, A, B, C, ...), and each time is
the median of the rounds (the machine may be shared), in wall time and in this process's CPU time (steadier on
a busy machine; with --threads 1 the two agree on a quiet one). ratio = Stepwise's time / the peer's (<= 1:
Stepwise as fast or faster). Memory, measured after all the timing, per contender and one call: the tracemalloc peak (NumPy reports its arrays;
LAPACK's workspace is not seen) and, on Linux, the peak resident-set growth (VmHWM after the call minus VmRSS
before it, the high-water mark reset through /proc/self/clear_refs), each also as copies of the input
(bytes / X.nbytes). Writes benchmarks/results/linalg.json.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tracemalloc

if __name__ == "__main__" and "--threads" in sys.argv:  # before NumPy loads its BLAS: every library gets the same count
    _n = sys.argv[sys.argv.index("--threads") + 1]
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = _n

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import solver  # noqa: E402
from _record import write  # noqa: E402
from problems.pca import pca_numeric  # noqa: E402
from problems.svd import svd_numeric  # noqa: E402

SHAPES = ((20_000, 50), (500, 200), (200, 500))
K = 5


def data(n: int, d: int, seed: int = 0) -> np.ndarray:
    """Correlated Gaussian data with a decaying spectrum (distinct eigenvalues, so components are unique)."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, d)) * np.linspace(3.0, 0.2, d)) @ np.linalg.qr(rng.standard_normal((d, d)))[0] + 5.0


def interleaved(contenders: dict, rounds: int) -> tuple[dict[str, float], dict[str, float]]:
    """The median wall time and CPU time (this process) of each contender over `rounds` rounds, the contenders
    alternating within a round. On a busy machine the CPU time is the steadier of the two."""
    wall: dict[str, list[float]] = {name: [] for name in contenders}
    cpu: dict[str, list[float]] = {name: [] for name in contenders}
    for fn in contenders.values():  # warm up (imports, first-call caches)
        fn()
    for _ in range(rounds):
        for name, fn in contenders.items():
            t, c = time.perf_counter(), time.process_time()
            fn()
            cpu[name].append(time.process_time() - c)
            wall[name].append(time.perf_counter() - t)
    return ({name: statistics.median(ts) for name, ts in wall.items()},
            {name: statistics.median(ts) for name, ts in cpu.items()})


def _status(key: str) -> int | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(key):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _libc():
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None


def _fixed_mmap_threshold() -> None:
    """glibc: large blocks always mmap'ed (and returned to the system when freed), so that a call's resident-set
    growth is its own, not hidden by heap the earlier calls left behind (the default threshold adapts upwards)."""
    libc = _libc()
    if libc is not None and hasattr(libc, "mallopt"):
        libc.mallopt(-3, 128 * 1024)  # M_MMAP_THRESHOLD


def _trim() -> None:
    """Free heap back to the system (glibc), so that the next call's pages are counted when it touches them."""
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)


def _reset_peak_rss() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def peak_memory(fn, input_bytes: int) -> dict:
    """One call's peak memory beyond what was held before it: tracemalloc, and the resident-set growth (Linux)."""
    out = fn()  # warm (first-call allocations are not the call's)
    del out
    rss = None
    _trim()
    if _reset_peak_rss():
        before = _status("VmRSS:")
        out = fn()
        after = _status("VmHWM:")
        del out
        rss = after - before if before is not None and after is not None else None
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    out = fn()
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    del out
    return {"tracemalloc_peak_bytes": peak, "tracemalloc_copies_of_input": round(peak / input_bytes, 2),
            "rss_peak_growth_bytes": rss, "rss_copies_of_input": None if rss is None else round(rss / input_bytes, 2)}


def bench_pca(rounds: int) -> list[dict]:
    from sklearn.decomposition import PCA

    print(f"PCA, k = {K}: the median of {rounds} interleaved rounds, milliseconds; ratio = Stepwise's whole call / peer")
    head = (f"{'N x d':>12} {'solve':>8} {'core':>8} {'sk full':>8} {'sk eigh':>8} {'peer':>6} {'ratio':>6}"
            f" {'core/peer':>9} {'ratio cpu':>9} {'max |diff|':>10}")
    print(head)
    print("-" * len(head))
    rows = []
    conv = {"sign_rule": "largest-loading"}  # scikit-learn's (>= 1.5) sign rule: the answers compare entry by entry
    for n, d in SHAPES:
        X = data(n, d)
        contenders = {
            "stepwise_solve": lambda X=X: solver.solve("pca", X=X, k=K, conventions=conv),
            "stepwise_core": lambda X=X: pca_numeric(X, K, sign_rule="largest-loading"),
            "sklearn_full": lambda X=X: PCA(n_components=K, svd_solver="full").fit_transform(X),
            "sklearn_covariance_eigh": lambda X=X: PCA(n_components=K, svd_solver="covariance_eigh").fit_transform(X),
        }
        t, cpu = interleaved(contenders, rounds)
        peer = min(("sklearn_full", "sklearn_covariance_eigh"), key=t.get)
        peer_cpu = min(("sklearn_full", "sklearn_covariance_eigh"), key=cpu.get)
        sol = solver.solve("pca", X=X, k=K, conventions=conv)
        sk = PCA(n_components=K, svd_solver="full").fit(X)
        a = sol.answers
        diff = max(np.abs(np.array(a["components"].value) - sk.components_).max(),
                   np.abs(np.array(a["eigenvalues"].value[:K]) - sk.explained_variance_).max(),
                   np.abs(np.array(a["scores"].value) - sk.transform(X)).max() if "scores" in a else 0.0)
        ratio = t["stepwise_solve"] / t[peer]
        ms = {k: 1e3 * v for k, v in t.items()}
        print(f"{f'{n} x {d}':>12} {ms['stepwise_solve']:>8.2f} {ms['stepwise_core']:>8.2f} {ms['sklearn_full']:>8.2f}"
              f" {ms['sklearn_covariance_eigh']:>8.2f} {'full' if peer == 'sklearn_full' else 'eigh':>6} {ratio:>6.2f}"
              f" {t['stepwise_core'] / t[peer]:>9.2f} {cpu['stepwise_solve'] / cpu[peer_cpu]:>9.2f} {diff:>10.1e}")
        rows.append({"shape": [n, d], "k": K, "seconds_median": t, "cpu_seconds_median": cpu, "peer": peer,
                     "ratio_solve_vs_peer": ratio, "ratio_core_vs_peer": t["stepwise_core"] / t[peer],
                     "ratio_solve_vs_peer_cpu": cpu["stepwise_solve"] / cpu[peer_cpu],
                     "ratio_solve_vs_sklearn_full": t["stepwise_solve"] / t["sklearn_full"],
                     "ratio_solve_vs_sklearn_covariance_eigh": t["stepwise_solve"] / t["sklearn_covariance_eigh"],
                     "input_bytes": X.nbytes, "max_abs_diff_vs_sklearn": float(diff),
                     "_memory": (contenders, X.nbytes, ("stepwise_solve", peer))})
    print()
    return rows


def bench_svd(rounds: int) -> list[dict]:
    print(f"SVD (k = {K} for the rank-k answers): medians of {rounds} interleaved rounds, milliseconds;"
          " ratio = Stepwise's whole call / numpy.linalg.svd(full_matrices=False)")
    head = (f"{'m x n':>12} {'solve':>8} {'core':>8} {'np thin':>8} {'np vals':>8} {'ratio':>6} {'core/np':>8}"
            f" {'ratio cpu':>9} {'max rel diff':>12}")
    print(head)
    print("-" * len(head))
    rows = []
    for m, n in SHAPES:
        A = data(m, n, seed=1)
        contenders = {
            "stepwise_solve": lambda A=A: solver.solve("svd", A=A, k=K),
            "stepwise_core": lambda A=A: svd_numeric(A, complete=False),
            "numpy_thin": lambda A=A: np.linalg.svd(A, full_matrices=False),
            "numpy_values": lambda A=A: np.linalg.svd(A, compute_uv=False),
        }
        t, cpu = interleaved(contenders, rounds)
        s = np.array(solver.solve("svd", A=A, k=K).answers["singular_values"].value)
        s_np = np.linalg.svd(A, compute_uv=False)
        rel = float(np.max(np.abs(s - s_np)) / s_np[0])
        ratio = t["stepwise_solve"] / t["numpy_thin"]
        ms = {k: 1e3 * v for k, v in t.items()}
        print(f"{f'{m} x {n}':>12} {ms['stepwise_solve']:>8.2f} {ms['stepwise_core']:>8.2f} {ms['numpy_thin']:>8.2f}"
              f" {ms['numpy_values']:>8.2f} {ratio:>6.2f} {t['stepwise_core'] / t['numpy_thin']:>8.2f}"
              f" {cpu['stepwise_solve'] / cpu['numpy_thin']:>9.2f} {rel:>12.1e}")
        rows.append({"shape": [m, n], "k": K, "seconds_median": t, "cpu_seconds_median": cpu, "peer": "numpy_thin",
                     "ratio_solve_vs_peer_cpu": cpu["stepwise_solve"] / cpu["numpy_thin"],
                     "ratio_solve_vs_peer": ratio, "ratio_core_vs_peer": t["stepwise_core"] / t["numpy_thin"],
                     "ratio_solve_vs_numpy_values": t["stepwise_solve"] / t["numpy_values"],
                     "input_bytes": A.nbytes, "max_rel_diff_singular_values": rel,
                     "_memory": (contenders, A.nbytes, ("stepwise_solve", "numpy_thin"))})
    print()
    return rows


def bench_memory(title: str, rows: list[dict]) -> None:
    """Each contender's peak memory for one call (after all the timing: the allocator setting it needs would slow
    the calls that allocate most), into the rows; a table of ours against the peer, as copies of the input."""
    _fixed_mmap_threshold()
    print(f"{title}: peak memory of one call as copies of the input: tracemalloc (NumPy's arrays), resident-set growth")
    head = f"{'shape':>12} {'ours tm':>8} {'peer tm':>8} {'ours rss':>9} {'peer rss':>9}"
    print(head)
    print("-" * len(head))
    for row in rows:
        contenders, nbytes, (ours, peer) = row.pop("_memory")
        row["memory"] = mem = {name: peak_memory(fn, nbytes) for name, fn in contenders.items()}
        rss = [mem[x]["rss_copies_of_input"] for x in (ours, peer)]
        print(f"{' x '.join(map(str, row['shape'])):>12} {mem[ours]['tracemalloc_copies_of_input']:>8.2f}"
              f" {mem[peer]['tracemalloc_copies_of_input']:>8.2f}"
              + "".join(f" {'-' if v is None else f'{v:.2f}':>9}" for v in rss))
    print()


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
    print(f"Image compression with rank-k SVD (the course notes' end-term, question 1): a generated {m} x {n} greyscale image")
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
    ap.add_argument("--repeats", type=int, default=21, help="interleaved rounds per shape (the median is kept; at 9, one disturbed round on a 2-core machine moved a ratio by a tenth)")
    ap.add_argument("--threads", type=int, help="BLAS/OpenMP threads for NumPy, SciPy and scikit-learn alike "
                    "(default: the libraries' own; 1 keeps a busy machine's thread hand-offs out of the figures)")
    ap.add_argument("--image-out", help="directory for the original and rank-k images (PNG)")
    args = ap.parse_args(argv)
    import sklearn

    print(f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, {os.cpu_count()} CPUs, BLAS threads: "
          f"{args.threads or 'library default'}\n")
    pca = bench_pca(args.repeats)
    svd = bench_svd(args.repeats)
    bench_memory("PCA (ours: the whole solve; peer: the faster scikit-learn solver)", pca)
    bench_memory("SVD (ours: the whole solve; peer: numpy.linalg.svd thin)", svd)
    image = bench_image((1, 2, 5, 10, 20, 50, 100), args.image_out)
    write("linalg", {"rounds": args.repeats, "blas_threads": args.threads or "library default", "pca": pca, "svd": svd, "image_compression": image},
          unit="wall seconds, the median of interleaved rounds; memory in bytes for one call",
          notes="ratio = Stepwise's whole call (solver.solve: validation, numeric path, answers) / the peer's time "
                "(<= 1: Stepwise as fast or faster); the PCA peer is the faster of scikit-learn's exact solvers "
                "(svd_solver='full', 'covariance_eigh'; fit_transform), the SVD peer numpy.linalg.svd(full_matrices="
                "False); memory: tracemalloc peak and Linux resident-set peak growth, also as copies of the input")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
