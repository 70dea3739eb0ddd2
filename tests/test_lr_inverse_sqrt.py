"""Issue 15: lr_schedule's inverse square-root schedule (Noam; fairseq's and Hugging Face's inverse_sqrt).

Oracles: the closed forms written here, Vaswani et al. 2017 ("Attention is all you need", section 5.3):
lr = d_model^-0.5 min(step^-0.5, step warmup^-1.5), and fairseq's inverse_sqrt (a linear warm-up from
warmup_init_lr to lr over warmup_updates, then lr sqrt(warmup_updates / step)); and torch 2.13's LambdaLR
stepped once per t, recorded below with the lambdas that produced them:

    noam = lambda s: d ** -0.5 * min(s ** -0.5, s * w ** -1.5) if s > 0 else 0.0
    LambdaLR(SGD([p], lr=1.0), noam)             # d = 512, w = 4000  -> NOAM_512
    LambdaLR(SGD([p], lr=2.0), noam)             # d = 64, w = 16 (the scale 2 as the base lr) -> NOAM_64
    LambdaLR(SGD([p], lr=0.001), lambda s: hf(s, 10))   # Hugging Face's get_inverse_sqrt_schedule's lambda
                                                 # (timescale = num_warmup_steps) -> HF
"""
from __future__ import annotations

import math

import pytest

import solver
from solver.params import InvalidInput

NOAM_512_T = [0, 1, 100, 2000, 3999, 4000, 4001, 8000, 16000]
NOAM_512 = [0.0, 1.746928107421711e-07, 1.746928107421711e-05, 0.0003493856214843422, 0.0006985965501579421,
            0.0006987712429686843, 0.000698683912937353, 0.0004941058844013093, 0.00034938562148434214]
NOAM_64_T = [0, 4, 15, 16, 17, 64, 100]
NOAM_64 = [0.0, 0.015625, 0.05859375, 0.0625, 0.06063390625908324, 0.03125, 0.025]
HF_T = [0, 1, 5, 9, 10, 11, 40, 90, 1000]
HF = [0.0, 0.0001, 0.0005, 0.0009000000000000001, 0.001, 0.0009534625892455923, 0.0005, 0.0003333333333333333, 0.0001]


def _lr(path, **kw):
    return solver.solve("lr_schedule", schedule="inverse_sqrt", path=path, **kw).answers["lr"].value


@pytest.mark.parametrize("path", ["exact", "numeric"])
def test_noam_against_torch_lambda_lr(path):
    got = _lr(path, d_model="512", warmup_steps="4000", at=" ".join(map(str, NOAM_512_T)))
    assert got == pytest.approx(NOAM_512, rel=1e-12)
    got = _lr(path, d_model="64", warmup_steps="16", scale="2", at=" ".join(map(str, NOAM_64_T)))
    assert got == pytest.approx(NOAM_64, rel=1e-12)


@pytest.mark.parametrize("path", ["exact", "numeric"])
def test_noam_closed_form(path):
    """Vaswani et al. 2017: d_model^-0.5 min(t^-0.5, t warmup^-1.5); the peak d_model^-0.5 warmup^-0.5 at t = warmup."""
    d, w, ts = 256, 100, [1, 50, 99, 100, 101, 400, 2500]
    want = [d ** -0.5 * min(t ** -0.5, t * w ** -1.5) for t in ts]
    assert _lr(path, d_model=str(d), warmup_steps=str(w), at=" ".join(map(str, ts))) == pytest.approx(want, rel=1e-12)
    assert _lr(path, d_model=str(d), warmup_steps=str(w), at="100") == pytest.approx([1 / math.sqrt(d * w)], rel=1e-12)


@pytest.mark.parametrize("path", ["exact", "numeric"])
def test_peak_form_against_hugging_face_lambda(path):
    """Without d_model, eta0 is the peak: a linear warm-up to it, then eta0 sqrt(T_w / t) on the global step."""
    assert _lr(path, eta0="0.001", warmup_steps="10", at=" ".join(map(str, HF_T))) == pytest.approx(HF, rel=1e-12)


@pytest.mark.parametrize("path", ["exact", "numeric"])
def test_peak_form_with_fairseq_warmup_init_lr(path):
    """fairseq's inverse_sqrt: warmup_init_lr = warmup_start x eta0 (1e-7 with lr 5e-4: warmup_start 0.0002)."""
    ts = [0, 1000, 3999, 4000, 16000, 64000]
    lr, init, w = 0.0005, 1e-7, 4000
    want = [init + t * (lr - init) / w if t < w else lr * math.sqrt(w / t) for t in ts]
    got = _lr(path, eta0="0.0005", warmup_steps="4000", warmup_start="0.0002", at=" ".join(map(str, ts)))
    assert got == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("path", ["exact", "numeric"])
def test_inverse_sqrt_without_warm_up(path):
    assert _lr(path, eta0="0.5", at="1 4 9 100") == pytest.approx([0.5, 0.25, 0.5 / 3, 0.05], rel=1e-12)


@pytest.mark.parametrize("path", ["exact", "numeric"])
def test_inverse_sqrt_ignores_after_warmup(path):
    """The warm-up is part of the schedule: chained and sequential give the same rates."""
    kw = dict(eta0="0.001", warmup_steps="10", at=" ".join(map(str, HF_T)), path=path, schedule="inverse_sqrt")
    a = solver.solve("lr_schedule", conventions={"after_warmup": "chained"}, **kw).answers["lr"].value
    assert a == pytest.approx(HF, rel=1e-12)


@pytest.mark.parametrize("path", ["exact", "numeric"])
def test_inverse_sqrt_bad_input_names_the_field(path):
    with pytest.raises(InvalidInput) as e:
        solver.solve("lr_schedule", schedule="inverse_sqrt", eta0="0.5", at="0 1", path=path)
    assert e.value.field == "at"
    with pytest.raises(InvalidInput) as e:
        solver.solve("lr_schedule", schedule="inverse_sqrt", d_model="512", at="1", path=path)
    assert e.value.field == "warmup_steps"
    with pytest.raises(InvalidInput) as e:
        solver.solve("lr_schedule", schedule="inverse_sqrt", d_model="512", warmup_steps="10", warmup_start="0.1",
                     at="1", path=path)
    assert e.value.field == "warmup_start"
    with pytest.raises(InvalidInput) as e:
        solver.solve("lr_schedule", schedule="inverse_sqrt", d_model="0", warmup_steps="10", at="1", path=path)
    assert e.value.field == "d_model"


def test_noam_is_read_from_a_question():
    from solver.reading import read

    r = read("A Transformer uses the Noam learning-rate schedule with d_model = 512 and 4000 warm-up steps. "
             "What is the learning rate at step 8000?")
    assert r.family == "lr_schedule" and r.fields["schedule"].value == "inverse_sqrt"
    assert r.fields["d_model"].value == "512" and r.fields["warmup_steps"].value == "4000"
    assert r.fields["at"].value in ("8000", "[8000]")
    r = read("The learning rate warms up linearly to 0.001 over 10 warm-up steps and then follows an inverse square root "
             "decay. What is the learning rate at step 40?")
    assert r.family == "lr_schedule" and r.fields["schedule"].value == "inverse_sqrt"
