"""Normalising a question's text while remembering where every character came from.

Exams write the same thing many ways: `β₁ = 0.9`, `$\\beta_1 = 0.9$`, `beta_1 = 0.9`; `10⁻⁸`,
`10^{-8}`, `1e-8`; `½`, `\\frac{1}{2}`; a unicode minus; matrices as `\\begin{bmatrix}`. `normalize`
rewrites all of them into one plain spelling (ASCII operators, Greek letters as names, subscripts as
`_1`, superscripts as `^2`, LaTeX matrices as `[[1, 2], [3, 4]]`) and keeps, for every character of
the result, the span of the original text it came from, so that the reader can quote the question's
own words as the evidence for each field it fills.

Everything here is regular expressions and a bounded brace matcher: no eval, no sympify, linear time.
"""
from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from typing import Callable, Iterable

__all__ = ["Text", "normalize", "GREEK"]


@dataclass
class Text:
    """A string with, for each character, the start and end offsets of the original text it came from."""

    s: str
    a: list[int]
    b: list[int]

    @classmethod
    def of(cls, s: str) -> "Text":
        return cls(s, list(range(len(s))), list(range(1, len(s) + 1)))

    def span(self, i: int, j: int) -> tuple[int, int]:
        """The original span of normalised characters [i, j)."""
        if not self.s:
            return (0, 0)
        i = max(0, min(i, len(self.s) - 1))
        j = max(i + 1, min(j, len(self.s)))
        return (self.a[i], self.b[j - 1])

    def edit(self, edits: Iterable[tuple[int, int, str]]) -> "Text":
        """Replace the (non-overlapping, sorted) ranges [i, j) by new text; new characters map to the range."""
        out, oa, ob = [], [], []
        last = 0
        for i, j, new in edits:
            if i < last:
                continue
            out.append(self.s[last:i])
            oa.extend(self.a[last:i])
            ob.extend(self.b[last:i])
            if new:
                lo = self.a[i] if i < len(self.s) else (self.b[-1] if self.b else 0)
                hi = self.b[j - 1] if j > i else lo
                out.append(new)
                oa.extend([lo] * len(new))
                ob.extend([hi] * len(new))
            last = j
        out.append(self.s[last:])
        oa.extend(self.a[last:])
        ob.extend(self.b[last:])
        return Text("".join(out), oa, ob)

    def sub(self, pattern: re.Pattern, repl: Callable[[re.Match], str | None] | str) -> "Text":
        edits = []
        for m in pattern.finditer(self.s):
            new = repl if isinstance(repl, str) else repl(m)
            if new is None or new == m.group(0):
                continue
            edits.append((m.start(), m.end(), new))
        return self.edit(edits) if edits else self


# ---- character tables -----------------------------------------------------------------------------------

GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ϵ": "epsilon", "ζ": "zeta",
    "η": "eta", "θ": "theta", "ϑ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu", "µ": "mu",
    "ν": "nu", "ξ": "xi", "π": "pi", "ρ": "rho", "σ": "sigma", "ς": "sigma", "τ": "tau", "υ": "upsilon",
    "φ": "phi", "ϕ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega",
    "Γ": "Gamma", "Δ": "Delta", "Θ": "Theta", "Λ": "Lambda", "Σ": "Sigma", "Φ": "Phi", "Ψ": "Psi", "Ω": "Omega",
    "∇": "nabla", "∂": "partial",
}
_LATEX_GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta", "iota",
    "kappa", "lambda", "mu", "nu", "xi", "pi", "rho", "varrho", "sigma", "tau", "upsilon", "phi", "varphi", "chi",
    "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Sigma", "Phi", "Psi", "Omega", "nabla", "partial",
}
_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺⁽⁾ⁿᵗⁱ", "0123456789-+()nti")
_SUBSCRIPT = str.maketrans("₀₁₂₃₄₅₆₇₈₉₋₊₍₎ₜᵢⱼₖₙₘ", "0123456789-+()tijknm")
_FRACTIONS = {"½": "1/2", "⅓": "1/3", "⅔": "2/3", "¼": "1/4", "¾": "3/4", "⅕": "1/5", "⅖": "2/5", "⅗": "3/5",
              "⅘": "4/5", "⅙": "1/6", "⅚": "5/6", "⅛": "1/8", "⅜": "3/8", "⅝": "5/8", "⅞": "7/8", "⅒": "1/10"}
