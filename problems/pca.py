"""Principal component analysis: the components are the unit eigenvectors of the covariance matrix C, scores y = e^T (x - x_bar).

Exam questions: "Reduce these data from 2 dimensions to 1 with PCA, showing all steps" (the course notes'
end-term assignment, question 2: X1 = 4, 8, 13, 7; X2 = 11, 4, 5, 14); "the covariance matrix of a data
set is C: find its principal components and the proportion of the variance each explains"; "how many
components keep at least 90% of the variance?"; "give the whitened scores".

The solution computes the mean of each feature, the centred data, each covariance entry with its sum
written out, the covariance matrix, its eigenvalues and unit eigenvectors (the characteristic polynomial
solved exactly: the same steps as the eigen family), the explained-variance ratio of each component and
the share of the variance the kept components keep, the score (projection) of every sample on the first
k components, and the reconstruction from k components with its error sum ||x - x_hat||^2 = (N - ddof) *
(sum of the dropped eigenvalues). Given the covariance matrix C instead of data, it starts from C (no
scores). With standardize, each centred feature is divided by its standard deviation first, so C becomes
the correlation matrix. With whiten, each score is divided by the square root of its component's
eigenvalue, so every whitened score column has variance 1 (scikit-learn's PCA(whiten=True) with its
N - 1). With min_variance, k is the smallest number of components whose explained-variance ratios add
up to at least that share. At most min(N, d) components are kept (as scikit-learn's PCA), on both
paths; a step says so when k is larger.

Conventions: the covariance divisor (ddof: N - 1 as the course notes, np.cov and scikit-learn, or N) and
the sign of each component (sign_rule): first non-zero loading positive (default; it reproduces the
notes' scores -4.3052, 3.7361, 5.6928, -5.1238), largest loading positive (scikit-learn 1.5 and later),
or largest score positive (scikit-learn 1.4 and earlier). Components are listed largest eigenvalue
first, as rows (k x d, like scikit-learn's components_); scores are N x k.

Input: X with one sample per row (layout=features-rows reads the notes' table, one feature per row), or
the covariance matrix C. The exact path takes up to 4 features and 30 samples; larger data go to the
numeric path, which picks the algorithm by shape: eigh of the d x d covariance when features are few, a
thin SVD of the centred data otherwise; nothing quadratic in the sample count is formed. Where the
course notes slip on their example, the solution says so.
"""
from __future__ import annotations

import math

import numpy as np
import sympy as sp

from solver import format as F
from solver.conventions import COV_DIVISOR, SIGN_RULE
from solver.errata import Erratum
from solver.params import Bool, Choice, Int, InvalidInput, Matrix, Param, Real, as_exact, as_float
from solver.registry import Example
from solver.richtext import Eq, Rich
from solver.steps import Math
from solver.symbolic import _LATEX_NAMES, Derivation, NumberedRows, equation, make_answer, substituted, sym

from ._eigh import Eigen
from ._linalg import (EXACT_MAX, MAX_ANSWER_ENTRIES, NOTES_PCA_WHERE, POLY_SLIP, SIGN_TEXT, add_step, eigen_steps,
                      factor_latex, factor_text, fl, is_zero, matrix, needs_flip, negated, sign_fix_np, tame, tamed,
                      tolerance)
from ._svg import Plot2D

TITLE = "Principal component analysis (PCA)"
TOPIC = "linalg"
#: the reader puts an unlabelled table here (C, the covariance matrix, is the alternative)
MAIN_FIELDS = ("X",)

KEYWORDS = ("pca", "principal component", "principal component analysis", "dimensionality reduction",
            "reduce dimension", "covariance matrix", "eigenvector", "projection", "explained variance", "scores",
            "reconstruction", "variance explained", "first principal component")

# ---- the rules, written once ------------------------------------------------------------------------
N_, xbar, s_j, C_ij, r_j, lam_j, lam_sum, y_kj, err, dropped = (
    sym("N"), sym("xbar_j", r"\bar{x}_{j}"), sym("s_j"), sym("C_ij", r"C_{ij}"), sym("r_j"), sym("λ_j", r"\lambda_{j}"),
    sym("(sum_i λ_i)", r"\textstyle\sum_{i} \lambda_{i}"), sym("y_kj", r"y_{kj}"), sym("sum_k ||x_k - xhat_k||^2", r"\sum_k \|x_k - \hat{x}_k\|^2"),
    sym("(sum_(j>k) λ_j)", r"\textstyle\sum_{j > k} \lambda_{j}"))
SUM_X = sym("(sum_k x_kj)", r"\textstyle\sum_{k=1}^{N} x_{kj}")
SUM_CC = sym("(sum_k (x_ki - xbar_i)(x_kj - xbar_j))", r"\textstyle\sum_{k=1}^{N} (x_{ki} - \bar{x}_{i})(x_{kj} - \bar{x}_{j})")
SUM_SQ = sym("(sum_k (x_kj - xbar_j)^2)", r"\textstyle\sum_{k=1}^{N} (x_{kj} - \bar{x}_{j})^2")
SCORE_SUM = sym("e_j.(x_k - xbar)", r"\mathbf{e}_{j}^{\top}(\mathbf{x}_{k} - \bar{\mathbf{x}})")
RECON_SUM = sym("xbar + sum_j y_kj e_j", r"\bar{\mathbf{x}} + \textstyle\sum_{j \le k} y_{kj}\,\mathbf{e}_{j}")
with sp.evaluate(False):
    MEAN = SUM_X / N_                                  # x_bar_j = (1/N) sum_k x_kj
    COV = {1: SUM_CC / (N_ - 1), 0: SUM_CC / N_}       # C_ij, divisor N - ddof
    STD = {1: sp.sqrt(SUM_SQ / (N_ - 1)), 0: sp.sqrt(SUM_SQ / N_)}
    EVR = lam_j / lam_sum                              # explained-variance ratio
    SCORE = SCORE_SUM                                  # y_kj = e_j . (x_k - x_bar)
    RECON = RECON_SUM                                  # x_hat_k = x_bar + sum_{j<=k} y_kj e_j
    ERR_IDENTITY = (N_ - 1) * dropped                  # sum ||x - x_hat||^2 = (N - ddof) sum_{j>k} lambda_j

CONVENTIONS = (COV_DIVISOR, SIGN_RULE)

LAYOUT = Choice({"samples-rows": "one sample per row, one feature per column (as scikit-learn)",
                 "features-rows": "one feature per row, one sample per column (the table in the course notes)"},
                aliases={"samples": "samples-rows", "rows": "samples-rows", "features": "features-rows",
                         "columns": "features-rows", "transposed": "features-rows"})

#: Largest |entry| of the data: the exact path carries 40 significant digits, so a sample of 1e50 next to one of 2
#: would lose the small one entirely (its reconstruction came out as -1073741824), and the covariance squares it.
MAX_MAGNITUDE = 10 ** 9
MAGNITUDE_HINT = (" (divide all of it by a common factor: the components stay the same and the eigenvalues scale by "
                  "its square)")


