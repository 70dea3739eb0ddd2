"""Named conventions: the silent choices that change exam answers, each with a default and a sentence.

A convention has a name (`eps_placement`), options each explained in one sentence, and a default with
the reason for it. A family lists the conventions it depends on; every Solution records the choice it
used; a user switches any of them per call (`-c eps_placement=outside`). Conventions shared by several
families are defined once here (the catalogue below), so "epsilon inside the square root" means the
same thing in AdaGrad, RMSProp, Adam and NAdam.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Mapping

from .params import InvalidInput
from .steps import ConventionUse


@dataclass(frozen=True)
class Convention:
    name: str
    title: str
    options: Mapping[str, str]  # option -> the sentence a solution prints when it uses it
    default: str
    why_default: str = ""
    aliases: Mapping[str, str] = field(default_factory=dict)
    #: option -> who uses it, in words a reader recognises ("PyTorch's torch.optim.Adam; Kingma & Ba 2015;
    #: the course notes, week 5 (Adam)"); never an internal id
    sources: Mapping[str, str] = field(default_factory=dict)
    #: option -> the instruction a question paper prints so a student knows which form is meant
    #: ("Use ε inside the square root: w ← w − η ĝ / √(v̂ + ε)."); only conventions that change an answer
    paper: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self):
        if self.default not in self.options:
            raise ValueError(f"default {self.default!r} of convention {self.name!r} is not an option")
        for what, table in (("sources", self.sources), ("paper", self.paper)):
            unknown = [k for k in table if k not in self.options]
            if unknown:
                raise ValueError(f"{what} of convention {self.name!r} name unknown options {unknown}")

    def with_default(self, default: str, why: str = "") -> "Convention":
        """The same convention with another default (a family whose notes use the other form)."""
        return replace(self, default=default, why_default=why or self.why_default)

    def choose(self, raw: str, family: str = "") -> str:
        key = str(raw).strip().lower()
        for opt in self.options:
            if key == opt.lower():
                return opt
        for alias, opt in self.aliases.items():
            if key == alias.lower():
                return opt
        where = f" of {family}" if family else ""
        raise InvalidInput(self.name, f"The '{self.name}' convention{where} must be one of "
                           + ", ".join(repr(o) for o in self.options) + f". Got {str(raw)[:60]!r} instead.")

    def use(self, choice: str) -> ConventionUse:
        return ConventionUse(self.name, choice, self.options[choice])

    def schema(self) -> dict:
        return {"name": self.name, "title": self.title, "options": dict(self.options), "default": self.default,
                "why_default": self.why_default, "sources": dict(self.sources), "paper": dict(self.paper)}


def resolve(conventions: tuple[Convention, ...], raw: Mapping[str, str] | None, family: str = "") -> dict[str, str]:
    """Defaults overridden by the user's choices; an unknown name or option raises InvalidInput naming it."""
    raw = dict(raw or {})
    known = {c.name: c for c in conventions}
    for name in raw:
        if not isinstance(name, str) or not name.strip():
            raise InvalidInput("conventions", f"A convention of {family or 'this family'} has an empty name; "
                               f"its conventions: {', '.join(known) or 'none'}.")
        if name not in known:
            names = ", ".join(known) or "none"
            raise InvalidInput(name, f"{family or 'This family'} has no convention '{name}' (its conventions: {names}).")
    return {c.name: (c.choose(raw[c.name], family) if c.name in raw and raw[c.name] not in (None, "") else c.default)
            for c in conventions}


# ---- The catalogue: conventions more than one family uses ------------------------------------------

EPS_PLACEMENT = Convention(
    "eps_placement", "Where epsilon goes in the denominator",
    {"inside": "epsilon inside the square root: w -= eta * g / sqrt(v + eps) (course notes 000, 002)",
     "outside": "epsilon outside the square root: w -= eta * g / (sqrt(v) + eps) (torch, notes 001, 003)"},
    default="inside", why_default="lecture notes 000 write sqrt(v + eps)",
)

BIAS_CORRECTION = Convention(
    "bias_correction", "Bias correction of the moving averages",
    {"on": "moments divided by 1 - beta^t, with t = 1 at the first step",
     "off": "no bias correction: the raw moving averages are used (first steps are much smaller)"},
    default="on", why_default="Adam as published and as every note uses it",
)

COV_DIVISOR = Convention(
    "ddof", "Covariance divisor",
    {"n-1": "covariance divides by N - 1 (the sample covariance, as numpy.cov and scikit-learn's PCA)",
     "n": "covariance divides by N (the population covariance, as batch normalisation)"},
    default="n-1", why_default="the course notes' PCA example (end-term assignment, question 2) divides by N - 1",
    aliases={"1": "n-1", "0": "n", "N-1": "n-1", "N": "n"},
    sources={"n-1": "the course notes' end-term assignment, question 2 (PCA); numpy.cov and pandas' DataFrame.cov by "
                    "default; scikit-learn's PCA (explained_variance_); torch.cov (correction=1); Goodfellow et al., Deep "
                    "Learning, section 5.4.2 (the unbiased estimator of the variance)",
             "n": "numpy.cov(bias=True) and numpy.var by default; Bishop, Pattern Recognition and Machine Learning, "
                  "section 12.1 (PCA with 1/N); batch normalisation's variance (PyTorch's BatchNorm normalises with it)"},
    paper={"n-1": "Divide by N − 1 when you form the covariance matrix.",
           "n": "Divide by N when you form the covariance matrix."},
)

SIGN_RULE = Convention(
    "sign_rule", "Sign of eigenvectors",
    {"first-positive": "each eigenvector's first non-zero component is made positive (as the course notes' PCA example)",
     "largest-loading": "each eigenvector's (component's) largest-magnitude entry is made positive (as scikit-learn's PCA "
                        "from version 1.5)",
     "largest-score": "each score column's largest-magnitude entry is made positive, with its component (as "
                      "scikit-learn's PCA up to version 1.4)"},
    default="first-positive",
    why_default="it reproduces the course's answer on the data of the course notes' PCA example (end-term assignment, "
                "question 2)",
    sources={"first-positive": "the course notes' end-term assignment, question 2 (PCA), whose component "
                               "e1 = (0.5574, -0.8303) it reproduces",
             "largest-loading": "scikit-learn's PCA from version 1.5 (svd_flip on the components)",
             "largest-score": "scikit-learn's PCA up to version 1.4 (svd_flip on the scores)"},
    paper={"first-positive": "Take each eigenvector with its first non-zero entry positive.",
           "largest-loading": "Take the eigenvector whose largest-magnitude entry is positive.",
           "largest-score": "Choose the sign of each component so that its largest-magnitude score is positive."},
)

LOG_BASE = Convention(
    "log_base", "Base of the logarithm",
    {"e": "natural logarithm: results in nats", "2": "logarithm base 2: results in bits",
     "10": "logarithm base 10: results in hartleys (bans)"},
    default="e", why_default="the natural log is what scipy and torch use and what notes 004 use for cross-entropy",
)
