"""conv_shape: 'same' padding solved for P, grouped and depthwise convolutions, pooling in ceil mode and a padding-only
layer (torch's nn.ZeroPad2d) in a network (issue 15).

Oracles: torch 2.13.0 shapes and parameter counts recorded below with the module that produced them (a live-torch
variant skips cleanly without torch), and closed forms. Sizes here are W x H x D; torch's tensors are N x D x H x W.
"""
from __future__ import annotations

import warnings

import pytest

from solver import registry
from solver.params import InvalidInput

PATHS = ("exact", "numeric")
FAM = registry.get("conv_shape")

# nn.Conv2d(D, K, F, padding="same", dilation=dil) on torch.zeros(1, D, H, W): (W, H, D, K, F, dil) -> output W x H x K,
# sum of the parameters' numel
SAME = [((32, 32, 3, 64, 3, 1), (32, 32, 64), 1792), ((32, 32, 3, 64, 4, 1), (32, 32, 64), 3136),
        ((28, 20, 3, 8, 5, 1), (28, 20, 8), 608), ((7, 7, 1, 1, 3, 2), (7, 7, 1), 10),
        ((10, 10, 2, 4, 2, 2), (10, 10, 4), 36)]
# nn.Conv2d(D, K, F, groups=g): (D, K, F, g) -> (parameters, weight.numel())
GROUPS = [((64, 128, 3, 4), 18560, 18432), ((64, 64, 3, 64), 640, 576), ((3, 3, 3, 3), 30, 27),
          ((6, 12, 5, 2), 912, 900), ((32, 64, 1, 32), 128, 64)]
# nn.MaxPool2d(F, S, P, ceil_mode=c) on torch.zeros(1, 1, H, W): (W, H, F, S, P) -> (floor W x H, ceil W x H)
POOL = [((6, 6, 3, 2, 1), (3, 3), (4, 4)), ((5, 5, 2, 2, 1), (3, 3), (3, 3)), ((14, 14, 3, 2, 0), (6, 6), (7, 7)),
        ((55, 55, 3, 2, 0), (27, 27), (27, 27)), ((7, 9, 2, 3, 1), (3, 4), (3, 4)), ((6, 6, 3, 3, 1), (2, 2), (3, 3))]
# nn.Sequential(Conv2d(3, 32, 3, padding='same'), Conv2d(32, 32, 3, padding='same', groups=32), Conv2d(32, 64, 1, groups=4),
# ZeroPad2d((0, 1, 0, 1)), MaxPool2d(3, 2, ceil_mode=True), Conv2d(64, 64, 4, padding='same'), Flatten(), Linear(4096, 10))
# on torch.zeros(1, 3, 15, 15): each module's parameter count; the output is (1, 10)
NET = "conv 32 3 psame; dwconv 32 3 same; conv 64 1 g4; zeropad 0 1 0 1; pool 3 s2; conv 64 4 padding=same; flatten; fc 10"
NET_PARAMS = [896, 320, 576, 0, 0, 65600, 0, 40970]


def A(sol, name):
    return sol.answers[name].value


def texts(sol) -> str:
    return "\n".join(" ".join(filter(None, [s.title, s.text, s.value.text if s.value else ""])) for s in sol.walk())


@pytest.mark.parametrize("case", SAME, ids=[str(c[0]) for c in SAME])
@pytest.mark.parametrize("path", PATHS)
def test_same_padding_matches_torch(path, case):
    (w, h, d, k, f, dil), shape, params = case
    sol = FAM.solve({"input": f"{w} {h} {d}", "filters": k, "size": f, "dilation": dil, "pad": "same"}, path=path)
    assert A(sol, "out_shape") == list(shape)
    assert A(sol, "params") == params
    feff = dil * (f - 1) + 1
    assert float(A(sol, "same_pad")) == (feff - 1) / 2           # stride 1: P = (F_eff - 1)/2


@pytest.mark.parametrize("path", PATHS)
def test_same_padding_even_filter_has_no_integer_symmetric_padding(path):
    """F = 4, S = 1: P = 3/2; torch pads 1 on the left/top and 2 on the right/bottom and keeps 32 x 32."""
    sol = FAM.solve({"input": "32 32 3", "filters": 64, "size": 4, "pad": "same"}, path=path)
    assert float(A(sol, "same_pad")) == 1.5
    assert [A(sol, n) for n in ("pad_left", "pad_right", "pad_top", "pad_bottom")] == [1, 2, 1, 2]
    assert (A(sol, "padded_width"), A(sol, "padded_height")) == (35, 35)
    assert A(sol, "out_shape") == [32, 32, 64]
    if path == "exact":
        t = texts(sol)
        assert "No integer symmetric padding" in t and "on the right and at the bottom" in t