PARAMS = (
    Param("X", Matrix(max_cols=100_000, lo=-MAX_MAGNITUDE, hi=MAX_MAGNITUDE, hint=MAGNITUDE_HINT), label="Data",
          help="one sample per row, e.g. (4, 11), (8, 4), (13, 5), (7, 14); or set layout=features-rows (or give C instead)",
          aliases=("data", "X", "points", "data points", "samples", "observations", "dataset", "data matrix")),
    Param("C", Matrix(square=True, max_rows=2000, max_cols=2000, lo=-MAX_MAGNITUDE ** 2, hi=MAX_MAGNITUDE ** 2),
          label="Covariance matrix",
          help="optional, instead of data: the covariance matrix C, e.g. [[14, -11], [-11, 23]]",
          aliases=("C", "Σ")),
    Param("layout", LAYOUT, default="samples-rows", label="Layout of X",
          help="samples-rows (default) or features-rows (the notes' table: one feature per row)",
          cues={"features-rows": ("one feature per row", "features in rows", "each row is a feature")}),
    Param("k", Int(1, None), label="Components kept", help="the number of principal components to keep (default 1)",
          aliases=("k", "components", "principal components", "to")),
    Param("min_variance", Real(0, 1, closed="right"), label="Variance to keep",
          help="optional: keep the fewest components whose explained-variance ratios add up to at least this share, e.g. 0.9",
          aliases=("min_variance", "variance kept", "variance retained", "variance explained", "explained variance")),
    Param("standardize", Bool(), default="false", label="Standardize",
          help="divide each centred feature by its standard deviation (PCA on the correlation matrix)",
          cues={"true": ("standardize", "standardise", "standardized", "standardised", "correlation matrix")}),
    Param("whiten", Bool(), default="false", label="Whiten",
          help="also give the whitened scores: each score divided by the square root of its component's eigenvalue",
          cues={"true": ("whiten", "whitened", "whitening")}),
)

EXAMPLE = Example(
    params={"X": "4 8 13 7; 11 4 5 14", "layout": "features-rows", "k": "1"},
    source="the course notes' end-term assignment, question 2 (dimensionality reduction with PCA)",
)

#: The course notes' data, one sample per row (their table has one feature per row).
NOTES_X = ((4, 11), (8, 4), (13, 5), (7, 14))


def _is_notes_data(values) -> bool:
    if values["X"] is None:
        return False
    X = _samples(values)
    return not isinstance(X, np.ndarray) and _shape(X) == (4, 2) and tuple(tuple(r) for r in X) == NOTES_X


#: The notes' slips on their data; they divide by N - 1 and do not standardize (`also` reads either layout).
_NOTES = dict(params={"standardize": "false"}, conventions={"ddof": "n-1"}, also=_is_notes_data)
ERRATA = (
    Erratum(**_NOTES, **POLY_SLIP),
    Erratum(params={"C": "[[14, -11], [-11, 23]]", "standardize": "false"}, **POLY_SLIP),
    Erratum(**_NOTES, where=NOTES_PCA_WHERE, title="Slip in the course notes",
            wrote="the last term of the sum for Cov(X1, X2) as 1 x 5.5",
            right="it is (-1)(5.5) = -5.5",
            why="with their term the sum would be -22 (and C_12 = -7.333); the value they state, -33/3 = -11, is right"),
    Erratum(**_NOTES, where=NOTES_PCA_WHERE, title="Slip in the course notes",
            wrote="the second term of the sum for Cov(X2, X2) as 1.5^2",
            right="it is (-4.5)^2 = 20.25",
            why="with their term the sum would be 51 (and C_22 = 17); the value they state, 23, is right"),
    Erratum(**_NOTES, where=NOTES_PCA_WHERE, kind="ambiguity", title="The sign of the notes' component",
            wrote="e1 = (0.5574, -0.8303) and the scores -4.3052, 3.7361, 5.6928, -5.1238",
            right="a component is defined only up to sign, together with its scores: the default rule (first non-zero "
                  "loading positive) reproduces the notes' choice, and the other rules may negate e1 and the scores "
                  "together; this solution gives e1 = {components[0]}"),
)

NO_VARIANCE = ("All samples are identical, so the covariance matrix is zero: there is no variance to explain and no "
               "direction is preferred, so the principal components, their explained-variance ratios and the scores are "
               "undefined.")
ZERO_COV = ("The covariance matrix is zero: there is no variance to explain and no direction is preferred, so the "
            "principal components and their explained-variance ratios are undefined.")
EXACT_MAX_SAMPLES = 30


def _samples(p):
    """X as samples-by-features: exact tuples, or a float array for the numeric path."""
    X = p["X"]
    if p["layout"] == "features-rows":
        X = X.T if isinstance(X, np.ndarray) else tuple(zip(*X))
    return X


def _shape(X) -> tuple[int, int]:
    return X.shape if isinstance(X, np.ndarray) else (len(X), len(X[0]))


def _largest(M) -> float:
    if isinstance(M, np.ndarray):  # max |x| without an |M| temporary the size of the data
        return max(float(M.max()), -float(M.min())) if M.size else 0.0
    return max(
        abs(float(v)) if abs(v) < 10 ** 300 else math.inf for r in M for v in r)


def validate(p) -> None:
    if p["X"] is None and p["C"] is None:
        raise InvalidInput("X", "The 'X' parameter of pca is required: give the data X (one sample per row), or the "
                                "covariance matrix C.")
    if p["X"] is not None and p["C"] is not None:
        raise InvalidInput("C", "The 'C' parameter of pca is for a question that gives the covariance matrix instead of "
                                "data; X is given, so C is computed from it. Give one of them, not both.")
    if p["k"] is not None and p["min_variance"] is not None:
        raise InvalidInput("min_variance", "The 'min_variance' parameter of pca chooses k (the fewest components that "
                                           "keep that share of the variance), so k cannot be given as well. Give one of them.")
    if p["C"] is not None:
        _validate_cov(p)
        return
    X = _samples(p)   # (its entries' size is bounded by its declaration)
    n, dim = _shape(X)
    if n < 2:
        raise InvalidInput("X", f"The 'X' parameter of pca must have at least 2 samples (with layout={p['layout']}). "
                                f"Got {n} instead.")
    if p["k"] is not None and p["k"] > dim:
        raise InvalidInput("k", f"The 'k' parameter of pca must be at most the number of features ({dim}). Got {p['k']} instead.")
    if p["standardize"]:
        A = as_float(X)
        const = np.flatnonzero(np.ptp(A, axis=0) == 0)
        if const.size:
            raise InvalidInput("X", f"The 'X' parameter of pca must have no constant feature when standardize is true "
                                    f"(feature {int(const[0]) + 1} has zero variance). Got a constant feature instead.")


def _validate_cov(p) -> None:
    C = p["C"]
    dim = _shape(C)[0]
    big = _largest(C)   # (at most 1e18: its declaration)
    Cf = as_float(C)
    if not np.allclose(Cf, Cf.T, rtol=0, atol=1e-12 * max(big, 1e-300)) or (
            not isinstance(C, np.ndarray) and any(C[i][j] != C[j][i] for i in range(dim) for j in range(i))):
        raise InvalidInput("C", "The 'C' parameter of pca must be a covariance matrix, which is symmetric (C_ij = C_ji). "
                                "Got a matrix that is not symmetric instead.")
    low = float(np.linalg.eigvalsh(Cf / (big or 1.0)).min()) * (big or 1.0)
    if low < -1e-9 * max(big, 1e-300):
        raise InvalidInput("C", "The 'C' parameter of pca must be a covariance matrix, which has no negative eigenvalue (a "
                                f"variance is never negative). Got a matrix with the eigenvalue {F.text(low, 4)} instead.")
    if p["k"] is not None and p["k"] > dim:
        raise InvalidInput("k", f"The 'k' parameter of pca must be at most the number of features ({dim}). Got {p['k']} instead.")
    if p["whiten"]:
        raise InvalidInput("whiten", "The 'whiten' parameter of pca scales the scores, which need data: with only the "
                                     "covariance matrix C there are no scores to whiten. Give the data X instead.")
    if p["standardize"] and any(Cf[j, j] <= 0 for j in range(dim)):
        raise InvalidInput("C", "The 'C' parameter of pca must have positive variances on its diagonal when standardize is "
                                "true (a feature of zero variance cannot be standardized). Got a zero variance instead.")


