"""SymPy functions the course notes use that SymPy lacks: sigmoid(x) = 1 / (1 + exp(-x)).

Kept as named functions (not rewritten to exp at once) so formulas print as the notes write them
(\\sigma(w x + b)) while evaluation and differentiation stay exact.
"""
from __future__ import annotations

import sympy as sp


class sigmoid(sp.Function):
    """Logistic sigmoid: sigma(x) = 1 / (1 + exp(-x)); sigma'(x) = sigma(x) (1 - sigma(x))."""

    @classmethod
    def eval(cls, x):
        if x.is_zero:
            return sp.Rational(1, 2)
        if x is sp.oo:
            return sp.Integer(1)
        if x is sp.S.NegativeInfinity:
            return sp.Integer(0)
        return None

    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return 1 / (1 + sp.exp(-x))

    def _eval_evalf(self, prec):
        return (1 / (1 + sp.exp(-self.args[0])))._eval_evalf(prec)

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_positive(self):
        if self.args[0].is_real:
            return True
        return None

    def _latex(self, printer, exp=None):
        inner = printer._print(self.args[0])
        tex = r"\sigma\left(%s\right)" % inner
        return tex if exp is None else r"%s^{%s}" % (tex, exp)

    def _sympystr(self, printer):
        return "sigmoid(%s)" % printer._print(self.args[0])


class relu(sp.Function):
    """Rectified linear unit: relu(x) = max(0, x); derivative 1 for x > 0, 0 for x < 0."""

    @classmethod
    def eval(cls, x):
        if x.is_number and x.is_real:
            return sp.Max(0, x)
        return None

    def fdiff(self, argindex=1):
        return sp.Heaviside(self.args[0], 0)

    def _eval_rewrite_as_Max(self, x, **kwargs):
        return sp.Max(0, x)

    def _latex(self, printer, exp=None):
        tex = r"\operatorname{ReLU}\left(%s\right)" % printer._print(self.args[0])
        return tex if exp is None else r"%s^{%s}" % (tex, exp)





class logb(sp.Function):
    """Logarithm to a fixed base: logb(x, b) = ln(x) / ln(b), printed \\log_{b}(x) as the notes write it."""

    @classmethod
    def eval(cls, x, b):
        if x == 1:
            return sp.Integer(0)
        if x == b:
            return sp.Integer(1)
        if x.is_Rational and b.is_Rational and x > 0 and b > 0 and b != 1 and max(abs(x.p), x.q, abs(b.p), b.q) < 10 ** 40:
            r = sp.log(x, b)   # exact where x is a power of b: log_2(1/4) = -2 (it showed as 2.0000 beside 1)
            if r.is_Rational:
                return r
        return None

    def fdiff(self, argindex=1):
        x, b = self.args
        if argindex == 1:
            return 1 / (x * sp.log(b))
        raise sp.ArgumentIndexError(self, argindex)

    def _eval_rewrite_as_log(self, x, b, **kwargs):
        return sp.log(x) / sp.log(b)

    def _eval_evalf(self, prec):
        x, b = self.args
        return (sp.log(x) / sp.log(b))._eval_evalf(prec)

    def _latex(self, printer, exp=None):
        x, b = self.args
        tex = r"\log_{%s}\left(%s\right)" % (printer._print(b), printer._print(x))
        return tex if exp is None else r"%s^{%s}" % (tex, exp)

    def _sympystr(self, printer):
        return "log%s(%s)" % (printer._print(self.args[1]), printer._print(self.args[0]))


__all__ = ["sigmoid", "relu", "logb"]
