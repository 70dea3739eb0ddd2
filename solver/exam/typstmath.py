"""LaTeX maths -> Typst maths, for the PDF exports (solver.exam.pdf).

The families write their formulas in LaTeX (SymPy's printer plus hand-written strings); the PDFs are
typeset by Typst, whose maths syntax differs: `\\frac{a}{b}` is `frac(a, b)`, `x_{t+1}` is `x_(t+1)`,
`\\begin{pmatrix} a & b \\\\ c & d \\end{pmatrix}` is `mat(delim: "(", a, b; c, d)`, letters next to
each other must be separated (`ab` would be a variable named "ab"), and `/`, `#`, `"`, `$`, `\\` are
syntax. This converter handles the LaTeX that the course's formulas use (fractions, roots, scripts,
accents, \\mathbf / \\mathrm / \\text / \\operatorname, \\left ... \\right, pmatrix/bmatrix/cases/aligned,
Greek, relations, big operators, spacing) with a small recursive-descent parser, and degrades
gracefully: an unknown command becomes its name in upright text, never a Typst syntax error.

Typst needs two things LaTeX does not: inside a function call's argument a bare `,` or `;` would
split the arguments, and an unmatched `(` or `[` would swallow the call's closing parenthesis. Every
argument is therefore emitted with its top-level commas and semicolons escaped and its unmatched
delimiters escaped.

    to_typst(r"\\hat{x} = \\frac{x - \\mu}{\\sqrt{\\sigma^{2} + \\epsilon}}")
    -> 'hat(x) = frac(x - μ, sqrt(σ^(2) + ϵ))'
"""
from __future__ import annotations

import re
from functools import lru_cache

_TOKEN = re.compile(r"\\[A-Za-z]+\*?|\\.|\d+(?:\.\d+)?|\s+|.", re.S)

_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ϵ", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν",
    "xi": "ξ", "pi": "π", "varpi": "ϖ", "rho": "ρ", "varrho": "ϱ", "sigma": "σ", "varsigma": "ς", "tau": "τ",
    "upsilon": "υ", "phi": "ϕ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω",
    "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ",
    "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}

_SYMBOLS = {
    # relations and operators
    "approx": "≈", "geq": "≥", "ge": "≥", "leq": "≤", "le": "≤", "neq": "≠", "ne": "≠", "equiv": "≡",
    "sim": "∼", "simeq": "≃", "cong": "≅", "propto": "∝", "ll": "≪", "gg": "≫", "times": "×", "cdot": "⋅",
    "div": "÷", "pm": "±", "mp": "∓", "ast": "∗", "star": "⋆", "circ": "∘", "bullet": "∙", "odot": "⊙",
    "otimes": "⊗", "oplus": "⊕", "oslash": "⊘", "ominus": "⊖", "cdotp": "·", "lt": "<", "gt": ">",
    "leqslant": "⩽", "geqslant": "⩾", "therefore": "∴", "because": "∵", "sqcup": "⊔", "uplus": "⊎",
    "preceq": "⪯", "succeq": "⪰", "prec": "≺", "succ": "≻", "lesssim": "≲", "gtrsim": "≳", "triangleq": "≜",
    "coloneqq": "≔", "doteq": "≐", "models": "⊨", "hookrightarrow": "↪", "nearrow": "↗", "searrow": "↘", "in": "∈", "notin": "∉", "ni": "∋", "subset": "⊂", "subseteq": "⊆",
    "supset": "⊃", "supseteq": "⊇", "cup": "∪", "cap": "∩", "setminus": "∖", "wedge": "∧", "land": "∧",
    "vee": "∨", "lor": "∨", "neg": "¬", "lnot": "¬", "forall": "∀", "exists": "∃", "emptyset": "∅",
    "varnothing": "∅", "mid": "∣", "parallel": "∥", "perp": "⟂", "top": "⊤", "bot": "⊥", "vdash": "⊢",
    # arrows
    "to": "→", "rightarrow": "→", "leftarrow": "←", "gets": "←", "leftrightarrow": "↔", "Rightarrow": "⇒",
    "Leftarrow": "⇐", "Leftrightarrow": "⇔", "implies": "⟹", "iff": "⟺", "Longrightarrow": "⟹",
    "Longleftarrow": "⟸", "Longleftrightarrow": "⟺", "longrightarrow": "⟶", "mapsto": "↦",
    "uparrow": "↑", "downarrow": "↓",
    # letters and misc
    "infty": "∞", "partial": "∂", "nabla": "∇", "ell": "ℓ", "hbar": "ℏ", "Re": "ℜ", "Im": "ℑ",
    "aleph": "ℵ", "prime": "′", "dots": "…", "ldots": "…", "cdots": "⋯", "vdots": "⋮", "ddots": "⋱",
    "angle": "∠", "triangle": "△", "square": "□", "checkmark": "✓", "dagger": "†", "S": "§",
    "langle": "⟨", "rangle": "⟩", "lceil": "⌈", "rceil": "⌉", "lfloor": "⌊", "rfloor": "⌋",
    "lvert": "|", "rvert": "|", "vert": "|", "lVert": "‖", "rVert": "‖", "Vert": "‖", "|": "‖",
    "backslash": "∖", "colon": ":",
    "sum": "sum", "prod": "product", "coprod": "product.co", "int": "integral", "iint": "integral.double",
    "oint": "integral.cont", "bigcup": "union.big", "bigcap": "sect.big",
    # spacing
    ",": "thin", ":": "med", ">": "med", ";": "thick", "!": "", " ": "thick", "quad": "quad", "qquad": "wide",
    "enspace": "med", "thinspace": "thin",
    # escaped characters
    "{": "\\{", "}": "\\}", "#": "\\#", "_": "\\_", "%": "%", "&": "\\&", "$": "\\$",
}