def use_numeric(p) -> bool:
    if p["C"] is not None:
        return isinstance(p["C"], np.ndarray) or len(p["C"]) > EXACT_MAX
    X = _samples(p)
    n, dim = _shape(X)
    return isinstance(X, np.ndarray) or dim > EXACT_MAX or n > EXACT_MAX_SAMPLES


def _ddof(conv) -> int:
    return 1 if conv["ddof"] == "n-1" else 0


def _asked_k(p) -> str:
    """The number of components the statement names: k, or the share of variance that chooses it."""
    if p["min_variance"] is not None:
        return f"the fewest components that keep at least {F.text(100 * p['min_variance'])}% of the variance"
    k = p["k"] or 1
    return f"{k} component{'s' if k > 1 else ''}"


def statement(p) -> Rich:
    std = " after standardizing each feature" if p["standardize"] else ""
    if p["C"] is not None:
        C = p["C"]
        dim = _shape(C)[0]
        shown = Eq(sym("C"), as_exact(C)) if dim <= 6 and not isinstance(C, np.ndarray) else f"a {dim} x {dim} matrix C"
        if p["min_variance"] is not None:
            ask = (f" How many components keep at least {F.text(100 * p['min_variance'])}% of the variance, and how much "
                   "do they keep?")
        else:
            k = p["k"] or 1
            ask = f" How much of the variance do the first {k} components keep?" if k > 1 else \
                " How much of the variance does the first component keep?"
        return Rich("The covariance matrix of a data set is ", shown, ". Find its principal components" + std + ": the "
                    "eigenvalues and unit eigenvectors of the " + ("correlation" if p["standardize"] else "covariance")
                    + " matrix and the proportion of the variance each component explains." + ask)
    X = _samples(p)
    n, dim = _shape(X)
    if isinstance(X, np.ndarray) or n * dim > 60:
        data: list = [f"a data matrix of {n} samples and {dim} features"]
    else:
        cols = list(zip(*as_exact(X)))
        data = ["the data "]
        for j, c in enumerate(cols):
            data += (["; "] if j else []) + [Eq(sym(f"X{j + 1}"), Math(", ".join(F.latex(v) for v in c), F.joined(c)))]
        data.append(f" ({n} samples)")
    if p["min_variance"] is None:
        k = p["k"] or 1
        target = f" from {dim} dimension{'s' if dim > 1 else ''} to {k}"
    else:
        target = f" from {dim} dimensions to {_asked_k(p)},"
    whiten = ", the whitened scores (each divided by the square root of its eigenvalue)" if p["whiten"] else ""
    return Rich("Reduce ", *data, f"{target} with principal component analysis{std}, showing all steps. Give the "
                "covariance matrix, its eigenvalues and unit eigenvectors, the explained-variance ratios and the share of "
                f"the variance kept, the projection (score) of every sample on the kept component"
                f"{'s' if (p['k'] or 1) > 1 or p['min_variance'] is not None else ''}{whiten}, and the reconstruction from "
                "them with its error.")


def kept_components(n: int, dim: int, k: int) -> int:
    """How many components are kept, on both paths: k, but at most min(N, d), as scikit-learn's PCA allows. N
    centred samples span at most N - 1 directions; components beyond the first N would be directions of zero
    variance that the data do not determine (k <= d is checked on input)."""
    return min(k, n, dim)


def _capped_note(d: Derivation, n: int, k: int, kept: int) -> None:
    if kept < k:
        d.note("Components kept",
               f"k = {k} is more than the {n} samples. {n} centred samples span at most {n - 1} direction"
               f"{'s' if n - 1 != 1 else ''}, so components beyond the first {n} would be directions of zero variance "
               f"that the data do not determine; as in scikit-learn's PCA (at most min(N, d) components), {kept} "
               f"component{'s are' if kept != 1 else ' is'} kept.")


def _written(lhs, expr, values, sum_sym, terms_latex: str, terms_text: str) -> Math:
    """The formula with its numbers and the sum symbol replaced by the terms written out."""
    m = substituted(lhs, expr, values)
    return Math(m.latex.replace(_LATEX_NAMES[sum_sym], r"\left(%s\right)" % terms_latex),
                m.text.replace(sum_sym.name, f"({terms_text})"))


def _sum_terms(values, square: bool = False) -> tuple[str, str]:
    """A sum written out (LaTeX, text): negative terms bracketed, each squared when `square`."""
    sq = "^2" if square else ""
    return (" + ".join(F.latex(v, paren=True) + sq for v in values), " + ".join(F.text(v, paren=True) + sq for v in values))


