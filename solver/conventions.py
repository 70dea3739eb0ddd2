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
    #: option -> the phrases a question uses to state it ("sqrt(v) + eps", "divide by N - 1"), for the
    #: question reader (solver.reading); a phrase with a symbol in it is matched ignoring spaces and case
    cues: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self):
        if self.default not in self.options:
            raise ValueError(f"default {self.default!r} of convention {self.name!r} is not an option")
        for what, table in (("sources", self.sources), ("paper", self.paper)):
            unknown = [k for k in table if k not in self.options]
            if unknown:
                raise ValueError(f"{what} of convention {self.name!r} name unknown options {unknown}")
        for opt, phrases in self.cues.items():
            if opt not in self.options:
                raise ValueError(f"cue option {opt!r} of convention {self.name!r} is not an option")
            if isinstance(phrases, str):
                raise ValueError(f"cues of convention {self.name!r} for {opt!r} must be a tuple of phrases")

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
    {"inside": "epsilon inside the square root: w -= eta * g / sqrt(v + eps) (the course notes, week 5, and the "
               "introductory slides)",
     "outside": "epsilon outside the square root: w -= eta * g / (sqrt(v) + eps) (torch, the handwritten notes and "
                "the end-term assignment)"},
    default="inside", why_default="the course notes (week 5) write sqrt(v + eps)",
    cues={"inside": ("epsilon inside the square root", "eps inside the square root", "inside the root",
                       "sqrt(v + eps)", "sqrt(v+epsilon)", "sqrt(v_hat + eps)", "sqrt(G + eps)"),
          "outside": ("epsilon outside the square root", "eps outside the square root", "outside the root",
                      "sqrt(v) + eps", "sqrt(v_hat) + eps", "sqrt(G) + eps", "as in pytorch", "pytorch's adam",
                      "torch.optim")},
)

BIAS_CORRECTION = Convention(
    "bias_correction", "Bias correction of the moving averages",
    {"on": "moments divided by 1 - beta^t, with t = 1 at the first step",
     "off": "no bias correction: the raw moving averages are used (first steps are much smaller)"},
    default="on", why_default="Adam as published and as every note uses it",
    cues={"on": ("bias correction", "bias-corrected", "bias corrected", "correct for the bias",
                  "correcting for the bias", "bias-corrected m_hat", "bias-corrected v_hat"),
          "off": ("without bias correction", "no bias correction", "ignore bias correction", "ignore the bias correction",
                  "without correcting for the bias", "do not correct for the bias", "no bias-correction")},
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
    cues={"n-1": ("divide by n-1", "divide by n - 1", "divided by n-1", "divided by n - 1", "1/(n-1)",
                   "sample covariance", "unbiased covariance", "unbiased estimate", "bessel's correction"),
          "n": ("divide by n", "divided by n", "population covariance", "biased covariance", "biased estimate",
                "1/n sum", "(1/n)")},
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
    cues={"largest-loading": ("as scikit-learn", "scikit-learn's sign")},
)

LOG_BASE = Convention(
    "log_base", "Base of the logarithm",
    {"e": "natural logarithm: results in nats", "2": "logarithm base 2: results in bits",
     "10": "logarithm base 10: results in hartleys (bans)"},
    default="e", why_default="the natural log is what scipy and torch use and what the course notes use for cross-entropy",
    cues={"2": ("bits", "log base 2", "base 2", "base-2", "log_2", "log2", "in bits"),
          "e": ("nats", "natural log", "natural logarithm", "ln", "base e", "in nats"),
          "10": ("hartleys", "bans", "log base 10", "base 10", "log_10", "log10")},
)
