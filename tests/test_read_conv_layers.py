"""A network described in prose is read as conv_shape's `layers` (the reader's family hook, read_structure), and its
shapes and parameter counts agree with torch's layers run on a tensor of that size (the oracle)."""
from __future__ import annotations

import pytest

from problems._layers import read_layers
from solver.reading import ask, read

QUESTIONS = {
    # question: (layers read, input (W, H, D))
    "A 32x32x3 input goes through a conv layer with 16 filters of size 5x5, stride 1, no padding, then 2x2 max "
    "pooling with stride 2. What is the output shape?": ("conv 16 5 s1 p0; maxpool 2 s2 p0", (32, 32, 3)),
    "A 28x28x1 image passes through a convolutional layer with 6 5x5 filters (stride 1, padding 2), followed by 2x2 "
    "max pooling with stride 2, then a conv layer with 16 5x5 filters and no padding, then 2x2 max pooling, then a "
    "fully connected layer with 120 units. How many parameters does the network have?":
        ("conv 6 5 s1 p2; maxpool 2 s2 p0; conv 16 5 s1 p0; maxpool 2 s2 p0; fc 120", (28, 28, 1)),
    "A 227x227x3 input -> CONV with 96 filters of size 11x11, stride 4 -> max pool 3x3 stride 2. What is the output "
    "volume?": ("conv 96 11 s4 p0; maxpool 3 s2 p0", (227, 227, 3)),
    "Input 64x64x3; conv 3x3 with 32 filters, same padding; then 2x2 max pool. Give the output shape.":
        ("conv 32 3 s1 psame; maxpool 2 s2 p0", (64, 64, 3)),
    "The input is 32x32x3. A conv layer with K = 16, F = 3, S = 1, P = 1, then a pool layer with F = 2, S = 2. "
    "What is the output volume?": ("conv 16 3 s1 p1; pool 2 s2 p0", (32, 32, 3)),
    "A 64x64x3 image goes through a 3x3 convolution with 32 filters padded with 1 pixel, then stride-2 2x2 max "
    "pooling. What is the output shape?": ("conv 32 3 s1 p1; maxpool 2 s2 p0", (64, 64, 3)),
}


@pytest.mark.parametrize("question", list(QUESTIONS))
def test_a_network_in_prose_is_read_as_its_layers(question):
    layers, dims = QUESTIONS[question]
    r = read(question)
    assert r.family == "conv_shape"
    assert r.fields["layers"].value == layers
    assert r.fields["input"].value.split() == [str(v) for v in dims]
    assert r.unread == [] and r.missing == [] and r.defaults == []
    assert not any("was not used" in w or "no value" in w for w in r.warnings)


def _torch_net(torch, layers: str, depth: int):
    nn = torch.nn
    mods, d, flat = [], depth, False
    for line in layers.split(";"):
        w = line.split()
        opt = {x[0]: x[1:] for x in w[2:] if x[0] in "sp"} if w[0] != "fc" else {}
        pad = opt.get("p", "0")
        if w[0] == "conv":
            mods.append(nn.Conv2d(d, int(w[1]), int(w[2]), stride=int(opt.get("s", 1)),
                                  padding="same" if pad == "same" else int(pad)))
            d = int(w[1])
        elif w[0].endswith("pool"):
            mods.append(nn.MaxPool2d(int(w[1]), stride=int(opt.get("s", w[1])), padding=int(pad)))
        else:
            if not flat:
                mods.append(nn.Flatten())
                flat = True
            mods.append(nn.LazyLinear(int(w[1])))
    return nn.Sequential(*mods)


@pytest.mark.parametrize("question", list(QUESTIONS))
def test_the_answers_agree_with_torch(question):
    torch = pytest.importorskip("torch")
    layers, (w, h, dep) = QUESTIONS[question]
    net = _torch_net(torch, layers, dep)
    out = net(torch.zeros(1, dep, h, w))   # torch is N, C, H, W
    params = sum(p.numel() for p in net.parameters())
    sol = ask(question).solutions[0]
    a = sol.answers
    if out.dim() == 4:
        assert list(a["out_shape"].value) == [out.shape[3], out.shape[2], out.shape[1]]
    else:
        assert list(a["out_shape"].value)[-1] == out.shape[1]
    assert a["total_params"].value == params