def solve(p, conv) -> Derivation:
    d = Derivation()
    if p["C"] is not None:
        return _solve_from_cov(d, p, conv)
    X = as_exact(_samples(p))
    Xm = matrix(X)
    n, dim = Xm.shape
    ddof = _ddof(conv)
    dof = n - ddof
    feats = [f"X{j + 1}" for j in range(dim)]

    # 1. data
    if p["layout"] == "features-rows":
        d.note("Layout", "The table lists one feature per row; it is read as one sample per row (transposed).")
    d.table("The data: one row per sample", ["sample"] + feats, [[str(i + 1)] + list(r) for i, r in enumerate(X)])

    # 2. means
    totals = list(sp.ones(1, n) * Xm)
    means = [t / n for t in totals]
    with d.group("Mean of each feature", answers=(make_answer("mean", means),)):
        for j in range(dim):
            lhs = sym(f"xbar_{j + 1}", r"\bar{x}_{%d}" % (j + 1))
            tl, tt = _sum_terms(Xm.col(j))
            add_step(d, "compute", f"Mean of {feats[j]}", formula=equation(lhs, MEAN),
                     substituted=_written(lhs, MEAN, {N_: n}, SUM_X, tl, tt),
                     value=Math(r"\bar{x}_{%d} = \frac{%s}{%d} = %s" % (j + 1, F.latex(totals[j]), n, F.latex(means[j])),
                                f"xbar_{j + 1} = {F.text(totals[j])}/{n} = {F.text(means[j])}"))

    # 3. centred data
    Cd = Xm - sp.ones(n, 1) * matrix([means])
    d.table("Centred data: x - x_bar", ["sample"] + [Math(r"x_{%d} - \bar{x}_{%d}" % (j + 1, j + 1), f"{feats[j]} - mean")
                                                    for j in range(dim)],
            [[i + 1] + list(Cd.row(i)) for i in range(n)], keys=("sample", *(f"x{j + 1}_centred" for j in range(dim))),
            index=("sample",), text="Subtract each feature's mean from its column. Each entry is an answer: "
                                    "x1_centred@sample=1.")

    # 4. covariance entries
    S = Cd.T * Cd                        # the sums of products, written out entry by entry below
    C = S / dof
    div = "N - 1" if ddof else "N"
    with d.group("Covariance entries", text=f"C_ij = (1/({div})) * sum_k (x_ki - mean_i)(x_kj - mean_j); "
                                            f"{'' if ddof else 'dividing by N (population covariance), '}C is symmetric, "
                                            "so only i <= j is computed."):
        for i in range(dim):
            for j in range(i, dim):
                if i == j:
                    tl, tt = _sum_terms(Cd.col(i), square=True)
                else:
                    tl = " + ".join(f"{factor_latex(a)}{factor_latex(b)}" for a, b in zip(Cd.col(i), Cd.col(j)))
                    tt = " + ".join(f"{factor_text(a)}{factor_text(b)}" for a, b in zip(Cd.col(i), Cd.col(j)))
                lhs = sym(f"C_{i + 1}{j + 1}", r"C_{%d%d}" % (i + 1, j + 1))
                add_step(d, "compute", f"Cov({feats[i]}, {feats[j]})", formula=equation(lhs, COV[ddof]),
                         substituted=_written(lhs, COV[ddof], {N_: n}, SUM_CC, tl, tt),
                         value=Math(r"C_{%d%d} = \frac{%s}{%d} = %s" % (i + 1, j + 1, F.latex(S[i, j]), dof, F.latex(C[i, j])),
                                    f"C_{i + 1}{j + 1} = {F.text(S[i, j])}/{dof} = {F.text(C[i, j])}"))
    if dim > 1:
        d.note("Symmetry", "C_ji = C_ij: " + ", ".join(f"C_{j + 1}{i + 1} = C_{i + 1}{j + 1} = {F.text(C[i, j])}"
                                                        for i in range(dim) for j in range(i + 1, dim)) + ".")

    if C.is_zero_matrix:
        add_step(d, "conclude", "The covariance matrix", value=Math(f"C = {F.latex(C.tolist())}", f"C = {F.text(C.tolist())}"),
                 answers=(make_answer("cov", C.tolist()),))
        d.status = "undefined"
        d.note("No principal components", NO_VARIANCE)
        return d

    # 5. standardize: the correlation matrix
    Cmat = C
    scale = [sp.Integer(1)] * dim
    if p["standardize"]:
        scale, Cmat = _standardize_steps(d, C, feats, div)
        Z = tamed(Cd * sp.diag(*[1 / s_ for s_ in scale]))
        d.table("Standardized data z = (x - x_bar)/s", ["sample"] + [f"z{j + 1}" for j in range(dim)],
                [[str(i + 1)] + list(Z.row(i)) for i in range(n)])
        Cd = Z
    name = "R" if p["standardize"] else "C"
    add_step(d, "conclude", "The correlation matrix" if p["standardize"] else "The covariance matrix",
             value=Math(f"{name} = {F.latex(Cmat.tolist(), exact='surd')}", f"{name} = {F.text(Cmat.tolist(), exact='surd')}"),
             answers=(make_answer("cov", Cmat.tolist()),))

    # 6. eigen-decomposition (the same steps as the eigen family), 7. explained variance and k
    lam, vecs = _eigen(d, Cmat, name)
    k = _explained_variance(d, p, lam, name, n)

    # 8. signs and components
    E = matrix(vecs[:k])                                   # the kept components as rows
    scores = tamed(Cd * E.T)                               # N x k
    E, scores, vecs = _signs(d, vecs, k, conv["sign_rule"], scores)

    # 9. scores
    with d.group(f"Scores: project each centred sample on the component{'s' if k > 1 else ''}",
                 text="y_kj = e_j . (x_k - x_bar): the coordinate of sample k along component j."):
        for s_i in range(n):
            for j in range(k):
                lhs = sym(f"y_{s_i + 1},{j + 1}", r"y_{%d,%d}" % (s_i + 1, j + 1))
                pairs = list(zip(E.row(j), Cd.row(s_i)))
                terms_t = " + ".join(f"{factor_text(a, 'short')}{factor_text(b, 'short')}" for a, b in pairs)
                terms_l = " + ".join(f"{factor_latex(a, 'short')}{factor_latex(b, 'short')}" for a, b in pairs)
                add_step(d, "compute", f"Sample {s_i + 1}" + (f", component {j + 1}" if k > 1 else ""),
                         formula=equation(lhs, SCORE), substituted=Math(r"y_{%d,%d} = %s" % (s_i + 1, j + 1, terms_l),
                                                                        f"y_{s_i + 1},{j + 1} = {terms_t}"),
                         value=F.equals(lhs, scores[s_i, j]))
    _scores_table(d, scores.tolist(), k)
    if p["whiten"]:
        _whiten_steps(d, scores, lam, k, ddof)

    # 10. reconstruction
    _reconstruction_steps(d, Xm, means, scale, E, scores, lam, k, ddof, p["standardize"])
    if dim == 2:
        d.extras["svg_title"] = "Data, principal axes and projections"
        d.extras["svg"] = pca_svg(as_float(X), [fl(m) for m in means], [[fl(x) for x in v] for v in vecs],
                                  [fl(v) for v in lam], k, [fl(s) for s in scale])
    return d


def _standardize_steps(d: Derivation, C, feats, div: str):
    """s_j = sqrt(C_jj) and the correlation matrix R_ij = C_ij / (s_i s_j), step by step."""
    dim = C.rows
    scale = [tame(sp.sqrt(C[j, j])) for j in range(dim)]
    with d.group("Standardize: divide each centred feature by its standard deviation",
                 text=(f"s_j = sqrt(C_jj) (the same divisor {div}); " if div else "s_j = sqrt(C_jj); ")
                 + "the covariance of the standardized data is the correlation matrix R_ij = C_ij / (s_i s_j), with ones "
                   "on the diagonal."):
        for j in range(dim):
            add_step(d, "compute", f"Standard deviation of {feats[j]}",
                     value=Math(r"s_{%d} = \sqrt{C_{%d%d}} = \sqrt{%s} = %s" % (j + 1, j + 1, j + 1, F.latex(C[j, j]),
                                                                             F.latex(scale[j], exact="both")),
                                f"s_{j + 1} = sqrt(C_{j + 1}{j + 1}) = sqrt({F.text(C[j, j])}) = {F.text(scale[j], exact='both')}"))
        R = sp.ImmutableMatrix(dim, dim, lambda i, j: tame(C[i, j] / (scale[i] * scale[j])) if i != j else sp.Integer(1))
        for i in range(dim):
            for j in range(i + 1, dim):
                add_step(d, "compute", f"R_{i + 1}{j + 1}",
                         value=Math(r"R_{%d%d} = \frac{C_{%d%d}}{s_{%d} s_{%d}} = \frac{%s}{%s \cdot %s} = %s" % (
                             i + 1, j + 1, i + 1, j + 1, i + 1, j + 1, F.latex(C[i, j]), F.latex(scale[i]),
                             F.latex(scale[j]), F.latex(R[i, j], exact="both")),
                             f"R_{i + 1}{j + 1} = C_{i + 1}{j + 1}/(s_{i + 1} s_{j + 1}) = {F.text(C[i, j])}/"
                             f"({F.text(scale[i])} * {F.text(scale[j])}) = {F.text(R[i, j], exact='both')}"))
    return scale, R


def _eigen(d: Derivation, Cmat, name: str):
    with d.group(f"Eigenvalues and eigenvectors of {name}",
                 text=f"The principal components are the unit eigenvectors of {name}, ordered by eigenvalue (the variance "
                      "along each)."):
        res = eigen_steps(d, Cmat, name=name, sign_rule=None, values_answer="eigenvalues")
    if res.repeated:
        d.note("Repeated eigenvalue", "Two components share an eigenvalue, so any orthonormal basis of their eigenspace is "
               "equally valid: those components (and their scores) are not unique.")
    return res.values, [tuple(v) for v in res.vectors]