_SYMBOLS = {
    "≥": ">=", "≤": "<=", "≠": "!=", "⩾": ">=", "⩽": "<=", "→": "->", "⟶": "->", "⇒": "->", "↦": "->", "⟹": "->",
    "←": "<-", "⟵": "<-", "∞": "inf", "∑": "sum", "ℝ": "R", "∈": " in ", "÷": "/", "·": "*", "⋅": "*", "∙": "*",
    "∗": "*", "“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "′": "'", "…": "...", "〈": "⟨", "〉": "⟩",
    "⟨": "⟨", "⟩": "⟩", "‖": "||", "∣": "|", "≈": "≈", "≃": "≈", "≅": "≈", "∼": "~", "−": "-", "﹣": "-", "－": "-",
    "‐": "-", "‑": "-", "‒": "-", "⁄": "/", "∕": "/", "√": "sqrt",
}
_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060\ufeff\u00ad]")


def _is_wordish(ch: str) -> bool:
    return ch.isalnum()


def _pad_name(s: str, i: int, j: int, name: str) -> str:
    """A Greek letter's name, with a space where it would otherwise run into a neighbouring word."""
    left = " " if i > 0 and _is_wordish(s[i - 1]) else ""
    right = " " if j < len(s) and s[j].isalpha() else ""
    return left + name + right


# ---- LaTeX -------------------------------------------------------------------------------------------------

_MATRIX_ENV = re.compile(r"\\begin\{(?P<env>[bpvBV]?matrix\*?|smallmatrix|array)\}(?:\{[^{}]{0,40}\})?"
                         r"(?P<body>.*?)\\end\{(?P=env)\}", re.S)
_OTHER_ENV = re.compile(r"\\(?:begin|end)\{[a-zA-Z*]{1,20}\}(?:\{[^{}]{0,40}\})?")
_BRACED_CMDS = {
    "frac": 2, "dfrac": 2, "tfrac": 2, "cfrac": 2, "sqrt": 1,
    "hat": 1, "widehat": 1, "tilde": 1, "widetilde": 1, "bar": 1, "overline": 1, "vec": 1, "dot": 1,
    "mathbf": 1, "boldsymbol": 1, "bm": 1, "mathrm": 1, "mathit": 1, "mathcal": 1, "mathbb": 1, "mathsf": 1,
    "mathscr": 1, "text": 1, "textbf": 1, "textit": 1, "textrm": 1, "operatorname": 1, "mbox": 1,
    "underbrace": 1, "overbrace": 1, "tag": 1, "label": 1, "color": 1, "textcolor": 2, "boxed": 1,
}
_ACCENT = {"hat": "_hat", "widehat": "_hat", "tilde": "_tilde", "widetilde": "_tilde", "bar": "_bar",
           "overline": "_bar", "dot": "_dot"}
_CMD = re.compile(r"\\([A-Za-z]+)\s*")
_LATEX_WORDS = {
    "cdot": " * ", "times": " × ", "div": " / ", "pm": " ± ", "le": " <= ", "leq": " <= ", "leqslant": " <= ",
    "ge": " >= ", "geq": " >= ", "geqslant": " >= ", "ne": " != ", "neq": " != ", "approx": " ≈ ", "sim": " ~ ",
    "to": " -> ", "rightarrow": " -> ", "Rightarrow": " -> ", "longrightarrow": " -> ", "implies": " -> ",
    "mapsto": " -> ", "leftarrow": " <- ", "gets": " <- ", "infty": " inf ", "in": " in ", "mid": " | ",
    "ldots": "...", "dots": "...", "cdots": "...", "vdots": " ", "ddots": " ", "langle": "⟨", "rangle": "⟩",
    "lVert": "||", "rVert": "||", "Vert": "||", "lvert": "|", "rvert": "|", "vert": "|", "lbrack": "[",
    "rbrack": "]", "quad": " ", "qquad": " ", "left": "", "right": "", "big": "", "Big": "", "bigg": "",
    "Bigg": "", "bigl": "", "bigr": "", "Bigl": "", "Bigr": "", "displaystyle": "", "textstyle": "",
    "limits": "", "nolimits": "", "therefore": " so ", "because": " since ", "forall": " for all ",
    "exists": " exists ", "top": "T", "intercal": "T", "prime": "'", "circ": " o ", "odot": " * ",
    "otimes": " * ", "ast": "*", "star": "*", "hline": " ", "newline": "\n", "cr": "\n", "nonumber": "",
    "notag": "", "sum": " sum ", "prod": " prod ", "log": "log", "ln": "ln", "exp": "exp", "sin": "sin",
    "cos": "cos", "tan": "tan", "tanh": "tanh", "max": "max", "min": "min", "arg": "arg", "argmax": "argmax",
    "argmin": "argmin", "det": "det", "lim": "lim", "sgn": "sgn", "percent": "%",
}
_BRACE_LIMIT = 2000  # characters a braced argument may span (a runaway "{" does not make this quadratic)


