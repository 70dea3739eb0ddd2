"""Reading exam questions as written: `read(text) -> Reading`, `ask(text) -> Answered`.

    >>> import solver
    >>> r = solver.read("Minimise f(x) = x^2 by gradient descent with learning rate 0.1 from x = 1, two steps")
    >>> r.params["lr"], r.fields["lr"].quote, r.params["steps"]
    ('0.1', 'learning rate 0.1', '2')

Deterministic and offline: regular expressions and the vocabulary the families declare (Param
aliases and cues, Convention cues, KEYWORDS); no model, no network. The reader in this package
knows no family by name. See solver.reading.reader for what a Reading holds.
"""
from __future__ import annotations

from .ask import Answered, ask, reading_text
from .reader import MAX_QUESTION_CHARS, FieldReading, Reading, read

__all__ = ["read", "ask", "Reading", "FieldReading", "Answered", "reading_text", "MAX_QUESTION_CHARS"]