def k_for_variance(ratios, target) -> int:
    """The fewest leading components whose explained-variance ratios add up to at least `target` (both paths)."""
    total = 0
    for j, r in enumerate(ratios):
        total = total + r
        exact = isinstance(total, sp.Basic) and total.is_Rational and isinstance(target, sp.Basic) and target.is_Rational
        if (total >= target) if exact else float(total) >= float(target) - 1e-12:
            return j + 1
    return len(ratios)


def _explained_variance(d: Derivation, p, lam, name: str, n: int | None) -> int:
    """The explained-variance ratios, the number of components kept (k, or the fewest that keep `min_variance`, at
    most min(N, d)), and the share of the variance they keep; returns k."""
    dim = len(lam)
    total = tame(sum(lam, sp.Integer(0)))
    ratios = []
    with d.group("Explained-variance ratios", text=f"Each eigenvalue is the variance along its component; their sum is the "
                                                   f"total variance tr {name} = {F.text(total, exact='both')}."):
        for j in range(dim):
            ratios.append(d.compute(f"Component {j + 1}", sym(f"r_{j + 1}"), EVR, {lam_j: lam[j], lam_sum: total}))
    d.conclude("Explained-variance ratios", value=F.math(ratios), answers=(make_answer("explained_variance_ratio", ratios),))
    target = p["min_variance"]
    if target is not None:
        need = k_for_variance(ratios, target)
        cum = [tame(sum(ratios[:j + 1], sp.Integer(0))) for j in range(dim)]
        d.table("Cumulative share of the variance", ["k", "share kept"], [[j + 1, c] for j, c in enumerate(cum)],
                text=f"Add the ratios in order until the share reaches {F.text(target)}: the first k where it does is the "
                     f"answer (scikit-learn's PCA(n_components={F.text(target)}) asks for more than {F.text(target)}, which "
                     "differs only when a share equals it exactly).")
        d.conclude("Components needed", text=f"{need} component{'s keep' if need > 1 else ' keeps'} "
                   f"{F.text(100 * cum[need - 1])}% of the variance, at least {F.text(100 * target)}%.",
                   answers=(make_answer("k_needed", need),))
        k = need
    else:
        k = p["k"] or 1
    kept = k if n is None else kept_components(n, dim, k)
    if n is not None:
        _capped_note(d, n, k, kept)
    share = tame(sum(ratios[:kept], sp.Integer(0)))
    d.conclude("Variance kept", text=f"The first {f'{kept} components keep' if kept > 1 else 'component keeps'} "
               f"{F.text(100 * share)}% of the total variance.", answers=(make_answer("variance_kept", share),))
    return kept


def _signs(d: Derivation, vecs, k: int, rule: str, scores=None):
    """The sign rule on the kept components (and their scores); (components E, scores, all vectors)."""
    flipped = []
    for j in range(k):
        probe = list(scores.col(j)) if rule == "largest-score" else vecs[j]
        if needs_flip(probe, "largest-loading" if rule == "largest-score" else rule):
            vecs[j] = negated(vecs[j])
            flipped.append(f"e{j + 1}")
    E = matrix(vecs[:k])
    if scores is not None:
        scores = tamed(scores * sp.diag(*[-1 if f"e{j + 1}" in flipped else 1 for j in range(k)]))
    comps = E.tolist()
    add_step(d, "note", "Sign of each component",
             text=f"An eigenvector is defined up to sign; each kept component is chosen so that {SIGN_TEXT[rule]}. "
                  + (f"Negated: {', '.join(flipped)}." if flipped else "None needed negating."))
    add_step(d, "conclude", f"Principal component{'s' if k > 1 else ''} (rows, largest eigenvalue first)",
             value=Math(r",\quad ".join(r"\mathbf{e}_{%d} = %s" % (j + 1, F.latex(c)) for j, c in enumerate(comps)),
                        ", ".join(f"e{j + 1} = {F.text(c)}" for j, c in enumerate(comps))),
             answers=(make_answer("components", comps, tolerance=tolerance("rows", "pca")),))
    return E, scores, vecs


def _scores_table(d: Derivation, rows, k: int):
    d.table("Scores (one row per sample)", ["sample"] + [f"PC{j + 1}" for j in range(k)],
            [[i + 1] + list(r) for i, r in enumerate(rows)], keys=("sample", *(f"pc{j + 1}" for j in range(k))),
            index=("sample",), text="Each entry is an answer: pc1@sample=2 is sample 2's score on the first component.",
            answer=make_answer("scores", [list(r) for r in rows], tolerance=tolerance("columns", "pca")))


def _whiten_rule(ddof: int) -> str:
    return ("z_kj = y_kj / sqrt(λ_j): each score divided by the square root of its component's eigenvalue (the variance "
            f"along it), so every whitened column has variance 1 (dividing by {'N - 1' if ddof else 'N'}, as the "
            "covariance did).")


def _whiten_steps(d: Derivation, scores, lam, k: int, ddof: int):
    n = scores.rows
    zero = [j for j in range(k) if is_zero(lam[j])]
    if zero:
        d.status = "undefined"
        d.note("Whitened scores", f"Component {zero[0] + 1} has eigenvalue 0 (no variance along it), so its scores cannot be "
                                  "divided by its square root: the whitened scores are undefined.")
        return
    roots = [tame(sp.sqrt(lam[j])) for j in range(k)]
    W = sp.ImmutableMatrix(n, k, lambda i, j: tame(scores[i, j] / roots[j]))
    add_step(d, "formula", "Whitening", text=_whiten_rule(ddof),
             formula=Math(r"z_{kj} = \frac{y_{kj}}{\sqrt{\lambda_j}}", "z_kj = y_kj / sqrt(λ_j)"),
             value=Math(r",\ ".join(r"\sqrt{\lambda_{%d}} = %s" % (j + 1, F.latex(r, exact="both")) for j, r in enumerate(roots)),
                        ", ".join(f"sqrt(λ{j + 1}) = {F.text(r, exact='both')}" for j, r in enumerate(roots))))
    _whitened_table(d, W.tolist(), k)


def _whitened_table(d: Derivation, rows, k: int):
    d.table("Whitened scores (one row per sample)", ["sample"] + [f"PC{j + 1} (whitened)" for j in range(k)],
            [[i + 1] + list(r) for i, r in enumerate(rows)], keys=("sample", *(f"pc{j + 1}_whitened" for j in range(k))),
            index=("sample",), text="Each entry is an answer: pc1_whitened@sample=2.",
            answer=make_answer("whitened_scores", [list(r) for r in rows], tolerance=tolerance("columns", "pca")))


def _solve_from_cov(d: Derivation, p, conv) -> Derivation:
    """PCA from a given covariance matrix: its eigen-decomposition, the explained variance and the components."""
    C = matrix(as_exact(p["C"]))
    dim = C.rows
    rule = conv["sign_rule"]
    if rule == "largest-score":
        raise InvalidInput("sign_rule", "The 'sign_rule' convention of pca cannot be 'largest-score' when only the "
                                        "covariance matrix C is given: there are no scores to look at. Use "
                                        "'first-positive' or 'largest-loading'.")
    d.given("The covariance matrix", C.tolist(), lhs=sym("C"))
    if C.is_zero_matrix:
        d.status = "undefined"
        d.note("No principal components", ZERO_COV)
        return d
    Cmat, name = C, "C"
    if p["standardize"]:
        _, Cmat = _standardize_steps(d, C, [f"X{j + 1}" for j in range(dim)], "")
        name = "R"
        add_step(d, "conclude", "The correlation matrix",
                 value=Math(f"R = {F.latex(Cmat.tolist(), exact='surd')}", f"R = {F.text(Cmat.tolist(), exact='surd')}"),
                 answers=(make_answer("cov", Cmat.tolist()),))
    lam, vecs = _eigen(d, Cmat, name)
    k = _explained_variance(d, p, lam, name, None)
    _signs(d, vecs, k, rule)
    return d


