"""Singular value decomposition: A = U Σ V^T, with σ_i = sqrt(λ_i(A^T A)) and u_i = A v_i / σ_i.

Exam questions: "Find the SVD of A by hand", "what are A^T A, its eigenvalues and the singular values of
A?", "what is the rank of A?", and "how does SVD compress an image?" (the course notes' end-term
assignment, question 1: A = [[1, 1], [1, 0], [0, 1]]). The solution forms A^T A or A A^T (by default the
smaller one; a convention), finds its eigenvalues and unit eigenvectors (the same steps as the eigen
family), takes σ_i = sqrt(λ_i) in descending order, gets the other side's vectors from u_i = A v_i / σ_i
(or v_i = A^T u_i / σ_i), completes U (or V) with an orthonormal basis of the null space of A^T (or A) by
Gram-Schmidt, writes Σ with its shape m x n and checks U Σ V^T = A. Asked for a rank k, it also gives
the rank-k approximation A_k = sum_{i<=k} σ_i u_i v_i^T, its Frobenius error ||A - A_k||_F =
sqrt(sum of the dropped σ_i^2) (Eckart-Young: no rank-k matrix is closer), and the storage count
k(m + n + 1) against m n (the notes' image-compression question).

Conventions: which Gram matrix the singular values come from (gram: the smaller one, A^T A, or A A^T),
and the sign of each singular-vector pair (sign_rule): singular vectors come in pairs (u_i, v_i) that may
flip sign together; the pair is chosen so that v_i's first non-zero component is positive (default),
v_i's largest-magnitude component is positive (scikit-learn 1.5 and later, on V), or u_i's
largest-magnitude component is positive (scikit-learn 1.4 and earlier, on U). Completion vectors (no
partner) follow the same kind of rule on themselves. Exact steps for min(m, n) <= 4 and max(m, n) <= 8;
larger matrices take the numeric path: a LAPACK SVD, with U and V completed as above while they stay
small; for a large matrix a QR factorisation of its tall side first, so the long singular vectors are
never formed. Where the course notes slip on their example, the solution says so.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import sympy as sp

from solver import format as F
from solver.conventions import SIGN_RULE, Convention
from solver.errata import Erratum
from solver.params import Int, InvalidInput, Matrix, Param, as_exact, as_float
from solver.registry import Example
from solver.richtext import Eq, Rich
from solver.steps import Math
from solver.symbolic import Derivation, make_answer, sym

from ._linalg import (EXACT_MAX, MAX_ANSWER_ENTRIES, SIGN_TEXT, add_step, eigen_steps, factor_latex, factor_text, fl,
                      gram_schmidt_np, gram_schmidt_steps, is_zero, matrix, needs_flip, negated, nullspace_exact,
                      rref_nullspace_np, sign_fix_np, tame, tamed, tolerance, vector_exact_latex, vector_exact_text)

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
    why_default="the same rule as pca and eigen (no rule reproduces every sign of the SVD in the course notes' "
                "end-term assignment; the solution says which differ)",
    sources={"first-positive": "the rule the eigen and pca families use by default (the course notes' PCA example)",
             "largest-loading": "scikit-learn 1.5 and later (sklearn.utils.extmath.svd_flip with u_based_decision=False, "
                                "as in PCA and TruncatedSVD)",
             "largest-score": "scikit-learn 1.4 and earlier (sklearn.utils.extmath.svd_flip with u_based_decision=True)"},
    paper={"first-positive": "Choose the sign of each pair (uᵢ, vᵢ) so that the first non-zero entry of vᵢ is positive.",
           "largest-loading": "Choose the sign of each pair (uᵢ, vᵢ) so that the largest-magnitude entry of vᵢ is positive.",
           "largest-score": "Choose the sign of each pair (uᵢ, vᵢ) so that the largest-magnitude entry of uᵢ is positive."})

GRAM = Convention(
    "gram", "Which Gram matrix gives the singular values",
    {"smaller": "the smaller of AᵀA and AAᵀ (AᵀA when A has at least as many rows as columns)",
     "AtA": "AᵀA (n x n): its unit eigenvectors are V, and U follows from uᵢ = A vᵢ / σᵢ",
     "AAt": "AAᵀ (m x m): its unit eigenvectors are U, and V follows from vᵢ = Aᵀ uᵢ / σᵢ"},
    default="smaller", why_default="the least work by hand: the smaller matrix has the smaller characteristic polynomial",
    aliases={"ata": "AtA", "a^ta": "AtA", "a^t a": "AtA", "v": "AtA", "v-first": "AtA",
             "aat": "AAt", "aa^t": "AAt", "a a^t": "AAt", "u": "AAt", "u-first": "AAt", "min": "smaller", "auto": "smaller"},
    sources={"smaller": "the course notes' end-term assignment, question 1 (AᵀA of a 3 x 2 matrix), and most worked "
                        "examples by hand",
             "AtA": "Strang's Introduction to Linear Algebra (section 7.2: V from AᵀA, then uᵢ = A vᵢ / σᵢ); the course "
                    "notes' SVD example",
             "AAt": "the U-first route (the eigenvectors of AAᵀ, then vᵢ = Aᵀ uᵢ / σᵢ) that some textbooks and exams take"},
    paper={"smaller": "Find the singular values from the smaller of AᵀA and AAᵀ.",
           "AtA": "Find the singular values from the eigenvalues of AᵀA.",
           "AAt": "Find the singular values from the eigenvalues of AAᵀ."},
    cues={"AtA": ("A^T A", "A transpose A", "eigenvalues of A^TA"),
          "AAt": ("A A^T", "A A transpose", "eigenvalues of AA^T"),
          "smaller": ("smaller gram matrix",)},
)
CONVENTIONS = (SIGN, GRAM)

PARAMS = (
    Param("A", Matrix(max_cols=100_000), required=True, label="Matrix A",
          help="any shape, e.g. [[1, 1], [1, 0], [0, 1]]; exact steps while min(m, n) <= 4",
          aliases=("A", "matrix", "M", "the matrix", "X")),
    Param("k", Int(1, None), label="Rank k",
          help="optional: the rank of the approximation A_k (with its error and storage), e.g. 1",
          aliases=("rank", "k", "rank-k", "best rank", "a rank", "the rank")),
)

EXAMPLE = Example(params={"A": "[[1, 1], [1, 0], [0, 1]]", "k": "1"},
                  source="the course notes' end-term assignment, question 1 (SVD by hand)")

NOTES_SVD_WHERE = "the course notes' end-term assignment, question 1 (SVD by hand)"
ERRATA = (
    Erratum(
        where=NOTES_SVD_WHERE, params={"A": "[[1, 1], [1, 0], [0, 1]]"}, title="Slip in the course notes",
        wrote="the eigenvalues of A^T A = [[2, 1], [1, 2]] as √3 and 1, and then solve (A^T A - √3 I) v = 0",
        right="they are 3 and 1: λ^2 - 4λ + 3 = (λ - 3)(λ - 1), and the eigenvector equation is (A^T A - 3I) v = 0",
        why="(A^T A - √3 I) v = 0 has only the solution v = 0. The singular values are the square roots of the "
            "eigenvalues, √3 and 1, which the notes then give correctly"),
    Erratum(
        where=NOTES_SVD_WHERE, params={"A": "[[1, 1], [1, 0], [0, 1]]"}, kind="ambiguity", title="The notes' signs",
        wrote="v2 = (-1, 1)/√2 with u2 = (0, -1, 1)/√2, and u3 = (-1, 1, 1)/√3",
        right="these are the pair (u2, v2) above negated together, and u3 above negated. Singular vectors are defined "
              "up to sign (a pair flips together), so both are correct; the σ, U and V of the notes are right"),
)
EXACT_MAX_SIDE = 8


def _shape(A) -> tuple[int, int]:
    return A.shape if isinstance(A, np.ndarray) else (len(A), len(A[0]))


def validate(p) -> None:
    m, n = _shape(p["A"])
    if p["k"] is not None and p["k"] > min(m, n):
        raise InvalidInput("k", f"The 'k' parameter of svd must be at most min(m, n) = {min(m, n)}. Got {p['k']} instead.")


def use_numeric(p) -> bool:
    m, n = _shape(p["A"])
    return isinstance(p["A"], np.ndarray) or min(m, n) > EXACT_MAX or max(m, n) > EXACT_MAX_SIDE


def statement(p) -> Rich:
    A = p["A"]
    m, n = _shape(A)
    shown = Eq(sym("A"), as_exact(A)) if (not isinstance(A, np.ndarray) and m * n <= 40) else f"the {m} x {n} matrix A"
    svd = Math(r"A = U \Sigma V^{\top}", "A = U Σ Vᵀ")
    parts = ["Find the singular value decomposition ", svd, " of ", shown, f" ({m} x {n}), showing the steps."]
    k = p["k"]
    if k is not None:
        Ak = Math(r"A_{%d}" % k, "A" + str(k).translate(_SUB))
        err = Math(r"\|A - A_{%d}\|_F" % k, f"‖A − A{str(k).translate(_SUB)}‖_F")
        parts += [f" Give the rank-{k} approximation ", Ak, ", its error ", err,
                  f", and the numbers needed to store it compared with the {m * n} entries of A."]
    return Rich(*parts)


_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _via_ata(conv, m: int, n: int) -> bool:
    """True when the singular values come from A^T A (n x n), False for A A^T (m x m)."""
    return {"AtA": True, "AAt": False}.get(conv["gram"], n <= m)


def _gram_names(ata: bool) -> tuple[str, str, str]:
    """(answer name, text, LaTeX) of the Gram matrix."""
    return ("AtA", "A^T A", r"A^{\top}A") if ata else ("AAt", "A A^T", r"AA^{\top}")


def _gram_step(d: Derivation, Am: sp.ImmutableMatrix, tall: bool, choice: str) -> sp.ImmutableMatrix:
    """A^T A (tall: the route through V) or A A^T, each entry a dot product written out; its answer."""
    B = Am if tall else Am.T                     # the Gram matrix is B^T B: dot products of B's columns
    G = B.T * B
    size = G.rows
    cols = [list(B.col(i)) for i in range(size)]

    def dot_t(i, j):
        return " + ".join(f"{factor_text(a)}{factor_text(b)}" for a, b in zip(cols[i], cols[j]))

    def dot_l(i, j):
        return " + ".join(f"{factor_latex(a)}{factor_latex(b)}" for a, b in zip(cols[i], cols[j]))

    key, name, lname = _gram_names(tall)
    rows_t = "[" + ", ".join("[" + ", ".join(dot_t(i, j) for j in range(size)) + "]" for i in range(size)) + "]"
    rows_l = r"\begin{pmatrix} %s \end{pmatrix}" % r" \\ ".join(" & ".join(dot_l(i, j) for j in range(size)) for i in range(size))
    m, n = Am.shape
    why = ("the smaller Gram matrix" if choice == "smaller" and m != n else
           "as asked" if choice != "smaller" else "A is square: both Gram matrices are n x n")
    add_step(d, "compute", f"Form {name} ({size} x {size}, {why})",
             text=("Entry (i, j) of A^T A is the dot product of columns i and j of A." if tall else
                   "Entry (i, j) of A A^T is the dot product of rows i and j of A."),
             formula=Math(r"(A^{\top}A)_{ij} = \textstyle\sum_k a_{ki}\,a_{kj}" if tall else r"(AA^{\top})_{ij} = \textstyle\sum_k a_{ik}\,a_{jk}",
                          "(A^T A)_ij = sum_k a_ki a_kj" if tall else "(A A^T)_ij = sum_k a_ik a_jk"),
             substituted=Math(f"{lname} = {rows_l}", f"{name} = {rows_t}"),
             value=Math(f"{lname} = " + F.latex(G.tolist()), f"{name} = {F.text(G.tolist())}"),
             answers=(make_answer(key, G.tolist()),))
    return G


def _completion_kind(rule: str) -> str:
    """The rule for a vector without a partner (completion vectors, zero singular values): the same kind of rule on
    the vector itself."""
    return "largest-loading" if rule != "first-positive" else "first-positive"


def solve(p, conv) -> Derivation:
    d = Derivation()
    A = as_exact(p["A"])
    Am = matrix(A)
    m, n = Am.shape
    k = p["k"]
    rule = conv["sign_rule"]
    tall = _via_ata(conv, m, n)  # (the route through A^T A: V first, then U)
    d.given(f"The matrix ({m} x {n})", A, lhs=sym("A"))
    add_step(d, "note", "Shapes", text=f"A is {m} x {n}, so U is {m} x {m}, Sigma (S) is {m} x {n} and V^T is {n} x {n}; "
             f"there are min(m, n) = {min(m, n)} singular values.")

    # 1. the Gram matrix and its eigen-decomposition
    G = _gram_step(d, Am, tall, conv["gram"])
    gkey, gname, _ = _gram_names(tall)
    # the sign rule can act inside the eigen steps when it looks at the Gram side's own vectors
    inner = None
    if tall and rule in ("first-positive", "largest-loading"):
        inner = rule
    elif not tall and rule == "largest-score":
        inner = "largest-loading"
    with d.group(f"Eigenvalues and eigenvectors of {gname}",
                 text=f"The eigenvalues of {gname} are the squared singular values; its unit eigenvectors are the "
                      f"{'right singular vectors v_i (the columns of V)' if tall else 'left singular vectors u_i (the columns of U)'}."):
        res = eigen_steps(d, G, name=gname, sign_rule=inner, values_answer=f"{gkey}_eigenvalues")
    if all(x.is_Rational for x in Am):
        # the rank decides which eigenvalues are 0: exact on rational entries, where a tolerance is not (det(A) =
        # 4e-17 at 17 digits: sigma_2 = 1.3e-17 is not 0, and U needs no completion for it)
        rank = Am.rank()
        lam = [v if i < rank else sp.Integer(0) for i, v in enumerate(res.values)]
    else:
        rank = None
        lam = [sp.Integer(0) if is_zero(v) else v for v in res.values]
    gram_vecs = [tuple(v) for v in res.vectors]

    # 2. singular values
    sig = []
    with d.group("Singular values: σ_i = sqrt(λ_i), largest first"):
        for i, l in enumerate(lam):
            sig.append(d.compute(f"σ{i + 1}", sym(f"σ_{i + 1}", r"\sigma_{%d}" % (i + 1)), SIGMA, {lam_i: l},
                                 value=tame(sp.sqrt(l)), keep="exact"))
    # the exact rank where there is one: sigma = 1.4e-31 of A = [1e-31, 1e-31] is not 0 (a 1e-30 test said it was,
    # and the null space, of the exact A, had one vector fewer than the completion needed)
    r = rank if rank is not None else sum(1 for s in sig if not is_zero(s))
    q = min(m, n)
    sv = sig[:q]
    extra = (f" ({gname} is {G.rows} x {G.rows}: its other {G.rows - q} eigenvalue{'s are' if G.rows - q > 1 else ' is'} 0 "
             "and gives no singular value)") if G.rows > q else ""
    d.conclude("Singular values", text=f"{r} non-zero singular value{'s' if r != 1 else ''}: A has rank {r}.{extra}",
               answers=(make_answer("singular_values", sv,
                                    exact_latex=F.latex(sv, exact="surd") if all(F.exact_text(s) is not None for s in sv) else None),
                        make_answer("rank", r)),
               value=Math(r",\ ".join(r"\sigma_{%d} = %s" % (i + 1, F.latex(s, exact="both")) for i, s in enumerate(sv)),
                          ", ".join(f"σ{i + 1} = {F.text(s, exact='both')}" for i, s in enumerate(sv))))

    # 3. pair signs, then the other side's vectors
    other = []
    side, oside = ("v", "u") if tall else ("u", "v")
    M_other = Am if tall else Am.T
    flips = []
    for i in range(r):
        g = gram_vecs[i]
        w = tuple(tamed(M_other * matrix([g]).T))
        if inner is None:  # the rule looks at the other side's vector: decide the pair's sign from it
            probe = w if (tall and rule == "largest-score") or (not tall and rule != "largest-score") else g
            if needs_flip(probe, "largest-loading" if rule == "largest-score" else rule):
                gram_vecs[i], w = negated(g), negated(w)
                flips.append(f"{side}{i + 1}")
        other.append(w)
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
            w = other[i]
            ui = tuple(tame(x / sig[i]) for x in w)
            units.append(ui)
            mv = "A v" if tall else "A^T u"
            add_step(d, "compute", f"{oside}{i + 1}",
                     formula=Math(r"\mathbf{%s}_{%d} = \frac{%s\mathbf{%s}_{%d}}{\sigma_{%d}}" % (
                         oside, i + 1, "A" if tall else r"A^{\top}", side, i + 1, i + 1),
                         f"{oside}{i + 1} = {mv}{i + 1} / σ{i + 1}"),
                     substituted=Math(r"\mathbf{%s}_{%d} = \frac{%s}{%s}" % (oside, i + 1, F.latex(w, exact="surd"),
                                                                            F.latex(sig[i], exact="surd")),
                                      f"{oside}{i + 1} = {F.text(w, exact='surd')} / {F.text(sig[i], exact='surd', paren=True)}"),
                     value=Math(r"\mathbf{%s}_{%d} = %s" % (oside, i + 1, vector_exact_latex(ui)),
                                f"{oside}{i + 1} = {vector_exact_text(ui)}"))

    # 4. completion of the other side with the null space of A^T (or A)
    size_o = m if tall else n
    kind = _completion_kind(rule)
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
                     value=Math(r"\operatorname{rref}(%s) = %s,\quad %s" % (tname.replace("^T", r"^{\top}"), F.latex(R.tolist(), exact="surd"),
                                                                           r",\ ".join(F.latex(b, exact="surd") for b in basis)),
                                f"rref({tname}) = {F.text(R.tolist(), exact='surd')}; basis: " + ", ".join(F.text(b, exact="surd") for b in basis)))
            extra = gram_schmidt_steps(d, basis, "Gram-Schmidt", names=[f"{oside}{r + i + 1}" for i in range(len(basis))])
            fixed = [f"{oside}{r + i + 1}" for i, u in enumerate(extra) if needs_flip(u, kind)]
            extra = [negated(u) if needs_flip(u, kind) else u for u in extra]
            add_step(d, "note", "Sign of the completion vectors",
                     text=f"They have no partner, so each is chosen so that {SIGN_TEXT[kind]}. "
                          + (f"Negated: {', '.join(fixed)}." if fixed else "None needed negating."))
        units += extra
    # zero singular values on the Gram side keep their eigenvectors: apply the rule to them on their own
    if inner is None:
        gram_vecs[r:] = [negated(g) if needs_flip(g, kind) else g for g in gram_vecs[r:]]

    Vcols, Ucols = (gram_vecs, units) if tall else (units, gram_vecs)
    U = matrix(Ucols).T
    Vt = matrix(Vcols)
    S = sp.ImmutableMatrix(m, n, lambda i, j: sig[i] if i == j else sp.Integer(0))
    su = tolerance("columns", "svd")
    add_step(d, "conclude", "U (left singular vectors as columns)", value=F.equals("U", U.tolist()),
             answers=(make_answer("U", U.tolist(), tolerance=su),))
    add_step(d, "conclude", f"Sigma ({m} x {n}: the singular values on the diagonal, zeros elsewhere)",
             value=Math(r"\Sigma = " + F.latex(S.tolist(), exact="surd"), "Σ = " + F.text(S.tolist(), exact="surd")),
             answers=(make_answer("S", S.tolist()),))
    add_step(d, "conclude", "V^T (right singular vectors as rows)", value=F.equals(Math(r"V^{\top}", "V^T"), Vt.tolist()),
             answers=(make_answer("Vt", Vt.tolist(), tolerance=tolerance("rows", "svd")),))

    # 5. check
    prod = tamed(U * S * Vt)
    diff = max(abs(fl(x)) for x in prod - Am)
    add_step(d, "compare", "Check: U Sigma V^T = A",
             text="agrees" + ("" if diff == 0 else f" (largest difference {F.text(diff, 2)}, rounding of the 40-digit values)")
             if diff < 1e-25 else f"DISAGREES (largest difference {F.text(diff, 3)})",
             value=F.equals(Math(r"U \Sigma V^{\top}", "U Σ V^T"), prod.tolist()))

    # 6. rank-k approximation, error, storage: only when the question asks for a rank k
    if k is not None:
        _low_rank_steps(d, Am, U, Vt, sig, Ucols, Vcols, k, q)
    return d


def _low_rank_steps(d, Am, U, Vt, sig, Ucols, Vcols, k, q):
    m, n = Am.shape
    Ak = tamed(sum((sig[i] * U[:, i] * Vt[i, :] for i in range(k)), sp.zeros(m, n)))
    terms_t = " + ".join(f"{F.text(sig[i], exact='surd')} {F.text(Ucols[i])} {F.text(Vcols[i])}^T" for i in range(k))
    terms_l = " + ".join(r"%s\, %s %s^{\top}" % (F.latex(sig[i], exact="surd"), F.latex(Ucols[i]), F.latex(Vcols[i]))
                         for i in range(k))
    add_step(d, "compute", f"Rank-{k} approximation",
             text="Keep the k largest singular values and their vectors; the sum of k rank-one matrices.",
             formula=Math(r"A_{k} = \textstyle\sum_{i=1}^{k} \sigma_{i}\,\mathbf{u}_{i}\mathbf{v}_{i}^{\top}", "A_k = sum_(i<=k) σ_i u_i v_i^T"),
             substituted=Math(r"A_{%d} = %s" % (k, terms_l), f"A_{k} = {terms_t}"),
             value=F.equals(Math(r"A_{%d}" % k, f"A_{k}"), Ak.tolist()),
             answers=(make_answer("rank_k", Ak.tolist()),))
    drop = tame(sum((s * s for s in sig[k:q]), sp.Integer(0)))
    e = d.compute("Approximation error (Frobenius norm)", sym("||A - A_k||_F", r"\|A - A_{k}\|_F"), ERROR, {dropped: drop},
                  value=tame(sp.sqrt(drop)), keep="exact", answer="error",
                  text="Eckart-Young: A_k is the closest rank-k matrix to A, and the error is what the dropped singular values carry.")
    direct = sp.sqrt(sum(((x - y) ** 2 for x, y in zip(Am, Ak)), sp.Integer(0)))
    add_step(d, "compare", "Check: the error entry by entry",
             text="agrees" if abs(fl(direct) - fl(e)) < 1e-20 else "DISAGREES",
             value=F.equals(Math(r"\sqrt{\textstyle\sum_{ij} (a_{ij} - (A_{k})_{ij})^2}", "sqrt(sum_ij (a_ij - (A_k)_ij)^2)"),
                            direct))
    store = d.compute("Storage of the rank-k SVD", sym("storage"), STORAGE, {k_: k, m_: m, n_: n}, answer="storage",
                      text="k singular values, k columns of U (m numbers each) and k rows of V^T (n numbers each).")
    full = m * n
    ratio = sp.Rational(full, int(store))
    add_step(d, "compare", "Compared with storing A",
             text=("compression: " if store < full else "no saving at this size: ") +
                  f"{int(store)} numbers instead of m n = {full} (ratio {F.text(ratio, 3, exact='decimal')}). For an image, "
                  "A_k keeps the broad structure in far fewer numbers when k is small compared with m and n.",
             formula=Math(r"m\,n = %d \cdot %d = %d" % (m, n, full), f"m n = {m}*{n} = {full}"),
             answers=(make_answer("compression_ratio", ratio),))


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
        s, short = np.linalg.svd(R, full_matrices=False)[1:]  # (R's left vectors are not kept)
        del R
        U, Vt = (None, short) if tall else (short.T, None)
    tol = max(m, n) * np.finfo(float).eps * (s[0] if s.size else 0.0)
    r = int(np.sum(s > tol))
    # the rule's vectors; the long side's ones (not kept) 64 at a time, so that they are never all held at once
    if sign_rule == "largest-score":  # looks at u_i
        if U is not None:
            signs = sign_fix_np(U[:, :r].T, "largest-loading")
        else:
            signs = np.ones(r)
            for i in range(0, r, 64):
                signs[i:i + 64] = sign_fix_np(((A @ Vt[i:min(i + 64, r)].T) / s[i:min(i + 64, r)]).T, "largest-loading")
    else:                             # looks at v_i
        if Vt is not None:
            signs = sign_fix_np(Vt[:r], sign_rule)
        else:
            signs = np.ones(r)
            for i in range(0, r, 64):
                signs[i:i + 64] = sign_fix_np((U[:, i:min(i + 64, r)].T @ A) / s[i:min(i + 64, r), None], sign_rule)
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
            # re-orthogonalise in float64 against the singular vectors and each other, twice ("twice is enough"):
            # the RREF basis of a matrix whose entries span 1e12 is off by more than the rounding of the result
            done = have[:r]
            rows = []
            for v in extra:
                for _ in range(2):
                    v = v - done.T @ (done @ v)
                v = v / np.linalg.norm(v)
                rows.append(v)
                done = np.vstack([done, v])
            extra = np.array(rows)
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
    tol = tolerance(rel=1e-9)
    tol_u, tol_vt = tolerance("columns", "svd", 1e-9), tolerance("rows", "svd", 1e-9)
    ata = _via_ata(conv, m, n)
    gkey, gname, _ = _gram_names(ata)
    size = n if ata else m
    answers = []
    with np.errstate(over="ignore"):  # (entries near 1e308: their squares are inf, as float64 says)
        if size * size <= MAX_ANSWER_ENTRIES:
            G = A.T @ A if ata else A @ A.T
            answers.append(make_answer(gkey, G, tolerance=tol))
        lam = np.zeros(size)
        lam[:q] = s ** 2
    answers.append(make_answer(f"{gkey}_eigenvalues", lam, tolerance=tol))
    rank = int(np.sum(s > max(m, n) * np.finfo(float).eps * (s[0] if s.size else 0.0)))
    answers += [make_answer("singular_values", s, tolerance=tol), make_answer("rank", rank)]
    left = []
    if complete:
        S = np.zeros((m, n))
        S[np.arange(q), np.arange(q)] = s
        answers += [make_answer("U", U, tolerance=tol_u),
                    make_answer("S", S, tolerance=tol),
                    make_answer("Vt", Vt, tolerance=tol_vt)]
    else:  # the short side is square and complete: list it
        if Vt is not None and n * n <= MAX_ANSWER_ENTRIES:
            answers.append(make_answer("Vt", Vt, tolerance=tol_vt))
        if U is not None and m * m <= MAX_ANSWER_ENTRIES:
            answers.append(make_answer("U", U, tolerance=tol_u))
        left.append("U" if U is None else "Vt")
        left.append("S")
    text = (f"The singular values are the square roots of the eigenvalues of {gname} ({size} x {size}); A has rank "
            f"{rank}.")
    if k is not None:
        if m * n <= MAX_ANSWER_ENTRIES and complete:
            Ak = (U[:, :k] * s[:k]) @ Vt[:k]
            answers.append(make_answer("rank_k", Ak, tolerance=tol))
        else:
            left.append(f"rank_k ({m} x {n})")
        err = float(np.sqrt(np.sum(s[k:] ** 2)))
        answers.append(make_answer("error", err, tolerance=tolerance(rel=1e-8)))
        store = k * (m + n + 1)
        answers += [make_answer("storage", sp.Integer(store)),
                    make_answer("compression_ratio", m * n / store, tolerance=tolerance(rel=1e-12))]
        text += (f" ||A - A_k||_F = sqrt(sum of the dropped σ^2) = {F.text(err)}; storage k(m + n + 1) = {store} numbers "
                 f"instead of m n = {m * n}.")
    if size * size > MAX_ANSWER_ENTRIES:
        left.append(f"{gkey} ({size} x {size})")
    d.conclude("SVD" + (f" and rank-{k} approximation" if k is not None else ""),
               text=text + (f" Not listed (too large): {', '.join(left)}." if left else ""), answers=answers)
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