#: Operator names Typst knows (rendered upright, with proper spacing).
_OPS = {"log", "ln", "exp", "sin", "cos", "tan", "sinh", "cosh", "tanh", "cot", "sec", "csc", "arcsin",
        "arccos", "arctan", "det", "dim", "ker", "gcd", "lg", "Pr", "arg", "deg", "hom"}
#: Operators whose subscripts go underneath in display style.
_LIMIT_OPS = {"max", "min", "sup", "inf", "lim", "liminf", "limsup", "argmax", "argmin"}

_ACCENTS = {"hat": "hat", "widehat": "hat", "tilde": "tilde", "widetilde": "tilde", "bar": "macron",
            "overline": "overline", "underline": "underline", "vec": "arrow", "overrightarrow": "arrow",
            "dot": "dot", "ddot": "dot.double", "check": "caron", "breve": "breve", "acute": "acute",
            "grave": "grave", "mathring": "circle"}
_FONTS = {"mathbf": "upright(bold({}))", "bm": "bold({})", "boldsymbol": "bold({})", "mathit": "italic({})",
          "mathcal": "cal({})", "mathbb": "bb({})", "mathsf": "sans({})", "mathtt": "mono({})",
          "mathfrak": "frak({})", "mathscr": "cal({})", "mathrm": "upright({})", "mathnormal": "{}"}
_TEXTS = {"text", "textrm", "textnormal", "mbox", "textup", "textsf", "texttt", "textbf", "textit", "mathrm",
          "operatorname", "operatorname*"}
_MATRICES = {"pmatrix": '"("', "bmatrix": '"["', "Bmatrix": '"{"', "vmatrix": '"|"', "Vmatrix": '"||"',
             "matrix": "#none", "smallmatrix": "#none", "array": "#none"}
_DELIMS = {"(": "(", ")": ")", "[": "[", "]": "]", "\\{": "\\{", "\\}": "\\}", "|": "|", "\\|": "‖",
           "\\lvert": "|", "\\rvert": "|", "\\vert": "|", "\\lVert": "‖", "\\rVert": "‖", "\\Vert": "‖",
           "\\langle": "⟨", "\\rangle": "⟩", "\\lceil": "⌈", "\\rceil": "⌉", "\\lfloor": "⌊", "\\rfloor": "⌋",
           "/": "\\/", ".": "", "\\lbrace": "\\{", "\\rbrace": "\\}", "\\lbrack": "[", "\\rbrack": "]"}