def _match_brace(s: str, i: int) -> int:
    """Index just past the "}" matching the "{" at s[i], or -1."""
    depth = 0
    stop = min(len(s), i + _BRACE_LIMIT)
    k = i
    while k < stop:
        c = s[k]
        if c == "\\" and k + 1 < stop:
            k += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return k + 1
        k += 1
    return -1


def _braced_args(s: str, j: int, n: int) -> tuple[list[str], int] | None:
    """n arguments after position j: each {...} or a single character/digit; (args, end) or None."""
    args = []
    for _ in range(n):
        while j < len(s) and s[j] == " ":
            j += 1
        if j >= len(s):
            return None
        if s[j] == "{":
            e = _match_brace(s, j)
            if e < 0:
                return None
            args.append(s[j + 1:e - 1])
            j = e
        elif s[j] == "[":  # \sqrt[n]{x}: the optional index
            e = s.find("]", j, j + 20)
            if e < 0:
                return None
            args.append("[" + s[j + 1:e] + "]")
            j = e + 1
            n += 1  # pragma: no cover - only \sqrt takes one
        elif s[j].isalnum():
            args.append(s[j])
            j += 1
        else:
            return None
    return args, j


def _latex_commands(t: Text) -> Text:
    """\\frac, \\sqrt, accents and font commands (innermost first, so nesting works), then the rest."""
    for _ in range(40):  # nesting depth bound
        s = t.s
        edits = []
        last = -1
        for m in _CMD.finditer(s):
            name = m.group(1)
            if name not in _BRACED_CMDS or m.start() < last:
                continue
            j = m.end()
            n = _BRACED_CMDS[name]
            idx = None
            if name == "sqrt" and j < len(s) and s[j] == "[":
                e = s.find("]", j, j + 20)
                if e < 0:
                    continue
                idx, j = s[j + 1:e].strip(), e + 1
            got = _braced_args(s, j, n)
            if got is None:
                continue
            args, end = got
            if any("\\" in a and _CMD.search(a) and _CMD.search(a).group(1) in _BRACED_CMDS for a in args):
                continue  # an inner command first (next round)
            if name in ("frac", "dfrac", "tfrac", "cfrac"):
                a, b = args[0].strip(), args[1].strip()
                if re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", a) and re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", b):
                    new = f"({a}/{b})"
                else:
                    new = f"(({args[0]})/({args[1]}))"
            elif name == "sqrt":
                new = f"sqrt({args[0]})" if not idx else f"(({args[0]})^(1/{idx}))"
            elif name in _ACCENT:
                new = args[0].strip() + _ACCENT[name]
            elif name in ("tag", "label", "color"):
                new = " "
            elif name == "textcolor":
                new = args[1]
            elif name in ("text", "textbf", "textit", "textrm", "mbox", "operatorname"):
                new = " " + args[0] + " "
            else:
                new = args[0]
            edits.append((m.start(), end, new))
            last = end
        if not edits:
            break
        t = t.edit(edits)
    return t


def _latex_matrix(m: re.Match) -> str:
    body = m.group("body")
    rows = [r for r in re.split(r"\\\\(?:\[[^\]]{0,10}\])?", body)]
    rows = [r.replace(r"\hline", " ").strip() for r in rows]
    rows = [r for r in rows if r]
    cells = [[c.strip() for c in r.split("&")] for r in rows]
    if not cells:
        return " "
    if len(cells) == 1:
        return " [" + ", ".join(cells[0]) + "] "
    if all(len(r) == 1 for r in cells):
        return " [" + ", ".join(r[0] for r in cells) + "]^T "
    return " [" + ", ".join("[" + ", ".join(r) + "]" for r in cells) + "] "


