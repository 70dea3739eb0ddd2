"""The course notes' mistakes in the information-theory and layer families, declared as data (ERRATA).

Each erratum's note appears for the instance the notes worked (on both paths) and not for a neighbouring one;
what a user reads names the notes in words, never by an internal id. The notes' texts are quoted from
../shared/worked-examples.md (ids in the comments).
"""
from __future__ import annotations

import re

import pytest

from solver import registry
from solver.render import render

FAMILIES = ["entropy", "cross_entropy", "kl_divergence", "binary_cross_entropy", "softmax", "activation",
            "batch_norm", "conv_shape", "dropout", "ensemble", "grad_clip", "init", "regularization"]

#: (family, the start of what the notes wrote) -> (an instance it applies to, one it does not: params, conventions)
CASES = {
    # WE-entropy-1: the surprise written 1/log(prob) (every instance: it is the notes' definition)
    ("entropy", "the surprise of an outcome once"): (({"p": "0.9 0.1", "base": "2"}, {}), None),
    # WE-cross-entropy-4: total 1.75 from losses rounded first
    ("cross_entropy", "Total = 1.75"): (({"q_true": "0.57 0.58 0.52"}, {}),
                                        ({"q_true": "0.57 0.58 0.52", "base": "2"}, {})),
    # WE-bce-1: the MSE derivative with a spurious factor 2, in the passage on dCE/dz
    ("binary_cross_entropy", "the derivative of MSE"): (({"y": "1", "logits": "0.4"}, {}), ({"y": "1", "p": "0.6"}, {})),
    # WE-activation-4, -3, -9/-5, the ELU and GELU slips of week 7, WE-activation-1
    ("activation", "'d sigma/dx ~ 1"): (({"function": "sigmoid", "x": "0"}, {}), ({"function": "tanh", "x": "0"}, {})),
    ("activation", "that the sigmoid saturates"): (({"function": "sigmoid", "x": "3 5"}, {}),
                                                   ({"function": "swish", "x": "3 5"}, {})),
    ("activation", "tanh(x) = 2 sigma(x) - 1"): (({"function": "tanh", "x": "1"}, {}),
                                                 ({"function": "sigmoid", "x": "1"}, {})),
    ("activation", "ELU as"): (({"function": "elu", "x": "-1"}, {}), ({"function": "selu", "x": "-1"}, {})),
    ("activation", "E(m x) = Phi(x) x"): (({"function": "gelu_sigmoid", "x": "1"}, {}), ({"function": "gelu", "x": "1"}, {})),
    ("activation", "maxout with two pieces"): (({"function": "maxout", "x": "-1 2", "pieces": "1 0; 0 0"}, {}),
                                               ({"function": "maxout", "x": "-1 2", "pieces": "1 0; 0 1"}, {})),
    # WE-batchnorm-1: var(y) = gamma^2 (the notes' general claim)
    ("batch_norm", "var(y) = gamma^2 for"): (({"X": "1 2; 3 -1; 0.5 4"}, {}), None),
    # WE-cnn-shapes-4, WE-cnn-shapes-5, WE-param-count-4
    ("conv_shape", "that strides 1, 2 and 4 fit"): (({"input": "7", "size": "1", "stride": "3"}, {}),
                                                    ({"input": "8", "size": "3", "stride": "3"}, {})),
    ("conv_shape", "LeNet's input"): (({"input": "32 32 1", "filters": "6", "size": "5"}, {}),
                                      ({"input": "32 32 1", "filters": "6", "size": "3"}, {})),
    ("conv_shape", "the parameters of the 500-unit layer"): (
        ({"input": "32 32 3", "filters": "100", "size": "4", "fc_units": "500"}, {}),
        ({"input": "32 32 3", "filters": "100", "size": "4", "fc_units": "400"}, {})),
    # WE-dropout-1 (the notes agree), WE-dropout-2 (the inverted-dropout formula)
    ("dropout", "a 64% probability"): (({"p": "0.8", "iterations": "1000"}, {}),
                                       ({"p": "0.8", "iterations": "1000"}, {"p_meaning": "drop"})),
    ("dropout", "inverted dropout as"): (({"p": "0.5"}, {"scaling": "inverted"}), ({"p": "0.5"}, {"scaling": "standard"})),
    # WE-bagging-1: 'nearly 36%'
    ("ensemble", "'nearly 36%"): (({"k": "3", "V": "2", "C": "0.5", "n": "10"}, {}), None),
    # WE-init-1 and WE-init-2
    ("init", "1/4, 1/3 and 2/7"): (({"layers": "4 3"}, {}), ({"layers": "4 3", "gain": "2"}, {})),
    # the lecture notes' sign of eta alpha w (week 6), WE-cross-entropy-1's targets
    ("regularization", "the update w_{t+1}"): (({"w": "1 -2"}, {}), None),
    ("regularization", "the targets 0.9 and 0.011"): (({"w": "1", "classes": "10", "smoothing": "0.1"}, {}),
                                                      ({"w": "1", "classes": "9", "smoothing": "0.1"}, {})),
}


def notes_text(sol) -> str:
    return "\n".join(s.text for s in sol.walk() if s.kind == "note")


def test_every_erratum_has_a_case():
    declared = {(f, e.wrote) for f in FAMILIES for e in getattr(registry.get(f).module, "ERRATA", ())}
    for family, wrote in declared:
        assert any(f == family and wrote.startswith(start) for f, start in CASES), (family, wrote)


@pytest.mark.parametrize("family,start", list(CASES))
def test_erratum_appears_for_its_instance_only(family, start):
    fam = registry.get(family)
    (params, conv), miss = CASES[(family, start)]
    for path in ("exact", "numeric"):
        sol = fam.solve(params, conv, path=path)
        assert start in notes_text(sol), (path, notes_text(sol))
    if miss is not None:
        assert start not in notes_text(fam.solve(*miss))


INTERNAL = re.compile(r"\bWE-|\b[Nn]otes 00\d")


@pytest.mark.parametrize("family", FAMILIES)
def test_no_internal_ids_in_what_a_user_reads(family):
    fam = registry.get(family)
    shown = [fam.description, fam.example.source, *(p.help or "" for p in fam.params),
             *(c.why_default for c in fam.conventions), *(t for c in fam.conventions for t in c.options.values())]
    for path in ("exact", "numeric"):
        sol = fam.solve_example(path=path)
        shown += [render(sol, "text"), render(sol, "markdown")]
    for text in shown:
        assert not INTERNAL.search(text), INTERNAL.search(text).group(0) + ": " + text[:200]
