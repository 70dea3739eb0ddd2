"""A standalone LaTeX document (compiles with pdflatex; amsmath only)."""
from __future__ import annotations

import re

from ..steps import Solution, Table
from .walk import STATUS_TEXT, numbered

_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
            "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_UNICODE = {"≥": r"$\geq$", "≤": r"$\leq$", "·": r"$\cdot$", "∞": r"$\infty$", "−": "-", "×": r"$\times$",
            "→": r"$\to$", "≈": r"$\approx$", "η": r"$\eta$", "β": r"$\beta$", "σ": r"$\sigma$", "±": r"$\pm$",
            "ε": r"$\epsilon$", "λ": r"$\lambda$", "‖": r"$\|$", "≠": r"$\neq$", "√": r"$\surd$",
            # the maths of convention instructions on exam papers ("w ← w − η m̂ / √(v̂ + ε)")
            "←": r"$\leftarrow$", "α": r"$\alpha$", "γ": r"$\gamma$", "δ": r"$\delta$", "μ": r"$\mu$",
            "θ": r"$\theta$", "ρ": r"$\rho$", "∇": r"$\nabla$", "⊙": r"$\odot$", "∑": r"$\sum$",
            "²": r"$^{2}$", "³": r"$^{3}$", "₀": r"$_{0}$", "₁": r"$_{1}$", "₂": r"$_{2}$", "ₜ": r"$_{t}$"}
#: a letter with a combining accent (m̂, x̄, ṽ) as its LaTeX accent
_ACCENT = re.compile(r"(\$\\[a-z]+\$|[A-Za-z])([\u0302\u0304\u0303])")
_ACCENT_CMD = {"\u0302": "hat", "\u0304": "bar", "\u0303": "tilde"}


def escape(s: str) -> str:
    out = "".join(_SPECIAL.get(ch, ch) for ch in s)
    for k, v in _UNICODE.items():
        out = out.replace(k, v)
    return _ACCENT.sub(lambda m: "$\\" + _ACCENT_CMD[m.group(2)] + "{" + m.group(1).strip("$") + "}$", out)


def _table(t: Table) -> list[str]:
    cols = "r" * len(t.columns)
    lines = [r"\begin{center}", r"\begin{tabular}{%s}" % cols, r"\hline",
             " & ".join(f"${c.latex}$" for c in t.columns) + r" \\ \hline"]
    lines += [" & ".join(escape(c) for c in r) + r" \\" for r in t.rows]
    lines += [r"\hline", r"\end{tabular}", r"\end{center}"]
    return lines


def render_latex(sol: Solution) -> str:
    out = [r"\documentclass{article}", r"\usepackage{amsmath,amssymb}", r"\usepackage[margin=2cm]{geometry}",
           r"\begin{document}", r"\section*{%s}" % escape(sol.title), r"\paragraph{Problem.} " + sol.rich_statement.latex(escape)]
    if sol.conventions:
        out.append(r"\paragraph{Conventions used.}")
        out.append(r"\begin{itemize}")
        out += [r"\item \texttt{%s} = \texttt{%s}: %s" % (escape(c.name), escape(c.choice), escape(c.description))
                for c in sol.conventions]
        out.append(r"\end{itemize}")
    out.append(r"\subsection*{Solution}")
    for num, depth, s in numbered(sol):
        out.append(r"\paragraph{%s. %s}" % (num, escape(s.title)))
        if s.text:
            out.append(escape(s.text))
        maths = [m.latex for m in (s.formula, s.substituted) if m]
        if s.value and (s.formula is None or s.value.latex != s.formula.latex):
            maths.append(s.value.latex)
        if maths:
            out.append(r"\begin{gather*}" + r" \\ ".join(maths) + r"\end{gather*}")
        if s.table:
            out += _table(s.table)
    out.append(r"\subsection*{Answers}")
    out.append("Status: " + STATUS_TEXT[sol.status] + ".")
    out.append(r"\begin{itemize}")
    for name, a in sol.answers.items():
        if isinstance(a.value, list) and a.value and isinstance(a.value[0], dict):
            continue
        unit = " " + escape(a.unit) if a.unit else ""
        out.append(r"\item \textbf{%s} $= %s$%s" % (escape(name), a.latex, unit))
    out.append(r"\end{itemize}")
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"