def _latex_word(s: str):
    def repl(m: re.Match) -> str | None:
        name = m.group(1)
        if name in _LATEX_GREEK:
            base = {"varepsilon": "epsilon", "vartheta": "theta", "varphi": "phi", "varrho": "rho"}.get(name, name)
            nxt = s[m.end()] if m.end() < len(s) else ""
            spaced = m.group(0) != "\\" + name or nxt.isalpha()
            left = " " if m.start() > 0 and s[m.start() - 1].isalnum() else ""
            return left + base + (" " if spaced else "")
        if name in _LATEX_WORDS:
            return _LATEX_WORDS[name]
        return " " + name + " "
    return repl


_LATEXISH = re.compile(r"\\[A-Za-z]{2,}|\$|\\\(|\\\[")


def _latex(t: Text) -> Text:
    t = t.sub(_MATRIX_ENV, _latex_matrix)
    t = t.sub(_OTHER_ENV, " ")
    t = t.sub(re.compile(r"\\\\(?:\[[^\]]{0,10}\])?"), "\n")
    t = t.sub(re.compile(r"\\[{}]"), lambda m: "⦃" if m.group(0) == "\\{" else "⦄")
    t = t.sub(re.compile(r"\\[%&#_$]"), lambda m: m.group(0)[1])
    t = t.sub(re.compile(r"\\[,;:! ]|~"), " ")
    t = t.sub(re.compile(r"\\\||\\[()\[\]]"), lambda m: "||" if m.group(0) == "\\|" else " ")
    t = _latex_commands(t)
    # sub- and superscript groups: x_{t-1} -> x_(t-1), x^{-8} -> x^-8, e^{-kt} -> e^(-kt)
    for _ in range(10):
        before = t.s
        t = t.sub(re.compile(r"([_^])\{([^{}]{0,80})\}"), _script)
        if t.s == before:
            break
    t = t.sub(_CMD, _latex_word(t.s))
    t = t.sub(re.compile(r"\$+"), " ")
    t = t.sub(re.compile(r"[{}]"), "")
    t = t.sub(re.compile(r"[⦃⦄]"), lambda m: "{" if m.group(0) == "⦃" else "}")
    # aligned equations' "&" (matrices were converted above)
    t = t.sub(re.compile(r"&"), " ")
    return t


def _script(m: re.Match) -> str:
    mark, inner = m.group(1), m.group(2).strip()
    if re.fullmatch(r"[A-Za-z0-9]+|-?[0-9.]+|[A-Za-z]+_?[0-9]*", inner):
        return mark + inner
    return mark + "(" + inner + ")"


# ---- unicode -------------------------------------------------------------------------------------------------

_SUP_RUN = re.compile(r"[⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺⁽⁾ⁿᵗⁱ]+")
_SUB_RUN = re.compile(r"[₀₁₂₃₄₅₆₇₈₉₋₊₍₎ₜᵢⱼₖₙₘ]+")
_COMBINING = re.compile(r"([A-Za-z])([\u0302\u0303\u0304\u0305\u0307])")
_COMBINING_NAMES = {"\u0302": "_hat", "\u0303": "_tilde", "\u0304": "_bar", "\u0305": "_bar", "\u0307": "_dot"}
_PRECOMPOSED = {"ŷ": "y_hat", "Ŷ": "Y_hat", "ĉ": "c_hat", "ĝ": "g_hat", "ŵ": "w_hat", "ẑ": "z_hat",
                "ā": "a_bar", "ē": "e_bar", "ō": "o_bar", "ū": "u_bar", "ỹ": "y_tilde", "õ": "o_tilde", "ẋ": "x_dot"}
