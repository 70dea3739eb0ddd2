"""LaTeX -> Typst maths (solver.exam.typstmath): the constructs our formulas use, and that the result compiles."""
from __future__ import annotations

import pytest

from solver.exam.typstmath import convert, to_typst

typst = pytest.importorskip("typst")


@pytest.mark.parametrize("latex,want", [
    (r"\frac{a}{b}", "frac(a, b)"),
    (r"\sqrt{x + 1}", "sqrt(x + 1)"),
    (r"\sqrt[3]{x}", "root(3, x)"),
    (r"\hat{y} = \sigma\left(z\right)", "hat(y) = σ ( z )"),
    (r"\mathbf{w}^{\top}\mathbf{x}", "upright(bold(w))^(⊤) upright(bold(x))"),
    (r"w_{t+1}", "w_(t + 1)"),
    (r"\eta^{\mathrm{eff}}_{t}", 'η^("eff")_(t)'),
    (r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}", 'mat(delim: "(", 1, 2; 3, 4)'),
    (r"\begin{cases} 1 & \text{if } x \geq 0 \\ 0 & \text{otherwise} \end{cases}",
     'cases(1 & "if " x ≥ 0, 0 & "otherwise")'),
    (r"\operatorname{Var}(w)", 'op("Var") ( w )'),
    (r"\mathrm{running\_var}", '"running_var"'),
    (r"\lVert g \rVert", "norm(g)"),
    (r"\log_{2}\left(\frac{1}{p}\right)", "log _(2) ( frac(1, p) )"),
    (r"\#\mathrm{params}", '\\# "params"'),
    (r"1/n", "1 \\/ n"),                       # a slash is a fraction in Typst: escaped
    (r"\underbrace{a + b}_{n}", "underbrace(a + b, n)"),
    (r"AB", "A B"),                            # letters apart: "AB" would be one unknown variable
])
def test_converts_constructs(latex, want):
    assert to_typst(latex) == want


def test_commas_inside_arguments_are_escaped_but_tuples_are_not():
    assert to_typst(r"\sqrt{a, b}") == r"sqrt(a \, b)"
    assert to_typst(r"\frac{\left(1, 2\right)}{3}") == "frac(( 1 , 2 ), 3)"


def test_unknown_command_degrades_to_text():
    out, unknown = convert(r"\foo{x} + 1")
    assert unknown == ["foo"]
    assert '"foo"' in out


def _compile(formulas):
    fonts = typst.Fonts(include_system_fonts=False)
    comp = typst.Compiler(font_paths=fonts, ignore_system_fonts=True)
    doc = "#set document(date: none)\n" + "\n\n".join(f"$ {to_typst(f)} $" for f in formulas)
    pdf, _warnings = comp.compile_with_warnings(doc.encode(), format="pdf")
    return pdf


def test_awkward_input_still_compiles():
    """Unbalanced brackets inside an argument (a half-open interval), quotes, hashes, stray braces."""
    _compile([r"\frac{[0, 1)}{2}", r"\sqrt{(a}", r'\text{a "quoted" # $ word}', r"x}", r"\left. x \right|_{0}",
              r"\mathrm{d}x / \mathrm{d}t", r"\foo\bar{y}", r"{}^{2}", r"a \| b", r"\left\{ x \right\}"])


def test_every_family_example_formula_compiles():
    """Every formula of every family's worked example (statement to answers) converts and compiles."""
    from solver.registry import families

    formulas = set()
    for fam in families().values():
        sol = fam.solve_example()
        for s in sol.walk():
            formulas.update(m.latex for m in (s.formula, s.substituted, s.value) if m)
            if s.table:
                formulas.update(c.latex for c in s.table.columns)
        formulas.update(a.latex for a in sol.answers.values())
    unknown = {name for f in formulas for name in convert(f)[1]}
    assert not unknown, f"commands the converter does not know: {sorted(unknown)}"
    assert _compile(sorted(formulas)).startswith(b"%PDF")