def test_one_layer_or_a_pooling_question_keeps_its_single_layer_reading():
    assert read_layers("A 32 x 32 x 3 input goes through 100 filters of 4 x 4 with stride 1 and no padding") is None
    assert read_layers("A 7x7 feature map is max pooled with a 2x2 window, stride 2, ceil mode.") is None
    r = read("A 7x7 feature map is max pooled with a 2x2 window, stride 2, ceil mode. What is the output size?")
    assert "layers" not in r.fields and r.fields["size"].value == "2"


def test_what_is_not_said_plainly_is_not_guessed():
    """A convolution without its number of filters, or a rectangular window, leaves the reading field by field."""
    assert read_layers("a conv layer of size 5x5, then 2x2 max pooling") is None
    assert read_layers("a conv layer with 16 filters of size 5x3, then 2x2 max pooling") is None


def test_a_map_that_is_max_pooled_is_a_pooling_layer_and_its_output_size_is_the_shape():
    """'max pooled' (not only 'max pooling') says the layer pools: read as a convolution it had 9 weights and no
    ceil mode (2 x 2); torch's MaxPool2d(3, 2, ceil_mode=True) gives 3 x 3. 'the output size' asks for the shape."""
    torch = pytest.importorskip("torch")
    q = "A 6×6×1 feature map is max pooled with a 3×3 window and stride 2 in ceil mode. What is the output size?"
    out = ask(q)
    assert out.reading.fields["kind"].value == "pool"
    want = torch.nn.MaxPool2d(3, stride=2, ceil_mode=True)(torch.zeros(1, 1, 6, 6)).shape
    assert out.solutions[0].answers["out_shape"].value == [want[3], want[2], want[1]]
    assert "out_shape" in out.asked[0]


@pytest.mark.parametrize("layers,dims", [
    ("conv 16 5 s1 p0; pool 2 s2", "32 32 3"),
    ("conv 6 5 s1 p2; maxpool 2 s2; conv 16 5; avgpool 2 s2; fc 120; fc 84; fc 10", "28 28 1"),
    ("conv 32 3 s1 psame; conv 32 3 s2 p1 d2; pool 2 s2 p1", "64 64 3"),
])
def test_the_statement_states_the_network_in_words_that_read_back_as_it(layers, dims):
    """The paper prints 'a convolution with 16 filters of 5 × 5, stride 1 and no padding, then 2 × 2 pooling with
    stride 2', not the input syntax 'conv 16 5 s1 p0; pool 2 s2'; reading the statement gives the same network."""
    import solver
    from problems._layers import parse_layers

    sol = solver.solve("conv_shape", input=dims, layers=layers)
    assert " s1 " not in sol.statement and "conv " not in sol.statement
    got = read_layers(sol.statement)
    assert got is not None
    assert [x.text() for x in parse_layers(got[0])] == [x.text() for x in parse_layers(layers)]
    r = read(sol.statement)
    assert r.family == "conv_shape" and r.fields["input"].value == dims


def test_an_input_given_by_its_channels_is_never_a_square_of_that_width():
    """'an input with 32 channels' was read as a 32 x 32 x 1 input (640 parameters where 64 (3*3*32 + 1) = 18,496
    are meant): with its width and height stated they are used, else the input is missing and nothing is guessed."""
    r = read("How many parameters does a convolutional layer with 64 filters of size 3x3 on an input with 32 channels "
             "have?")
    assert "input" in r.missing and "input" not in r.fields
    out = ask("A 64x64 image with 3 channels goes through a conv layer with 16 filters of size 3x3. How many "
              "parameters?")
    assert out.reading.fields["input"].value == "64 64 3"
    assert out.solutions[0].answers["params"].value == 16 * (3 * 3 * 3 + 1)