_GREEK_RE = re.compile("[" + "".join(GREEK) + "]")
_SYMBOL_RE = re.compile("|".join(re.escape(k) for k in sorted(_SYMBOLS, key=len, reverse=True)))
_FRACTION_RE = re.compile("[" + "".join(_FRACTIONS) + "]")
_FULLWIDTH = re.compile(r"[\uff01-\uff5e]")
_ROOT = re.compile(r"√\s*([0-9]+(?:\.[0-9]+)?|[A-Za-z]\w*)")
_DASH_MINUS = re.compile(r"(?<![\w)\]])[–—](?=\s?\d)")
_HTML_SUP = re.compile(r"<sup>\s*([^<>]{0,20}?)\s*</sup>", re.I)
_HTML_SUB = re.compile(r"<sub>\s*([^<>]{0,20}?)\s*</sub>", re.I)
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]{0,10}(?:\s[^<>]{0,200})?/?>")
_HTML_ENTITY = re.compile(r"&(?:#[0-9]{1,6}|#x[0-9a-fA-F]{1,5}|[A-Za-z]{2,8});")
_MD_BOLD = re.compile(r"\*\*|__(?=\w)|(?<=\w)__")
_RANK_K = re.compile(r"\b(rank)-(?=[0-9])", re.I)
_MD_ESCAPE = re.compile(r"\\([*_#>`\[\]()|-])")


def _sup(m: re.Match) -> str:
    body = m.group(0).translate(_SUPERSCRIPT)
    return "^" + (body if len(body) == 1 or re.fullmatch(r"-?[0-9]+|[a-z]", body) else "(" + body + ")")


def _sub(m: re.Match) -> str:
    return "_" + m.group(0).translate(_SUBSCRIPT)


def _unicode(t: Text) -> Text:
    t = t.sub(_FULLWIDTH, lambda m: unicodedata.normalize("NFKC", m.group(0)))
    t = t.sub(_SUP_RUN, _sup)
    t = t.sub(_SUB_RUN, _sub)
    t = t.sub(_FRACTION_RE, lambda m: ("(" + _FRACTIONS[m.group(0)] + ")"))
    t = t.sub(re.compile("[" + "".join(_PRECOMPOSED) + "]"), lambda m: _PRECOMPOSED[m.group(0)])
    t = t.sub(_COMBINING, lambda m: m.group(1) + _COMBINING_NAMES[m.group(2)])
    t = t.sub(_DASH_MINUS, "-")
    t = t.sub(_ROOT, lambda m: "sqrt(" + m.group(1) + ")")
    s = t.s
    t = t.sub(_GREEK_RE, lambda m: _pad_name(s, m.start(), m.end(), GREEK[m.group(0)]))
    t = t.sub(_SYMBOL_RE, lambda m: _SYMBOLS[m.group(0)])
    return t


# ---- the whole pass --------------------------------------------------------------------------------------------

def normalize(raw: str) -> Text:
    """The question in one plain spelling, with the original span of every character (see the module doc)."""
    t = Text.of(raw)
    t = t.sub(re.compile(r"\r\n?"), "\n")
    t = t.sub(_INVISIBLE, "")
    t = t.sub(_SPACES, " ")
    t = t.sub(_HTML_SUP, lambda m: ("^" + m.group(1)) if re.fullmatch(r"-?[0-9]+", m.group(1)) else m.group(1))
    t = t.sub(_HTML_SUB, lambda m: "_" + m.group(1))
    t = t.sub(_HTML_TAG, " ")
    t = t.sub(_HTML_ENTITY, lambda m: html.unescape(m.group(0)))
    t = t.sub(_MD_BOLD, "")
    if _LATEXISH.search(t.s):
        t = _latex(t)
    else:  # LaTeX habits outside maths: 10^{-8}, x_{t-1}, "\ " as a space
        t = t.sub(re.compile(r"\\[,;:! ]"), " ")
        for _ in range(5):
            before = t.s
            t = t.sub(re.compile(r"([_^])\{([^{}]{0,80})\}"), _script)
            if t.s == before:
                break
    t = t.sub(_MD_ESCAPE, lambda m: m.group(1))
    t = t.sub(_RANK_K, lambda m: m.group(1) + " ")  # "a rank-1 approximation": the rank 1, not -1
    t = _unicode(t)
    t = t.sub(re.compile(r"[ \t]*\n[ \t]*\n[\s]*"), "\n\n")
    t = t.sub(re.compile(r" {2,}"), " ")
    return t
