"""The optimizer families' conventions as a question paper states them: the catalogue's shared conventions
(epsilon placement, bias correction; solver.conventions) with who uses each choice (`sources`) and the instruction
a paper prints for it (`paper`) in each family's own formula, and the conventions only the Adam family has
(Keras's epsilon hat, the weight-decay form).
"""
from __future__ import annotations

from dataclasses import replace

from solver.conventions import BIAS_CORRECTION, EPS_PLACEMENT, Convention

EPS_SOURCES = {
    "inside": "the course notes, week 5 (AdaGrad, RMSProp, Adam); the introductory slides",
    "outside": "PyTorch's torch.optim (Adagrad, RMSprop, Adam, NAdam); Kingma & Ba 2015 (Adam); Hinton's RMSProp "
               "lecture; the handwritten notes; the end-term assignment",
}


def eps_placement(inside: str, outside: str) -> Convention:
    """EPS_PLACEMENT with its sources and the paper's instruction in this family's update (`inside`, `outside`:
    the update written out, e.g. "w ← w − η g / √(v + ε)")."""
    return replace(EPS_PLACEMENT, sources=dict(EPS_SOURCES),
                   paper={"inside": f"Use ε inside the square root: {inside}.",
                          "outside": f"Use ε outside the square root: {outside}."})


#: Adam's epsilon placements: the catalogue's two and Keras's / TensorFlow's "epsilon hat", which adds ε to √v
#: before the bias correction (TensorFlow's tf.keras.optimizers.Adam documentation:
#: lr_t = lr √(1 − β₂ᵗ) / (1 − β₁ᵗ), w ← w − lr_t m / (√v + ε̂)).
ADAM_EPS = replace(
    eps_placement("w ← w − η m̂ / √(v̂ + ε)", "w ← w − η m̂ / (√v̂ + ε)"),
    options={**EPS_PLACEMENT.options,
             "keras": "epsilon hat (Keras and TensorFlow): eps is added to sqrt(v) before the bias correction: "
                      "eta_t = eta sqrt(1 - beta2^t) / (1 - beta1^t), w -= eta_t m / (sqrt(v) + eps)"},
    aliases={**EPS_PLACEMENT.aliases, "tensorflow": "keras", "tf": "keras", "epsilon_hat": "keras",
             "eps_hat": "keras"},
    cues={**EPS_PLACEMENT.cues,
          "keras": ("epsilon hat", "ε̂", "eps_hat", "keras", "tensorflow", "tf.keras", "as in keras",
                    "sqrt(1 - beta2^t) / (1 - beta1^t)")},
    sources={**EPS_SOURCES, "keras": "Keras's and TensorFlow's Adam (tf.keras.optimizers.Adam); Kingma & Ba 2015, "
                                     "the 'epsilon hat' of their efficient version (section 2)"},
    paper={**eps_placement("w ← w − η m̂ / √(v̂ + ε)", "w ← w − η m̂ / (√v̂ + ε)").paper,
           "keras": "Add ε to √v before the bias correction (Keras's epsilon hat): "
                    "ηₜ = η √(1 − β₂ᵗ) / (1 − β₁ᵗ), w ← w − ηₜ m / (√v + ε)."},
)

BIAS_SOURCES = {
    "on": "Kingma & Ba 2015; PyTorch's torch.optim.Adam; the course notes, week 5; the end-term assignment",
    "off": "the raw moving averages, as questions on the averages before correction ask for them",
}


def bias_correction(on: str, off: str = "Do not correct the bias: use the moving averages as they are.") -> Convention:
    """BIAS_CORRECTION with its sources and the paper's instruction (`on`: the correction written out)."""
    return replace(BIAS_CORRECTION, sources=dict(BIAS_SOURCES),
                   paper={"on": f"Correct the bias: {on}, with t = 1 at the first step.", "off": off})


WEIGHT_DECAY_FORM = Convention(
    "weight_decay_form", "How weight decay enters",
    {"l2": "L2 regularisation: the decay is added to the gradient, g <- g + weight_decay * w, before the moments "
           "(torch.optim.Adam and NAdam with weight_decay)",
     "decoupled": "decoupled weight decay: w <- w - eta * weight_decay * w before the step, the moments see the "
                  "plain gradient (torch.optim.AdamW; NAdam with decoupled_weight_decay=True)"},
    default="l2", why_default="torch.optim.Adam's weight_decay adds weight_decay * w to the gradient",
    aliases={"coupled": "l2", "adamw": "decoupled", "adam_w": "decoupled"},
    cues={"decoupled": ("adamw", "decoupled weight decay", "decoupled", "loshchilov", "torch.optim.adamw"),
          "l2": ("l2 regularization", "l2 regularisation", "l2 penalty", "added to the gradient")},
    sources={"l2": "PyTorch's torch.optim.Adam and NAdam (weight_decay); Goodfellow et al., Deep Learning, ch. 7 "
                   "(L2 regularisation)",
             "decoupled": "PyTorch's torch.optim.AdamW; Loshchilov & Hutter 2019 (decoupled weight decay)"},
    paper={"l2": "Add the weight decay to the gradient (L2): g ← g + λw before the moments.",
           "decoupled": "Decouple the weight decay (AdamW): w ← w − ηλw before the step; the moments use the plain "
                        "gradient."},
)

__all__ = ["ADAM_EPS", "WEIGHT_DECAY_FORM", "bias_correction", "eps_placement"]