def _reconstruction_steps(d, Xm, means, scale, E, scores, lam, k, ddof, standardize):
    """x_hat = x_bar + (scores E) s (the kept components only), its squared errors, and their sum."""
    n, dim = Xm.shape
    recon = tamed(sp.ones(n, 1) * matrix([means]) + scores * E * sp.diag(*scale))
    sq = [tame(sum(((a - b) ** 2 for a, b in zip(Xm.row(i), recon.row(i))), sp.Integer(0))) for i in range(n)]
    sse = tame(sum(sq, sp.Integer(0)))
    std_t = " (s_i times it, to undo the standardization)" if standardize else ""
    d.table(f"Reconstruction from {k} component{'s' if k > 1 else ''}",
            ["sample"] + [Math(r"\hat{x}_{%d}" % (i + 1), f"xhat{i + 1}") for i in range(dim)] + [Math(r"\|x - \hat{x}\|^2", "||x - xhat||^2")],
            [[i + 1] + list(recon.row(i)) + [sq[i]] for i in range(n)],
            keys=("sample", *(f"xhat{i + 1}" for i in range(dim)), "squared_error"), index=("sample",),
            text=f"x_hat_k = x_bar + sum over the kept components of y_kj e_j{std_t}; the dropped components are set to 0. "
                 "Each entry is an answer: xhat1@sample=1, squared_error@sample=1.",
            answer=make_answer("reconstruction", recon.tolist()))
    if standardize:
        d.conclude("Reconstruction error", text="Sum of squared errors over the samples, in the original units.",
                   answers=(make_answer("reconstruction_error", sse),))
        return
    drop = tame(sum(lam[k:], sp.Integer(0)))
    ident = ERR_IDENTITY if ddof else dropped * N_
    add_step(d, "compute", "Reconstruction error",
             text="The squared error left is the variance along the dropped components: "
                  f"sum_k ||x_k - x_hat_k||^2 = ({'N - 1' if ddof else 'N'}) * (sum of the dropped eigenvalues); "
                  "the last column of the table sums to the same.",
             formula=equation(err, ident), substituted=substituted(err, ident, {N_: n, dropped: drop}),
             value=F.equals(err, sse), answers=(make_answer("reconstruction_error", sse),))


# ---- numeric path -----------------------------------------------------------------------------------


def pca_numeric(X: np.ndarray, k: int, ddof: int = 1, standardize: bool = False, sign_rule: str = "first-positive",
                method: str = "auto", min_variance=None):
    """PCA in float64. X is N x d (samples as rows). Returns a dict of arrays: mean, scale, cov (d x d or None),
    eigenvalues (all d, descending), components (k x d), scores (N x k), ratios (d), method, and the number of
    components asked (k, or the fewest that keep `min_variance` of the variance) and kept (at most min(N, d)), and
    the routine that decomposed (problems/_eigh.py: every eigenvalue, only the kept eigenvectors where SciPy runs).

    method "auto": eigh of the d x d covariance when d <= min(N, 2000) (features few); with more features than
    samples (N < d, N <= 2000), eigh of the N x N Gram matrix X_c X_c^T of the centred data (the same eigenvalues
    times N - ddof; each kept component is e_j = X_c^T u_j / sigma_j), unless a kept eigenvalue is too small
    for that division to keep its digits; otherwise a thin SVD of the centred data (N x d). Nothing N x N is
    formed from many samples; the covariance path takes X^T X - N x_bar x_bar^T when the means are small against
    the spread (UNCENTRED_GRAM_MAX), else centres a block of rows at a time (no copy of X either way); the others
    keep one centred copy."""
    X = np.asarray(X, dtype=np.float64)
    n, dim = X.shape
    want = k
    scale = np.ones(dim)
    if method == "auto":
        method = "eigh" if dim <= min(n, 2000) else "gram" if n <= 2000 else "svd"
    if method == "eigh" and not standardize:
        # the column sums as one matrix-vector product (a third of X.mean(axis=0)'s time on 20000 x 50); its
        # rounding (about sqrt(N) eps |x|) is kept only where the uncentred covariance is: |x| within 10 spreads
        mean = (np.ones(n) @ X) / n
        cov = _uncentred_cov(X, mean, n - ddof)
        if cov is None:   # far from the origin against the spread: numpy's pairwise mean, then centred blocks
            mean = X.mean(axis=0)
    else:
        mean, cov = X.mean(axis=0), None
    if method == "eigh":  # few features: the centred data are formed a block of rows at a time, never whole
        if standardize:
            scale = np.sqrt(sum((B * B).sum(axis=0) for B in _centred(X, mean)) / (n - ddof))
        scale_by = scale if standardize else None
        if cov is None:
            cov = sum(B.T @ B for B in _centred(X, mean, scale_by)) / (n - ddof)
        eig = Eigen(cov, want if min_variance is None else None)   # all the eigenvalues; k vectors when asked
        w = eig.values
        ratios, asked, k = _kept(w, n, dim, want, min_variance)
        comps = eig.vectors(k).T.copy()
        if not standardize and np.sqrt(mean @ mean + max(w.sum(), 0.0)) <= UNCENTRED_MAX * np.sqrt(max(w[k - 1], 0.0)):
            # (x - x_bar) e = x e - x_bar e: no pass of centring; as (E X^T)^T, a sixth faster than X E^T with
            # OpenBLAS (k rows of output against N columns), the scores as a column-major N x k array
            scores = (comps @ X.T).T - comps @ mean
        else:
            scores = np.concatenate([B @ comps.T for B in _centred(X, mean, scale_by)])
        return _signed(mean, scale, cov, w, comps, scores, ratios, method, k, asked, sign_rule, eig.how)
    Xc = X - mean
    if standardize:
        scale = np.sqrt((Xc * Xc).sum(axis=0) / (n - ddof))
        Xc /= scale
    cov = None
    if method == "gram":
        eig = Eigen(Xc @ Xc.T, want if min_variance is None else None, overwrite=True)   # (a temporary)
        g = eig.values.copy()
        g[g <= n * np.finfo(float).eps * g[0]] = 0.0  # rounding (the centred data always have one zero eigenvalue)
        w = np.zeros(dim)
        w[:n] = g / (n - ddof)
        ratios, asked, k = _kept(w, n, dim, want, min_variance)
        if g[k - 1] > GRAM_MIN_RATIO * g[0]:
            U = eig.vectors(k)   # e_j = X_c^T u_j / sigma_j: unit, X_c e_j = sigma_j u_j
            comps = (Xc.T @ (U / np.sqrt(g[:k]))).T
            how = eig.how
        else:  # a kept eigenvalue near the rounding of the largest: the SVD keeps its digits
            method = "svd"
    if method == "svd":
        how = "numpy.linalg.svd"
        _, S, comps = np.linalg.svd(Xc, full_matrices=False)
        w = np.zeros(dim)
        w[:S.size] = S ** 2 / (n - ddof)
        ratios, asked, k = _kept(w, n, dim, want, min_variance)
    if dim * dim <= 4 * MAX_ANSWER_ENTRIES:
        cov = (Xc.T @ Xc) / (n - ddof)
    comps = comps[:k].copy()
    return _signed(mean, scale, cov, w, comps, Xc @ comps.T, ratios, method, k, asked, sign_rule, how)