@pytest.mark.parametrize("path", PATHS)
def test_same_padding_with_stride_solves_w_out_equal_w(path):
    """P = ((W - 1) S - W + F)/2: (6*2 - 7 + 3)/2 = 4 for W = 7, S = 2, F = 3; (W - F + 2P)/S + 1 = 7."""
    sol = FAM.solve({"input": "7", "size": 3, "stride": 2, "pad": "same"}, path=path)
    assert A(sol, "same_pad") == 4 and A(sol, "out_width") == 7 and A(sol, "padded_width") == 15
    sol = FAM.solve({"input": "28 20 3", "filters": 8, "size": 3, "stride": 2, "pad": "same"}, path=path)
    assert (float(A(sol, "same_pad")), float(A(sol, "same_pad_height"))) == (14.5, 10.5)
    assert A(sol, "out_shape") == [28, 20, 8]
    if path == "exact":
        assert "torch accepts padding='same' only with stride 1" in texts(sol)


@pytest.mark.parametrize("case", GROUPS, ids=[str(c[0]) for c in GROUPS])
@pytest.mark.parametrize("path", PATHS)
def test_grouped_convolution_parameters_match_torch(path, case):
    (d, k, f, g), params, weights = case
    sol = FAM.solve({"input": f"16 16 {d}", "filters": k, "size": f, "groups": g}, path=path)
    assert (A(sol, "params"), A(sol, "weights"), A(sol, "biases")) == (params, weights, k)
    out = A(sol, "out_shape")
    assert A(sol, "connections") == out[0] * out[1] * k * (f * f * d // g + 1)


@pytest.mark.parametrize("path", PATHS)
def test_depthwise_takes_groups_and_filters_from_the_input_depth(path):
    """13 x 13 x 64, depthwise 3 x 3 with padding 1: 64 filters of 3 x 3 x 1, 64 * 9 + 64 = 640 (nn.Conv2d(64, 64, 3,
    groups=64)); the output volume 13 x 13 x 64."""
    sol = FAM.solve({"input": "13 13 64", "size": 3, "pad": 1, "groups": "depthwise"}, path=path)
    assert A(sol, "params") == 640 and A(sol, "out_shape") == [13, 13, 64]


@pytest.mark.parametrize("params, field", [({"input": "13 13 64", "filters": 6, "groups": 4}, "filters"),
                                           ({"input": "13 13 6", "filters": 8, "groups": 4}, "groups"),
                                           ({"input": "13 13 3", "filters": 4, "groups": "depthwise"}, "filters"),
                                           ({"input": "13 13 3", "kind": "pool", "groups": 3}, "groups")])
def test_groups_that_do_not_divide_the_channels_name_the_field(params, field):
    """torch: 'out_channels must be divisible by groups', 'in_channels must be divisible by groups'."""
    with pytest.raises(InvalidInput) as e:
        FAM.solve({"size": 3, **params})
    assert e.value.field == field and f"'{field}'" in str(e.value)


@pytest.mark.parametrize("case", POOL, ids=[str(c[0]) for c in POOL])
@pytest.mark.parametrize("path", PATHS)
def test_pooling_ceil_mode_matches_torch(path, case):
    (w, h, f, s, p), floor, ceil = case
    params = {"input": f"{w} {h} 2", "kind": "pool", "size": f, "stride": s, "pad": p}
    sol = FAM.solve(params, {"stride_fit": "ceil"}, path=path)
    assert (A(sol, "out_width"), A(sol, "out_height")) == ceil and A(sol, "out_depth") == 2
    sol = FAM.solve(params, {"stride_fit": "floor"}, path=path)
    assert (A(sol, "out_width"), A(sol, "out_height")) == floor


def test_ceil_mode_drops_a_last_window_starting_in_the_right_padding():
    """W = 5, F = 2, S = 2, P = 1: ceil(5/2) + 1 = 4, but the 4th window starts at 6 = W + P, so torch gives 3."""
    sol = FAM.solve({"input": "5 5 1", "kind": "pool", "size": 2, "stride": 2, "pad": 1}, {"stride_fit": "ceil"})
    assert A(sol, "out_width") == 3
    assert "torch drops such a window" in texts(sol)


@pytest.mark.parametrize("path", PATHS)
def test_ceil_mode_leaves_a_convolution_rounded_down(path):
    sol = FAM.solve({"input": "7 7 3", "filters": 4, "size": 2, "stride": 2}, {"stride_fit": "ceil"}, path=path)
    assert A(sol, "out_shape") == [3, 3, 4]                      # nn.Conv2d(3, 4, 2, 2): floor(5/2) + 1


@pytest.mark.parametrize("path", PATHS)
def test_network_with_same_depthwise_groups_zeropad_and_ceil_matches_torch(path):
    sol = FAM.solve({"input": "15 15 3", "layers": NET}, {"stride_fit": "ceil"}, path=path)
    assert A(sol, "params_per_layer") == NET_PARAMS
    assert A(sol, "out_shape") == [10] and A(sol, "total_params") == sum(NET_PARAMS)


@pytest.mark.parametrize("pads, shape", [("1", [15, 13, 4]), ("0 1 0 1", [14, 12, 4]), ("2 1 3 0", [16, 14, 4])])
def test_zeropad_layer_matches_torch_zeropad2d(pads, shape):
    """nn.ZeroPad2d(1 | (0, 1, 0, 1) | (2, 1, 3, 0)) on torch.zeros(1, 4, 11, 13): (left, right, top, bottom)."""
    for path in PATHS:
        sol = FAM.solve({"input": "13 11 4", "layers": f"zeropad {pads}"}, path=path)
        assert A(sol, "out_shape") == shape and A(sol, "params_per_layer") == [0]


def test_network_groups_that_do_not_divide_stop_at_that_layer():
    sol = FAM.solve({"input": "8 8 6", "layers": "conv 8 3 g4"})
    assert sol.status == "undefined" and A(sol, "failed_layer") == 1
    assert "G = 4 must divide the input depth D = 6" in texts(sol)


def test_valid_strides_when_the_window_covers_one_axis():
    """A 7-high window on a 56 x 7 input: the height takes any stride, so the strides that fit are those of the width,
    the divisors of 56 - 7 = 49 (it used to give only 1)."""
    for path in PATHS:
        sol = FAM.solve({"input": "56 7 56", "kind": "pool", "size": 7, "stride": 7}, path=path)
        assert A(sol, "valid_strides") == [1, 7, 49]


def test_same_padding_of_a_huge_stride_is_bounded():
    """(W - 1) S = 99,999,900,000 for W = 10^6, S = 10^5: its divisors come from factoring, not a loop to 10^11."""
    sol = FAM.solve({"input": "1000000", "size": 3, "stride": 100000, "pad": "same"})
    assert A(sol, "out_width") == 1000000 and len(A(sol, "valid_strides")) > 1


def test_new_conventions_and_params_are_named():
    sol = FAM.solve({"input": "6 6 1", "kind": "pool", "size": 3, "stride": 2, "pad": 1}, {"stride_fit": "ceil"})
    assert any(c.name == "stride_fit" and c.choice == "ceil" for c in sol.conventions)
    conv = {c.name: c for c in FAM.conventions}["stride_fit"]
    assert "ceil_mode=True" in conv.paper["ceil"] and conv.choose("ceil_mode") == "ceil"
    names = {p.name: p for p in FAM.params}
    assert "same" in names["pad"].cues and "depthwise" in names["groups"].cues


def test_live_torch_shapes_and_parameter_counts():
    torch = pytest.importorskip("torch")
    nn = torch.nn

    def shape(m, w, h, d):
        with warnings.catch_warnings():   # torch warns that an even 'same' kernel copies the input padded
            warnings.simplefilter("ignore")
            o = m(torch.zeros(1, d, h, w)).shape
        return [o[3], o[2], o[1]]

    for (w, h, d, k, f, dil), _, _ in SAME:
        m = nn.Conv2d(d, k, f, padding="same", dilation=dil)
        for path in PATHS:
            sol = FAM.solve({"input": f"{w} {h} {d}", "filters": k, "size": f, "dilation": dil, "pad": "same"}, path=path)
            assert A(sol, "out_shape") == shape(m, w, h, d)
            assert A(sol, "params") == sum(p.numel() for p in m.parameters())
    for (d, k, f, g), _, _ in GROUPS:
        m = nn.Conv2d(d, k, f, groups=g)
        sol = FAM.solve({"input": f"16 16 {d}", "filters": k, "size": f, "groups": g})
        assert A(sol, "params") == sum(p.numel() for p in m.parameters())
    for (w, h, f, s, p), _, _ in POOL:
        for ceil in (False, True):
            m = nn.MaxPool2d(f, s, p, ceil_mode=ceil)
            sol = FAM.solve({"input": f"{w} {h} 1", "kind": "pool", "size": f, "stride": s, "pad": p},
                            {"stride_fit": "ceil" if ceil else "floor"})
            assert A(sol, "out_shape") == shape(m, w, h, 1)