@pytest.mark.parametrize("question,count", [
    ("What is the receptive field of two stacked 3x3 convolutions with stride 1?", 2),
    ("What is the receptive field of three stacked 3x3 convolutions?", 3),
    ("Two 3x3 convolutions are stacked (stride 1, no padding) on a 32x32x3 input. What is the receptive field?", 2),
    ("A stack of 4 consecutive 3x3 conv layers: what is the effective receptive field?", 4),
])
def test_a_stack_of_one_convolution_is_read_as_that_layer_repeated(question, count):
    """'two stacked 3x3 convolutions' read 'two' as the filter size (a 2 x 2 layer answered, 3x3 left unused): it is
    the 3x3 layer twice. The receptive field of N stacked F x F convolutions at stride 1 is 1 + N (F - 1): 5 and 7 for
    two and three 3 x 3 layers (Simonyan & Zisserman, 'Very deep convolutional networks', 2015, section 2.3)."""
    r = read(question)
    assert r.family == "conv_shape"
    assert r.fields["layers"].value == "; ".join(["conv 1 3 s1 p0"] * count)
    assert any("one each is assumed" in n for n in r.notes)   # the filters were not given
    assert not any("was not used" in w for w in r.warnings)
    out = ask(question)
    assert out.solutions[0].answers["receptive_field"].value == 1 + count * (3 - 1)


def test_stacked_convolutions_with_their_filters_match_torch():
    """With the number of filters and the input given, the parameters of the stack against torch's layers."""
    torch = pytest.importorskip("torch")
    q = "How many parameters do two stacked 3x3 conv layers with 64 filters each have on a 32x32x64 input?"
    r = read(q)
    assert r.fields["layers"].value == "conv 64 3 s1 p0; conv 64 3 s1 p0" and r.notes == []
    net = torch.nn.Sequential(torch.nn.Conv2d(64, 64, 3), torch.nn.Conv2d(64, 64, 3))
    a = ask(q).solutions[0].answers
    assert a["total_params"].value == sum(p.numel() for p in net.parameters())
    assert a["out_shape"].value == [28, 28, 64] == list(net(torch.zeros(1, 64, 32, 32)).shape[2:]) + [64]


def test_two_filters_of_a_layer_are_not_a_stack():
    """'a conv layer with two 3x3 filters' is one layer (its filters), not two stacked layers."""
    assert read_layers("A conv layer with two 3x3 filters on a 5x5x1 input") is None


@pytest.mark.parametrize("question,k,dims,size", [
    ("A conv layer with 64 3x3 filters on a 32x32x3 input: what is the output volume?", 64, (32, 32, 3), 3),
    ("A conv layer with two 3x3 filters on a 5x5x1 input: what is the output volume?", 2, (5, 5, 1), 3),
    ("A 28x28x1 image goes through 6 5 x 5 kernels. How many parameters?", 6, (28, 28, 1), 5),
    ("A conv layer with 512 3x3 filters on a 14x14x256 input: how many parameters?", 512, (14, 14, 256), 3),
])
def test_a_layers_filters_counted_before_their_size_are_read(question, k, dims, size):
    """'64 3x3 filters': the count before the size was left unread (64 'not used', the layer answered with 1 filter;
    'two 3x3 filters' silently so). Output shape and parameters against torch's nn.Conv2d on a tensor of that size."""
    torch = pytest.importorskip("torch")
    r = read(question)
    assert r.fields["filters"].value == str(k) and r.fields["size"].value == str(size)
    assert not any("was not used" in w for w in r.warnings)
    a = ask(question).solutions[0].answers
    conv = torch.nn.Conv2d(dims[2], k, size)
    out = conv(torch.zeros(1, dims[2], dims[1], dims[0]))
    assert a["out_shape"].value == [out.shape[3], out.shape[2], out.shape[1]]
    assert a["params"].value == sum(p.numel() for p in conv.parameters())