#: The scores come from x e - x_bar e (uncentred) when the samples' size, sqrt(|x_bar|^2 + sum of the eigenvalues),
#: is at most this many times the smallest kept component's spread: its rounding, about 1e-16 of |x|, then stays
#: below 1e-12 of every score's spread; data far from the origin are centred first.
UNCENTRED_MAX = 1e4

#: The covariance comes from X^T X - N x_bar x_bar^T (no pass of centring, as scikit-learn's covariance_eigh) only
#: when every feature's mean square is at most this many times its spread about the mean (at most 2 of float64's
#: 16 digits lost to the subtraction); features far from 0 against their spread are centred first, by blocks.
UNCENTRED_GRAM_MAX = 100.0


def _uncentred_cov(X, mean, divisor):
    """The covariance from the uncentred X^T X when the rounding allows it (UNCENTRED_GRAM_MAX), else None."""
    n = X.shape[0]
    G = X.T @ X
    square = np.diag(G)
    spread = square - n * mean * mean  # sum_k (x_kj - x_bar_j)^2, to the rounding that the test bounds
    if not np.all(spread * UNCENTRED_GRAM_MAX >= square) or not np.all(spread > 0):
        return None
    G -= n * np.outer(mean, mean)
    return G / divisor


#: Rows of centred data formed at a time on the covariance path (a block stays in cache for its product).
BLOCK_ROWS = 4096


def _centred(X, mean, scale=None):
    """The centred (and, with `scale`, standardized) data, a block of BLOCK_ROWS rows at a time, each written into
    the same buffer (a fresh block per step cost more in page faults than the subtraction itself)."""
    buf = np.empty((min(BLOCK_ROWS, X.shape[0]), X.shape[1]))
    for i in range(0, X.shape[0], BLOCK_ROWS):
        B = np.subtract(X[i:i + BLOCK_ROWS], mean, out=buf[:min(BLOCK_ROWS, X.shape[0] - i)])
        if scale is not None:
            B /= scale
        yield B


def _kept(w, n, dim, k, min_variance):
    """(explained-variance ratios, components asked, components kept) from the eigenvalues w (descending)."""
    total = w.sum()
    ratios = w / total if total > 0 else np.zeros(dim)
    asked = k_for_variance(list(ratios), min_variance) if min_variance is not None else k
    return ratios, asked, kept_components(n, dim, asked)


def _signed(mean, scale, cov, w, comps, scores, ratios, method, k, asked, sign_rule, how):
    """pca_numeric's result, each component (and its scores) signed by the rule; `how`: the routine that ran."""
    signs = sign_fix_np(comps, sign_rule, scores)
    comps *= signs[:, None]
    scores *= signs[None, :]
    return {"mean": mean, "scale": scale, "cov": cov, "eigenvalues": w, "components": comps, "scores": scores,
            "ratios": ratios, "method": method, "k": k, "asked": asked, "routine": how}


#: The Gram path keeps a component only when its eigenvalue is at least this share of the largest: dividing by
#: sigma_j multiplies the eigenvector's rounding (about 1e-16 of the largest eigenvalue) by sigma_1 / sigma_j,
#: at most 1e3 here, far inside the answers' 1e-9 relative tolerance; smaller kept eigenvalues take the SVD.
GRAM_MIN_RATIO = 1e-6


def solve_numeric(p, conv) -> Derivation:
    d = Derivation()
    if p["C"] is not None:
        return _numeric_from_cov(d, p, conv)
    X = as_float(_samples(p))
    n, dim = X.shape
    ddof = _ddof(conv)
    r = pca_numeric(X, p["k"] or 1, ddof, p["standardize"], conv["sign_rule"], min_variance=p["min_variance"])
    # identical samples leave only the mean's rounding as variance; only then is the full comparison needed
    noise = dim * (4 * n * np.finfo(float).eps) ** 2 * float(np.max(r["mean"] ** 2))
    if r["eigenvalues"].sum() <= noise and not (X != X[0]).any():  # all samples identical
        d.status = "undefined"
        d.conclude("No principal components", text=NO_VARIANCE,
                   answers=(make_answer("mean", tuple(X.mean(axis=0)), tolerance=tolerance(rel=1e-9)),
                            make_answer("cov", [[0.0] * dim for _ in range(dim)])))
        return d
    k = r["k"]
    recon = None
    if n * dim <= MAX_ANSWER_ENTRIES:
        recon = r["mean"] + (r["scores"] @ r["components"]) * r["scale"]
        sse = float(((X - recon) ** 2).sum())
    elif p["standardize"]:  # in the original units, a block of rows at a time (no N x d temporaries)
        sse = float(sum(((X[i:i + BLOCK_ROWS] - (r["mean"] + (r["scores"][i:i + BLOCK_ROWS] @ r["components"]) * r["scale"]))
                         ** 2).sum() for i in range(0, n, BLOCK_ROWS)))
    else:  # the identity sum ||x - x_hat||^2 = (N - ddof) * (sum of the dropped eigenvalues): no N x d temporary
        sse = float((n - ddof) * r["eigenvalues"][k:].sum())
    how = {"eigh": "eigh of the d x d covariance matrix (few features)",
           "gram": "eigh of the N x N Gram matrix of the centred data (more features than samples), each component "
                   "e_j = X_cᵀ u_j / σ_j from its eigenvector u_j",
           "svd": "a thin SVD of the centred N x d data (more features than samples)"}[r["method"]]
    add_step(d, "note", "Numeric path", text=f"{n} samples x {dim} features in float64: {how}, by {r['routine']}; "
             f"covariance divisor {'N - 1' if ddof else 'N'}; signs: {SIGN_TEXT[conv['sign_rule']]}.")
    _capped_note(d, n, r["asked"], k)
    tol = tolerance(rel=1e-9)
    answers = [make_answer("mean", r["mean"], tolerance=tol)]
    if r["cov"] is not None and dim * dim <= MAX_ANSWER_ENTRIES:
        answers.append(make_answer("cov", r["cov"], tolerance=tol))
    answers += [make_answer("eigenvalues", r["eigenvalues"], tolerance=tol),
                make_answer("components", r["components"], tolerance=tolerance("rows", "pca", 1e-9)),
                make_answer("explained_variance_ratio", r["ratios"], tolerance=tol),
                make_answer("variance_kept", float(r["ratios"][:k].sum()), tolerance=tol)]
    if p["min_variance"] is not None:
        answers.append(make_answer("k_needed", int(r["asked"])))
    left = []
    if n * k <= MAX_ANSWER_ENTRIES:
        answers.append(make_answer("scores", r["scores"], tolerance=tolerance("columns", "pca", 1e-9)))
    else:
        left.append(f"scores ({n} x {k})")
    white = None
    if p["whiten"]:
        lam = r["eigenvalues"][:k]
        if np.any(lam <= 1e-12 * max(float(r["eigenvalues"][0]), 1e-300)):
            d.status = "undefined"
            left.append("whitened scores (a kept component has eigenvalue 0)")
        else:
            white = r["scores"] / np.sqrt(lam)
            if n * k <= MAX_ANSWER_ENTRIES:
                answers.append(make_answer("whitened_scores", white,
                                           tolerance=tolerance("columns", "pca", 1e-9)))
    if n * dim <= MAX_ANSWER_ENTRIES:
        answers.append(make_answer("reconstruction", recon, tolerance=tol))
    else:
        left.append(f"reconstruction ({n} x {dim})")
    answers.append(make_answer("reconstruction_error", sse, tolerance=tolerance(rel=1e-8)))
    d.conclude("PCA", text=f"The first {f'{k} components keep' if k > 1 else 'component keeps'} "
               f"{F.text(100 * r['ratios'][:k].sum())}% of the variance."
               + (f" Whitening: {_whiten_rule(ddof)}" if p["whiten"] else "")
               + (f" Not listed: {', '.join(left)}." if left else ""),
               answers=answers)
    if n <= NUMERIC_TABLE_ROWS:  # the trace entries as answers (pc1@sample=2), as on the exact path
        d.table("Scores (one row per sample)", ["sample"] + [f"PC{j + 1}" for j in range(k)],
                NumberedRows(r["scores"]), keys=("sample", *(f"pc{j + 1}" for j in range(k))),
                index=("sample",), text="Each entry is an answer: pc1@sample=2 is sample 2's score on the first component.")
        if white is not None:
            d.table("Whitened scores (one row per sample)", ["sample"] + [f"PC{j + 1} (whitened)" for j in range(k)],
                    NumberedRows(white),
                    keys=("sample", *(f"pc{j + 1}_whitened" for j in range(k))), index=("sample",),
                    text="Each entry is an answer: pc1_whitened@sample=2.")
    if dim == 2 and n <= 2000:
        d.extras["svg_title"] = "Data, principal axes and projections"
        d.extras["svg"] = pca_svg(X, list(r["mean"]), _all_components(r, dim), list(r["eigenvalues"]), k,
                                  list(r["scale"]))
    return d