_IGNORED = {"displaystyle", "textstyle", "scriptstyle", "limits", "nolimits", "left.", "right.", "nonumber",
            "notag", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr", "strut"}
# characters that are syntax in Typst maths
_ESCAPE_CHAR = {"/": "\\/", "#": "\\#", "$": "\\$", '"': '\\"', "@": "\\@", "~": "thick", "{": "\\{", "}": "\\}",
                "\\": "\\\\", "`": "\\`", "<": "<", ">": ">", "*": "*", "'": "'"}
_OPEN, _CLOSE = {"(", "["}, {")", "]"}


class _Group(list):
    """Items of one argument or sequence: strings, joined with spaces."""


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _is_close(item: str) -> bool:
    """A bare closing bracket, possibly carrying scripts: ")" or ")^(2)"."""
    return item[:1] in _CLOSE and (len(item) == 1 or item[1] in "^_'")


def _arg(items: list[str], in_call: bool = True) -> str:
    """Items joined as one function argument: top-level `,`/`;` escaped, unmatched brackets escaped.

    At the top level of a formula (`in_call=False`) commas stay bare, keeping their punctuation spacing."""
    items = list(items)
    stack: list[int] = []
    unmatched: set[int] = set()
    for k, it in enumerate(items):
        if it in _OPEN:
            stack.append(k)
        elif _is_close(it):
            if stack:
                stack.pop()
            else:
                unmatched.add(k)
    unmatched.update(stack)
    depth = 0
    out = []
    for k, it in enumerate(items):
        if k in unmatched:
            out.append("\\" + it)
            continue
        if it in _OPEN:
            depth += 1
        elif _is_close(it):
            depth -= 1
        elif depth == 0 and in_call and it in (",", ";"):
            it = "\\" + it
        out.append(it)
    return " ".join(x for x in out if x) or '""'


class _Parser:
    def __init__(self, src: str):
        self.toks = _TOKEN.findall(src)
        self.i = 0
        self.unknown: list[str] = []

    # -- tokens ------------------------------------------------------------------------------------
    def _skip_space(self):
        while self.i < len(self.toks) and self.toks[self.i].isspace():
            self.i += 1

    def peek(self) -> str | None:
        self._skip_space()
        return self.toks[self.i] if self.i < len(self.toks) else None

    def next(self) -> str | None:
        t = self.peek()
        if t is not None:
            self.i += 1
        return t

    # -- grammar -----------------------------------------------------------------------------------
    def sequence(self, stops: frozenset[str]) -> list[str]:
        items: list[str] = []
        while True:
            t = self.peek()
            if t is None or t in stops:
                return items
            if t in ("^", "_"):
                self.i += 1
                arg = self.argument()
                base = items.pop() if items else '""'
                items.append(f"{base}{t}({arg})")
                continue
            if t == "'" and items:
                self.i += 1
                items[-1] += "'"
                continue
            items.extend(self.atom())

    def argument(self) -> str:
        """A macro argument: a braced group or a single token (a command with its own arguments)."""
        t = self.peek()
        if t is None:
            return '""'
        if t == "{":
            self.i += 1
            inner = self.sequence(frozenset({"}"}))
            self.next()
            return _arg(inner)
        return _arg(self.atom())

    def raw_group(self) -> str:
        """The source text of a braced argument (for \\text and friends), braces balanced."""
        self._skip_space()
        if self.i >= len(self.toks):
            return ""
        if self.toks[self.i] != "{":
            return self.toks[self.next_index()]
        self.i += 1
        depth, parts = 1, []
        while self.i < len(self.toks):
            t = self.toks[self.i]
            self.i += 1
            if t == "{":
                depth += 1
            elif t == "}":
                depth -= 1
                if depth == 0:
                    break
            parts.append(t)
        return "".join(parts)

    def next_index(self) -> int:
        self.i += 1
        return self.i - 1

    def optional(self) -> str | None:
        if self.peek() == "[":
            self.i += 1
            inner = self.sequence(frozenset({"]"}))
            self.next()
            return _arg(inner)
        return None

    def atom(self) -> list[str]:
        t = self.next()
        if t is None:
            return []
        if t == "{":
            inner = self.sequence(frozenset({"}"}))
            self.next()
            if self.peek() in ("^", "_") and len(inner) > 1:
                return ["(" + " ".join(inner) + ")"]
            return inner
        if t == "}":  # stray closing brace
            return ["\\}"]
        if t.startswith("\\") and len(t) > 1:
            return self.command(t[1:])
        if t[0].isdigit():
            return [t]
        if t in _OPEN or t in _CLOSE or t in (",", ";", "=", "+", "-", "|", "!", "?", ".", ":", "<", ">", "&"):
            return [t]
        if t in _ESCAPE_CHAR:
            return [_ESCAPE_CHAR[t]]
        return [t]

    def command(self, name: str) -> list[str]:
        if name in _GREEK:
            return [_GREEK[name]]
        if name in ("frac", "dfrac", "tfrac", "cfrac"):
            a = self.argument()
            b = self.argument()
            return [f"frac({a}, {b})"]
        if name in ("binom", "dbinom", "tbinom"):
            a = self.argument()
            b = self.argument()
            return [f"binom({a}, {b})"]
        if name == "sqrt":
            n = self.optional()
            x = self.argument()
            return [f"root({n}, {x})" if n else f"sqrt({x})"]
        if name in ("underbrace", "overbrace", "underbracket", "overbracket"):
            body = self.argument()
            script = "_" if name.startswith("under") else "^"
            if self.peek() == script:
                self.i += 1
                return [f"{name}({body}, {self.argument()})"]
            return [f"{name}({body})"]
        if name in _ACCENTS:
            return [f"{_ACCENTS[name]}({self.argument()})"]
        if name in _TEXTS:
            return [self.text(name)]
        if name in _FONTS:
            return [_FONTS[name].format(self.argument())]
        if name in _OPS:
            return [name + " "]
        if name in _LIMIT_OPS:
            return [f'op("{name}", limits: #true)']
        if name == "left":
            return self.left_right()
        if name in ("lVert", "|"):  # a norm when it closes: \lVert x \rVert, \|x\|
            close = "\\rVert" if name == "lVert" else "\\|"
            start = self.i
            inner = self.sequence(frozenset({close}))
            if self.peek() == close:
                self.i += 1
                return [f"norm({_arg(inner)})"]
            self.i = start
            return ["‖"]
        if name == "right":  # unmatched \right: its delimiter alone
            d = self.next() or ""
            return [_DELIMS.get(d, "")]
        if name == "begin":
            return [self.environment()]
        if name == "\\":
            return ["\\"]
        if name in _IGNORED:
            return []
        if name in ("hspace", "vspace", "phantom", "label", "tag"):
            self.raw_group()
            return []
        if name in _SYMBOLS:
            return [_SYMBOLS[name]]
        self.unknown.append(name)
        return [_string(name)]

    def text(self, name: str) -> str:
        raw = self.raw_group()
        raw = re.sub(r"\\([_#%&${} ,;:])", lambda m: " " if m.group(1) in ",;:" else m.group(1), raw)
        raw = re.sub(r"\\([A-Za-z]+)", lambda m: _GREEK.get(m.group(1), _SYMBOLS.get(m.group(1), m.group(1))), raw)
        raw = raw.replace("~", " ").replace("$", "")
        s = _string(raw)
        if name.startswith("operatorname"):
            return f"op({s}" + (", limits: #true)" if name.endswith("*") else ")")
        if name == "textbf":
            return f"bold({s})"
        if name == "textit":
            return f"italic({s})"
        if name == "texttt":
            return f"mono({s})"
        return s

    def left_right(self) -> list[str]:
        ltok = self.next() or "."
        inner = self.sequence(frozenset({"\\right"}))
        rtok = "."
        if self.peek() == "\\right":
            self.i += 1
            rtok = self.next() or "."
        left, right = _DELIMS.get(ltok, ""), _DELIMS.get(rtok, "")
        if left in _OPEN and right in _CLOSE:
            # Typst scales matched brackets on its own
            return [left, *inner, right]
        body = _arg(inner)
        if left and right:
            return [f"lr({left} {body} {right})"]
        return [x for x in (left, body, right) if x]

    def environment(self) -> str:
        env = self.raw_group()
        if env == "array":
            self.raw_group()  # the column spec
        rows: list[list[str]] = [[]]
        stops = frozenset({"&", "\\\\", "\\end"})
        while True:
            cell = self.sequence(stops)
            t = self.next()
            rows[-1].append(_arg(cell))
            if t == "&":
                continue
            if t == "\\\\":
                rows.append([])
                continue
            if t == "\\end":
                self.raw_group()
            break
        if rows and rows[-1] == ['""']:
            rows.pop()
        if env in _MATRICES:
            body = "; ".join(", ".join(r) for r in rows)
            return f"mat(delim: {_MATRICES[env]}, {body})"
        if env in ("cases", "dcases"):
            return "cases(" + ", ".join(" & ".join(r) for r in rows) + ")"
        # aligned, align*, gather*, split, eqnarray: rows on lines, cells aligned at &
        return " \\ ".join(" & ".join(r) for r in rows)


def convert(latex: str) -> tuple[str, list[str]]:
    """(Typst maths, unknown command names) for one LaTeX formula."""
    p = _Parser(latex)
    items: list[str] = []
    while p.i < len(p.toks):
        items.extend(p.sequence(frozenset({"}"})))
        if p.peek() == "}":  # unbalanced closing brace at top level: keep it as a character
            p.i += 1
            items.append("\\}")
    return _arg(items, in_call=False), p.unknown


@lru_cache(maxsize=65536)
def to_typst(latex: str) -> str:
    """Typst maths for a LaTeX formula (without the surrounding `$`)."""
    return convert(latex)[0]
