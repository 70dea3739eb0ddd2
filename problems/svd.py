"""Singular value decomposition: A = U Σ V^T, with σ_i = sqrt(λ_i(A^T A)) and u_i = A v_i / σ_i.

Exam question: "Find the SVD of A by hand" and "how does SVD compress an image?" (notes 003, question
1: A = [[1, 1], [1, 0], [0, 1]]). The solution forms A^T A (or A A^T, whichever is smaller), finds its
eigenvalues and unit eigenvectors (the same steps as the `eigen` family), takes σ_i = sqrt(λ_i) in
descending order, gets the other side's vectors from u_i = A v_i / σ_i (or v_i = A^T u_i / σ_i),
completes U (or V) with an orthonormal basis of the null space of A^T (or A) by Gram-Schmidt, writes Σ
with its shape m x n, checks U Σ V^T = A, and gives the rank-k approximation A_k = sum_{i<=k} σ_i u_i v_i^T,
its Frobenius error ||A - A_k||_F = sqrt(sum of the dropped σ_i^2) (Eckart-Young: no rank-k matrix is
closer), and the storage count k(m + n + 1) against m n (the notes' image-compression question).

Convention (`sign_rule`): singular vectors come in pairs (u_i, v_i) that may flip sign together; the
pair is chosen so that v_i's first non-zero component is positive (default), v_i's largest-magnitude
component is positive (scikit-learn >= 1.5's svd_flip on V), or u_i's largest-magnitude component is
positive (scikit-learn <= 1.4's svd_flip on U). Completion vectors (no partner) follow the same kind of
rule on themselves. Exact steps for min(m, n) <= 4 and max(m, n) <= 8; larger matrices take the
numeric path: a LAPACK SVD, with U and V completed as above while they stay small; for a large matrix
a QR factorisation of its tall side first, so the long singular vectors are never formed.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import sympy as sp

from solver.conventions import SIGN_RULE
from solver.numbers import Precision, Tolerance
from solver.params import Int, InvalidInput, Matrix, Param, as_exact, as_float
from solver.registry import Example
from solver.steps import Math
from solver.symbolic import Derivation, make_answer, sym

from ._linalg import (EXACT_MAX, MAX_ANSWER_ENTRIES, SIGN_TEXT, add_step, as_matrix, both_latex, both_text, dlatex,
                      dtext, eigen_steps, fl, gram_schmidt_np, gram_schmidt_steps, is_zero, mat_latex, mat_text,
                      nullspace_exact, rref_nullspace_np, sign_fix_np, sign_index, tame, vec_latex, vec_text,
                      vector_exact_ok)

TITLE = "Singular value decomposition (SVD)"
TOPIC = "linalg"
KEYWORDS = ("svd", "singular value", "singular value decomposition", "singular vector", "low-rank approximation",
            "image compression", "compression", "eckart-young", "A^T A", "frobenius", "singular values", "rank-1")

# ---- the rules, written once ------------------------------------------------------------------------
lam_i, sigma_i, Av, k_, m_, n_, dropped = (sym("λ_i", r"\lambda_{i}"), sym("σ_i", r"\sigma_{i}"),
                                           sym("A v_i", r"A\mathbf{v}_{i}"), sym("k"), sym("m"), sym("n"),
                                           sym("sum_(i>k) σ_i^2", r"\textstyle\sum_{i > k} \sigma_{i}^{2}"))
with sp.evaluate(False):
    SIGMA = sp.sqrt(lam_i)                     # σ_i = sqrt(λ_i)
    U_FROM_V = Av / sigma_i                    # u_i = A v_i / σ_i
    ERROR = sp.sqrt(dropped)                   # ||A - A_k||_F = sqrt(sum of the dropped σ^2)
    STORAGE = k_ * sp.Add(m_, n_, 1)           # numbers kept by a rank-k SVD: k (m + n + 1)
    FULL = m_ * n_                             # numbers in A

# The catalogue's sign rule, worded for singular-vector pairs (same options, same meaning per vector).
SIGN = replace(SIGN_RULE, title="Sign of each singular-vector pair", options={
    "first-positive": "each pair (u_i, v_i) is chosen so that v_i's first non-zero component is positive",
    "largest-loading": "each pair (u_i, v_i) is chosen so that v_i's largest-magnitude component is positive "
                       "(scikit-learn >= 1.5, svd_flip on V)",
    "largest-score": "each pair (u_i, v_i) is chosen so that u_i's largest-magnitude component is positive "
                     "(scikit-learn <= 1.4, svd_flip on U)"},
    why_default="the same rule as pca and eigen (no rule reproduces every sign in notes 003's SVD; the solution says which differ)")
CONVENTIONS = (SIGN,)

PARAMS = (
    Param("A", Matrix(max_cols=100_000), required=True, label="Matrix A",
          help="any shape, e.g. [[1, 1], [1, 0], [0, 1]]; exact steps while min(m, n) <= 4",
          aliases=("A", "matrix", "M", "the matrix", "X")),
    Param("k", Int(1, None), default="1", label="Rank k", help="rank of the approximation A_k",
          aliases=("rank", "k", "rank-k")),
)

EXAMPLE = Example(params={"A": "[[1, 1], [1, 0], [0, 1]]", "k": "1"}, source="notes 003, question 1 (WE-svd-1)")

NOTES_003_A = ((1, 1), (1, 0), (0, 1))
NOTES_003_EIG_SLIP = ("Notes 003 (WE-svd-1) state the eigenvalues of A^T A as √3 and 1. They are 3 and 1: "
                      "λ^2 - 4λ + 3 = (λ - 3)(λ - 1). The singular values are their square roots, √3 and 1, which the "
                      "notes then give correctly. The notes also solve (A^T A - √3 I) v = 0, which has only the solution "
                      "v = 0; the eigenvector equation is (A^T A - 3I) v = 0.")
EXACT_MAX_SIDE = 8


def _shape(A) -> tuple[int, int]:
    return A.shape if isinstance(A, np.ndarray) else (len(A), len(A[0]))


def validate(p) -> None:
    m, n = _shape(p["A"])
    if p["k"] > min(m, n):
        raise InvalidInput("k", f"The 'k' parameter of svd must be at most min(m, n) = {min(m, n)}. Got {p['k']} instead.")


def use_numeric(p) -> bool:
    m, n = _shape(p["A"])
    return isinstance(p["A"], np.ndarray) or min(m, n) > EXACT_MAX or max(m, n) > EXACT_MAX_SIDE


def statement(p) -> str:
    A = p["A"]
    m, n = _shape(A)
    shown = mat_text(as_exact(A)) if (not isinstance(A, np.ndarray) and m * n <= 40) else f"a {m} x {n} matrix"
    k = p["k"]
    return (f"Find the singular value decomposition A = U S V^T of A = {shown} ({m} x {n}), showing the steps. "
            f"Give the rank-{k} approximation A_{k}, its error ||A - A_{k}||_F, and the numbers needed to store it "
            f"compared with the {m * n} entries of A.")


def _gram_step(d: Derivation, A, tall: bool):
    """A^T A (tall) or A A^T, each entry a dot product written out."""
    m, n = len(A), len(A[0])
    cols = [[A[r][c] for r in range(m)] for c in range(n)] if tall else [list(r) for r in A]
    size = len(cols)
    G = [[sum((a * b for a, b in zip(cols[i], cols[j])), sp.Integer(0)) for j in range(size)] for i in range(size)]

    def dot_t(i, j):
        return " + ".join(f"{_pt(a)}{_pt(b)}" for a, b in zip(cols[i], cols[j]))

    def dot_l(i, j):
        return " + ".join(r"(%s)(%s)" % (dlatex(a), dlatex(b)) for a, b in zip(cols[i], cols[j]))

    name = "A^T A" if tall else "A A^T"
    lname = r"A^{\top}A" if tall else r"AA^{\top}"
    rows_t = "[" + ", ".join("[" + ", ".join(dot_t(i, j) for j in range(size)) + "]" for i in range(size)) + "]"
    rows_l = r"\begin{pmatrix} %s \end{pmatrix}" % r" \\ ".join(" & ".join(dot_l(i, j) for j in range(size)) for i in range(size))
    add_step(d, "compute", f"Form {name} ({size} x {size}, the smaller Gram matrix)",
             text=(f"Entry (i, j) of A^T A is the dot product of columns i and j of A." if tall else
                   "Entry (i, j) of A A^T is the dot product of rows i and j of A (A is wide, so A A^T is the smaller one)."),
             formula=Math(r"(A^{\top}A)_{ij} = \textstyle\sum_k a_{ki}\,a_{kj}" if tall else r"(AA^{\top})_{ij} = \textstyle\sum_k a_{ik}\,a_{jk}",
                          "(A^T A)_ij = sum_k a_ki a_kj" if tall else "(A A^T)_ij = sum_k a_ik a_jk"),
             substituted=Math(f"{lname} = {rows_l}", f"{name} = {rows_t}"),
             value=Math(f"{lname} = " + mat_latex(G), f"{name} = {mat_text(G)}"))
    return G


def _pt(x) -> str:
    return f"({dtext(x)})"


def solve(p, conv) -> Derivation:
    d = Derivation()
    A = as_exact(p["A"])
    m, n = len(A), len(A[0])
    k = p["k"]
    rule = conv["sign_rule"]
    tall = n <= m
    notes = tuple(tuple(r) for r in A) == NOTES_003_A
    Am = as_matrix(A)
    d.given(f"The matrix ({m} x {n})", A, lhs=sym("A"))
    add_step(d, "note", "Shapes", text=f"A is {m} x {n}, so U is {m} x {m}, Sigma (S) is {m} x {n} and V^T is {n} x {n}; "
             f"there are min(m, n) = {min(m, n)} singular values.")

    # 1. the Gram matrix and its eigen-decomposition
    G = _gram_step(d, A, tall)
    gname = "A^T A" if tall else "A A^T"
    # the sign rule can act inside the eigen steps when it looks at the Gram side's own vectors
    inner = None
    if tall and rule in ("first-positive", "largest-loading"):
        inner = rule
    elif not tall and rule == "largest-score":
        inner = "largest-loading"
    with d.group(f"Eigenvalues and eigenvectors of {gname}",
                 text=f"The eigenvalues of {gname} are the squared singular values; its unit eigenvectors are the "
                      f"{'right singular vectors v_i (the columns of V)' if tall else 'left singular vectors u_i (the columns of U)'}."):
        res = eigen_steps(d, tuple(tuple(r) for r in G), name=gname, sign_rule=inner,
                          notes_slip=NOTES_003_EIG_SLIP if notes else None)
    lam = [sp.Integer(0) if is_zero(v) else v for v in res.values]
    gram_vecs = [tuple(v) for v in res.vectors]

    # 2. singular values
    sig = []
    with d.group("Singular values: σ_i = sqrt(λ_i), largest first"):
        for i, l in enumerate(lam):
            sig.append(d.compute(f"σ{i + 1}", sym(f"σ_{i + 1}", r"\sigma_{%d}" % (i + 1)), SIGMA, {lam_i: l},
                                 value=tame(sp.sqrt(l)), keep="exact"))
    r = sum(1 for s in sig if not is_zero(s))
    q = min(m, n)
    sv = sig[:q]
    sv_latex = r"\left(" + ", ".join(both_latex(s).split(r" \approx")[0] for s in sv) + r"\right)"
    d.conclude("Singular values", text=f"{r} non-zero singular value{'s' if r != 1 else ''}: A has rank {r}.",
               answers=(make_answer("singular_values", sv, precision=Precision(dp=4),
                                    exact_latex=sv_latex if all(vector_exact_ok([s]) for s in sv) else None),),
               value=Math(r",\ ".join(r"\sigma_{%d} = %s" % (i + 1, both_latex(s)) for i, s in enumerate(sv)),
                          ", ".join(f"σ{i + 1} = {both_text(s)}" for i, s in enumerate(sv))))

    # 3. pair signs, then the other side's vectors
    other = []
    side, oside = ("v", "u") if tall else ("u", "v")
    M_other = Am if tall else Am.T
    flips = []
    for i in range(r):
        g = gram_vecs[i]
        w = [tame(sum(M_other[a, b] * g[b] for b in range(len(g)))) for a in range(M_other.shape[0])]
        if inner is None:  # the rule looks at the other side's vector: decide the pair's sign from it
            probe = w if (tall and rule == "largest-score") or (not tall and rule != "largest-score") else g
            kind = "largest-loading" if rule == "largest-score" else rule
            j = sign_index(probe, kind)
            if j is not None and fl(probe[j]) < 0:
                gram_vecs[i] = g = tuple(tame(-x) for x in g)
                w = [tame(-x) for x in w]
                flips.append(f"{side}{i + 1}")
        other.append(tuple(w))
    if inner is None:
        who = "v_i" if rule != "largest-score" else "u_i"
        add_step(d, "note", "Sign of each singular-vector pair",
                 text=f"u_i and v_i flip sign together (A v_i = σ_i u_i). Each pair is chosen so that {who}: "
                      f"{SIGN_TEXT['largest-loading' if rule == 'largest-score' else rule]}. "
                      + (f"Negated: {', '.join(flips)} (and its partner)." if flips else "No pair needed negating."))
    units = []
    with d.group(f"Left singular vectors: u_i = A v_i / σ_i" if tall else "Right singular vectors: v_i = A^T u_i / σ_i",
                 text=f"For each non-zero σ_i the partner vector follows from the {side}_i already found; it is a unit "
                      "vector automatically."):
        for i in range(r):
            g, w = gram_vecs[i], other[i]
            ui = tuple(tame(x / sig[i]) for x in w)
            units.append(ui)
            lhs = sym(f"{oside}_{i + 1}", r"\mathbf{%s}_{%d}" % (oside, i + 1))
            mv = "A v" if tall else "A^T u"
            ex = vector_exact_ok(ui) and vector_exact_ok(w) and vector_exact_ok([sig[i]])
            add_step(d, "compute", f"{oside}{i + 1}",
                     formula=Math(r"\mathbf{%s}_{%d} = \frac{%s\mathbf{%s}_{%d}}{\sigma_{%d}}" % (
                         oside, i + 1, "A" if tall else r"A^{\top}", side, i + 1, i + 1),
                         f"{oside}{i + 1} = {mv}{i + 1} / σ{i + 1}"),
                     substituted=Math(r"\mathbf{%s}_{%d} = \frac{%s}{%s}" % (oside, i + 1, vec_latex(w, ex), both_latex(sig[i]).split(r" \approx")[0]),
                                      f"{oside}{i + 1} = {vec_text(w, ex)} / {both_text(sig[i]).split(' ≈')[0]}"),
                     value=Math(r"\mathbf{%s}_{%d} = %s" % (oside, i + 1, vec_latex(ui, ex) + (r" \approx " + vec_latex(ui) if ex else "")),
                                f"{oside}{i + 1} = {vec_text(ui, ex)}" + (f" ≈ {vec_text(ui)}" if ex else "")))


    # 4. completion of the other side with the null space of A^T (or A)
    size_o = m if tall else n
    if size_o > r:
        target = Am.T if tall else Am
        tname = "A^T" if tall else "A"
        R, piv, basis = nullspace_exact(target)
        with d.group(f"Complete {'U' if tall else 'V'}: an orthonormal basis of the null space of {tname}",
                     text=f"{'U' if tall else 'V'} needs {size_o - r} more column{'s' if size_o - r > 1 else ''}, orthogonal to "
                          f"{', '.join(f'{oside}{i + 1}' for i in range(r)) or 'nothing yet'}: they span the null space of {tname} "
                          f"(the orthogonal complement of the column space of {'A' if tall else 'A^T'})."):
            add_step(d, "compute", f"Solve {tname} z = 0",
                     text="Row reduce; each free variable set to 1 (the others 0) gives a basis vector.",
                     value=Math(r"\operatorname{rref}(%s) = %s,\quad %s" % (tname.replace("^T", r"^{\top}"), mat_latex(R.tolist()),
                                                                          r",\ ".join(vec_latex(b, True) for b in basis)),
                                f"rref({tname}) = {mat_text(R.tolist())}; basis: " + ", ".join(vec_text(b, True) for b in basis)))
            extra = gram_schmidt_steps(d, basis, "Gram-Schmidt", names=[f"{oside}{r + i + 1}" for i in range(len(basis))])
            kind = "largest-loading" if rule != "first-positive" else "first-positive"
            fixed = []
            for i, u in enumerate(extra):
                j = sign_index(u, kind)
                if j is not None and fl(u[j]) < 0:
                    extra[i] = tuple(tame(-x) for x in u)
                    fixed.append(f"{oside}{r + i + 1}")
            add_step(d, "note", "Sign of the completion vectors",
                     text=f"They have no partner, so each is chosen so that {SIGN_TEXT[kind]}. "
                          + (f"Negated: {', '.join(fixed)}." if fixed else "None needed negating."))
        units += extra
    # zero singular values on the Gram side keep their eigenvectors: apply the rule to them on their own
    for i in range(r, len(gram_vecs)):
        if inner is None:
            kind = "largest-loading" if rule != "first-positive" else "first-positive"
            j = sign_index(gram_vecs[i], kind)
            if j is not None and fl(gram_vecs[i][j]) < 0:
                gram_vecs[i] = tuple(tame(-x) for x in gram_vecs[i])

    Vcols, Ucols = (gram_vecs, units) if tall else (units, gram_vecs)
    U = [[Ucols[j][i] for j in range(m)] for i in range(m)]
    Vt = [list(Vcols[j]) for j in range(n)]
    S = [[sig[i] if i == j else sp.Integer(0) for j in range(n)] for i in range(m)]
    if notes:
        d.note("The notes' signs (WE-svd-1)",
               "Notes 003 take v2 = (-1, 1)/√2 with u2 = (0, -1, 1)/√2, the pair above negated together, and "
               "u3 = (-1, 1, 1)/√3, the vector above negated. Singular vectors are defined up to sign (a pair flips "
               "together), so both are correct; the σ, U and V of the notes are right.")
    su = Tolerance(5e-5, 0.0, "columns", "svd")
    add_step(d, "conclude", "U (left singular vectors as columns)", value=Math("U = " + mat_latex(U, exact=False), "U = " + mat_text(U, exact=False)),
             answers=(make_answer("U", U, precision=Precision(dp=4), tolerance=su),))
    add_step(d, "conclude", f"Sigma ({m} x {n}: the singular values on the diagonal, zeros elsewhere)",
             value=Math(r"\Sigma = " + mat_latex(S), "Σ = " + mat_text(S, exact=True)),
             answers=(make_answer("S", S, precision=Precision(dp=4)),))
    add_step(d, "conclude", "V^T (right singular vectors as rows)", value=Math(r"V^{\top} = " + mat_latex(Vt, exact=False), "V^T = " + mat_text(Vt, exact=False)),
             answers=(make_answer("Vt", Vt, precision=Precision(dp=4), tolerance=Tolerance(5e-5, 0.0, "rows", "svd")),))

    # 5. check
    prod = [[tame(sum(U[i][a] * S[a][b] * Vt[b][j] for a in range(m) for b in range(n))) for j in range(n)] for i in range(m)]
    diff = max(abs(fl(prod[i][j] - A[i][j])) for i in range(m) for j in range(n))
    add_step(d, "compare", "Check: U Sigma V^T = A",
             text="agrees" + ("" if diff == 0 else f" (largest difference {diff:.1e}, rounding of the 40-digit values)")
             if diff < 1e-25 else f"DISAGREES (largest difference {diff:.3g})",
             value=Math(r"U \Sigma V^{\top} = %s" % mat_latex(prod, exact=False), "U Σ V^T = " + mat_text(prod, exact=False)))

    # 6. rank-k approximation, error, storage
    Ak = [[tame(sum(sig[i] * U[a][i] * Vt[i][b] for i in range(k))) for b in range(n)] for a in range(m)]
    terms_t = " + ".join(f"{both_text(sig[i]).split(' ≈')[0]} {vec_text(Ucols[i])} {vec_text(Vcols[i])}^T" for i in range(k))
    terms_l = " + ".join(r"%s\, %s %s^{\top}" % (both_latex(sig[i]).split(r" \approx")[0], vec_latex(Ucols[i]), vec_latex(Vcols[i]))
                         for i in range(k))
    add_step(d, "compute", f"Rank-{k} approximation",
             text="Keep the k largest singular values and their vectors; the sum of k rank-one matrices.",
             formula=Math(r"A_{k} = \textstyle\sum_{i=1}^{k} \sigma_{i}\,\mathbf{u}_{i}\mathbf{v}_{i}^{\top}", "A_k = sum_(i<=k) σ_i u_i v_i^T"),
             substituted=Math(r"A_{%d} = %s" % (k, terms_l), f"A_{k} = {terms_t}"),
             value=Math(r"A_{%d} = %s" % (k, mat_latex(Ak)), f"A_{k} = {mat_text(Ak)}"),
             answers=(make_answer("rank_k", Ak, precision=Precision(dp=4)),))
    drop = tame(sum((s * s for s in sig[k:q]), sp.Integer(0)))
    e = d.compute("Approximation error (Frobenius norm)", sym("||A - A_k||_F", r"\|A - A_{k}\|_F"), ERROR, {dropped: drop},
                  value=tame(sp.sqrt(drop)), keep="exact", answer="error", precision=Precision(dp=4),
                  text="Eckart-Young: A_k is the closest rank-k matrix to A, and the error is what the dropped singular values carry.")
    direct = sp.sqrt(sum(((A[a][b] - Ak[a][b]) ** 2 for a in range(m) for b in range(n)), sp.Integer(0)))
    add_step(d, "compare", "Check: the error entry by entry",
             text="agrees" if abs(fl(direct) - fl(e)) < 1e-20 else "DISAGREES",
             value=Math(r"\sqrt{\textstyle\sum_{ij} (a_{ij} - (A_{k})_{ij})^2} = %s" % dlatex(direct),
                        f"sqrt(sum_ij (a_ij - (A_k)_ij)^2) = {dtext(direct)}"))
    store = d.compute("Storage of the rank-k SVD", sym("storage"), STORAGE, {k_: k, m_: m, n_: n}, answer="storage",
                      text="k singular values, k columns of U (m numbers each) and k rows of V^T (n numbers each).")
    full = m * n
    add_step(d, "compare", "Compared with storing A",
             text=("compression: " if store < full else "no saving at this size: ") +
                  f"{int(store)} numbers instead of m n = {full} (ratio {full / int(store):.3g}). For an image, A_k keeps the "
                  "broad structure in far fewer numbers when k is small compared with m and n.",
             formula=Math(r"m\,n = %d \cdot %d = %d" % (m, n, full), f"m n = {m}*{n} = {full}"),
             answers=(make_answer("compression_ratio", sp.Rational(full, int(store)), precision=Precision(dp=4)),))
    return d


# ---- numeric path -----------------------------------------------------------------------------------


def svd_numeric(A: np.ndarray, sign_rule: str = "first-positive", complete: bool = True):
    """SVD in float64 with the pair sign rule. Returns (U, s, Vt), s of length min(m, n).

    complete=True (small matrices): a thin LAPACK SVD, then U and V completed like the exact path (the RREF
    null-space basis of A^T or A, Gram-Schmidt) to m x m and n x n. complete=False (large matrices): the long
    side's vectors are not returned (None); when B (the tall one of A and A^T) is at least twice as tall as wide
    it is first reduced by a QR factorisation B = QR and only R (short x short) is decomposed; nothing larger
    than A is formed."""
    A = np.asarray(A, dtype=np.float64)
    m, n = A.shape
    if complete:
        U, s, Vt = np.linalg.svd(A, full_matrices=False)
    else:
        tall = m >= n
        B = A if tall else A.T
        # B = Q R with R short x short, R = W S short^T: the QR pass pays when B is much taller than wide
        R = np.linalg.qr(B, mode="r") if B.shape[0] >= 2 * B.shape[1] else B
        _, s, short = np.linalg.svd(R, full_matrices=False)
        U, Vt = (None, short) if tall else (short.T, None)
    tol = max(m, n) * np.finfo(float).eps * (s[0] if s.size else 0.0)
    r = int(np.sum(s > tol))
    if sign_rule == "largest-score":  # looks at u_i
        u = U[:, :r] if U is not None else (A @ Vt[:r].T) / s[:r]
        signs = sign_fix_np(u.T, "largest-loading")
    else:                             # looks at v_i
        v = Vt[:r] if Vt is not None else (U[:, :r].T @ A) / s[:r, None]
        signs = sign_fix_np(v, sign_rule)
    if U is not None:
        U[:, :r] *= signs
    if Vt is not None:
        Vt[:r] *= signs[:, None]
    if not complete:
        return U, s, Vt
    kind = "largest-loading" if sign_rule != "first-positive" else "first-positive"

    def fill(basis_of: np.ndarray, have: np.ndarray, size: int) -> np.ndarray:
        extra = gram_schmidt_np(rref_nullspace_np(basis_of), None) if size > r else np.zeros((0, have.shape[1]))
        extra = extra[: size - r]
        if extra.size:
            extra = extra * sign_fix_np(extra, kind)[:, None]
        return np.vstack([have[:r], extra])

    Uf = fill(A.T, U.T, m).T
    Vf = fill(A, Vt, n)
    return Uf, s, Vf


def solve_numeric(p, conv) -> Derivation:
    d = Derivation()
    A = as_float(p["A"])
    m, n = A.shape
    k = p["k"]
    q = min(m, n)
    complete = m * m <= MAX_ANSWER_ENTRIES and n * n <= MAX_ANSWER_ENTRIES
    U, s, Vt = svd_numeric(A, conv["sign_rule"], complete=complete)
    add_step(d, "note", "Numeric path",
             text=f"A {m} x {n} matrix decomposed in float64 " +
                  ("by numpy.linalg.svd (LAPACK); U and V completed with orthonormal null-space bases as on the exact path."
                   if complete else f"via a QR factorisation of the {'tall A' if m >= n else 'tall A^T'} and the SVD of its "
                   f"{q} x {q} factor R (the {max(m, n)}-long singular vectors are not formed)."))
    prec = Precision(dp=4)
    tol = Tolerance(abs=5e-5, rel=1e-9)
    answers = [make_answer("singular_values", tuple(s), precision=prec, tolerance=tol)]
    left = []
    if complete:
        S = np.zeros((m, n))
        S[np.arange(q), np.arange(q)] = s
        answers += [make_answer("U", [list(r) for r in U], precision=prec, tolerance=Tolerance(5e-5, 1e-9, "columns", "svd")),
                    make_answer("S", [list(r) for r in S], precision=prec, tolerance=tol),
                    make_answer("Vt", [list(r) for r in Vt], precision=prec, tolerance=Tolerance(5e-5, 1e-9, "rows", "svd"))]
    else:  # the short side is square and complete: list it
        if Vt is not None and n * n <= MAX_ANSWER_ENTRIES:
            answers.append(make_answer("Vt", [list(r) for r in Vt], precision=prec, tolerance=Tolerance(5e-5, 1e-9, "rows", "svd")))
        if U is not None and m * m <= MAX_ANSWER_ENTRIES:
            answers.append(make_answer("U", [list(r) for r in U], precision=prec, tolerance=Tolerance(5e-5, 1e-9, "columns", "svd")))
        left.append("U" if U is None else "Vt")
        left.append("S")
    if m * n <= MAX_ANSWER_ENTRIES and complete:
        Ak = (U[:, :k] * s[:k]) @ Vt[:k]
        answers.append(make_answer("rank_k", [list(r) for r in Ak], precision=prec, tolerance=tol))
    else:
        left.append(f"rank_k ({m} x {n})")
    err = float(np.sqrt(np.sum(s[k:] ** 2)))
    answers.append(make_answer("error", err, precision=prec, tolerance=Tolerance(abs=5e-5, rel=1e-8)))
    store = k * (m + n + 1)
    answers += [make_answer("storage", sp.Integer(store)),
                make_answer("compression_ratio", m * n / store, precision=prec, tolerance=Tolerance(abs=5e-5, rel=1e-12))]
    d.conclude(f"SVD and rank-{k} approximation",
               text=f"||A - A_k||_F = sqrt(sum of the dropped σ^2) = {err:.6g}; storage k(m + n + 1) = {store} numbers "
                    f"instead of m n = {m * n}." + (f" Not listed (too large): {', '.join(left)}." if left else ""),
               answers=answers)
    return d


def generate(rng: np.random.Generator) -> dict:
    """A small integer matrix (2 x 2, 2 x 3 or 3 x 2) of full rank with well-separated singular values: the smaller
    Gram matrix is 2 x 2, so its eigenvalues come from a quadratic, as by hand (3 x 3 would need a cubic)."""
    while True:
        m, n = [(2, 2), (2, 3), (3, 2)][int(rng.integers(0, 3))]
        A = rng.integers(-3, 4, size=(m, n))
        s = np.linalg.svd(A, compute_uv=False)
        # resample until the rank is full and the singular values are distinct (unique vectors up to a pair's sign)
        if s.min() < 0.3 or (s.size > 1 and np.min(-np.diff(s)) < 0.3):
            continue
        U, _, Vt = np.linalg.svd(A)
        if np.any(np.abs(Vt) < 1e-3) or np.any(np.abs(U[:, :min(m, n)]) < 1e-3):
            continue  # no zero components: the sign rules never look at a near-zero entry
        return {"A": [[int(x) for x in r] for r in A], "k": int(rng.integers(1, min(m, n) + 1))}