#: The numeric path lists the scores as an addressable table up to this many samples.
NUMERIC_TABLE_ROWS = 500


def _numeric_from_cov(d: Derivation, p, conv) -> Derivation:
    C = as_float(p["C"])
    dim = C.shape[0]
    rule = conv["sign_rule"]
    if rule == "largest-score":
        raise InvalidInput("sign_rule", "The 'sign_rule' convention of pca cannot be 'largest-score' when only the "
                                        "covariance matrix C is given: there are no scores to look at. Use "
                                        "'first-positive' or 'largest-loading'.")
    if not np.any(C):
        d.status = "undefined"
        d.note("No principal components", ZERO_COV)
        return d
    answers = []
    if p["standardize"]:
        s = np.sqrt(np.diag(C))
        C = C / np.outer(s, s)
        np.fill_diagonal(C, 1.0)
        answers.append(make_answer("cov", C, tolerance=tolerance(rel=1e-9)))
    w, V = np.linalg.eigh(C)
    w, V = w[::-1], V[:, ::-1]
    total = w.sum()
    ratios = w / total
    k = k_for_variance(list(ratios), p["min_variance"]) if p["min_variance"] is not None else (p["k"] or 1)
    comps = V.T[:k].copy()
    comps *= sign_fix_np(comps, rule)[:, None]
    add_step(d, "note", "Numeric path", text=f"The {dim} x {dim} {'correlation' if p['standardize'] else 'covariance'} "
             f"matrix decomposed in float64 with numpy.linalg.eigh; signs: {SIGN_TEXT[rule]}.")
    tol = tolerance(rel=1e-9)
    answers += [make_answer("eigenvalues", w, tolerance=tol),
                make_answer("explained_variance_ratio", ratios, tolerance=tol)]
    if p["min_variance"] is not None:
        answers.append(make_answer("k_needed", int(k)))
    answers += [make_answer("variance_kept", float(ratios[:k].sum()), tolerance=tol),
                make_answer("components", comps, tolerance=tolerance("rows", "pca", 1e-9))]
    d.conclude("PCA from the covariance matrix", text=f"The first {f'{k} components keep' if k > 1 else 'component keeps'} "
               f"{F.text(100 * ratios[:k].sum())}% of the variance.", answers=answers)
    return d


def _all_components(r, dim):
    if r["components"].shape[0] == dim:
        return r["components"]
    e1 = r["components"][0]
    return np.vstack([e1, [-e1[1], e1[0]]])  # in 2-D the second axis is the perpendicular


# ---- the plot ---------------------------------------------------------------------------------------


def pca_svg(X, mean, comps, lam, k, scale=None, size: int = 360) -> str:
    """Hand-written SVG (problems/_svg.py): the samples, the mean, the principal axes (half-length 2 sqrt(lambda))
    and each sample's projection on the kept component(s) (2-D data only)."""
    X = np.asarray(X, dtype=np.float64)
    mean = np.asarray(mean, dtype=np.float64)
    scale = np.ones(2) if scale is None else np.asarray(scale, dtype=np.float64)
    E = np.asarray(comps, dtype=np.float64)
    lam = np.maximum(np.asarray(lam, dtype=np.float64), 0)
    Xc = (X - mean) / scale
    proj = mean + ((Xc @ E[:k].T) @ E[:k]) * scale
    ends = [(mean - 2 * np.sqrt(lam[j]) * E[j] * scale, mean + 2 * np.sqrt(lam[j]) * E[j] * scale) for j in range(2)]
    plot = Plot2D(np.vstack([X, proj, *[np.vstack(e) for e in ends]]), size=size,
                  title="PCA: data, principal axes and projections")
    colours = ("#d62728", "#1f77b4")
    plot.ticks()
    for j in range(2):   # each axis through the mean, its arrow along +e_j (the sign the convention chose)
        plot.line(ends[j][0], mean, colours[j], width=2, dash="" if j < k else "6 4")
        plot.line(mean, ends[j][1], colours[j], width=2, dash="" if j < k else "6 4", arrow=True)
        plot.text(ends[j][1], f"PC{j + 1}", dx=4, dy=-4, fill=colours[j])
    if k < 2:
        for a, b in zip(X, proj):
            plot.line(a, b, "#888", dash="3 3")
            plot.circle(b, 3, colours[0])
    for i, a in enumerate(X):
        plot.circle(a, 4, "black", tooltip=f"sample {i + 1}")
    h = 5 * plot.span / (plot.size - 2 * plot.margin)  # 5 pixels in data units: a cross marks the mean
    plot.line(mean - [h, 0], mean + [h, 0], "black", width=2)
    plot.line(mean - [0, h], mean + [0, h], "black", width=2)
    plot.text(mean, "mean", dx=6, dy=14)
    return plot.svg()


# ---- random instances -------------------------------------------------------------------------------


def generate(rng: np.random.Generator) -> dict:
    """Integer data, 4-6 samples of 2 features, chosen as an exam's data are: the covariance entries are multiples of
    1/2, so the characteristic polynomial has simple coefficients and its roots a short closed form. (Three features
    give a cubic, which random data almost never let factor by hand; the eigen family covers 3 x 3 matrices.)"""
    while True:
        n = int(rng.integers(4, 7))
        X = rng.integers(0, 16, size=(n, 2))
        Xc = X - X.mean(axis=0)
        C = Xc.T @ Xc / (n - 1)
        if not np.allclose(2 * C, np.round(2 * C), atol=1e-9):  # covariance entries: halves at worst
            continue
        w, V = np.linalg.eigh(C)
        # resample until the covariance has distinct, non-zero eigenvalues (unique components up to sign) and no
        # sign rule meets a tie (distinct loading and score magnitudes, no zero loading)
        if w.min() < 0.5 or np.min(np.diff(w)) < 0.5:
            continue
        E = V[:, ::-1].T
        S = Xc @ E.T
        if np.any(np.abs(E) < 1e-3):
            continue
        top2 = lambda a: np.sort(np.abs(a))[-2:]  # noqa: E731
        if any(np.diff(top2(e))[0] < 1e-3 for e in E) or any(np.diff(top2(S[:, j]))[0] < 1e-3 for j in range(2)):
            continue
        return {"X": [[int(x) for x in r] for r in X], "k": 1}
