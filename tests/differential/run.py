"""Drive the harness over one family: the instances (example, generated, drawn, mutated, edges) and the
convention combinations, collecting the disagreements and the counts."""
from __future__ import annotations

import copy
import zlib
from dataclasses import dataclass, field

import numpy as np

from .core import Disagreement, Ref, Tally, check_instance, convention_combos, mutate


@dataclass
class Instance:
    label: str
    params: dict
    conventions: dict | None = None   # None: the combination the run assigns


def instances(fam, ref: Ref, count: int, seed: int) -> list[Instance]:
    """The worked example, the edges, then `count` random instances: the family's generator, the reference's
    own draw and a mutated generated instance (an edge value or a tie put into one or two entries), in turn."""
    out = [Instance("the worked example", dict(fam.example.params), dict(fam.example.conventions))]
    for j, e in enumerate(ref.edges):
        params, conv = (e if isinstance(e, tuple) else (e, None))
        out.append(Instance(f"edge {j + 1}", copy.deepcopy(params), conv))
    base = zlib.crc32(fam.name.encode()) + 1_000_003 * seed
    for i in range(count):
        rng = np.random.default_rng(base + i)
        kind = i % 3
        if kind == 0 or (kind == 1 and ref.draw is None):
            out.append(Instance(f"generate({base + i})", fam.generate(base + i)))
        elif kind == 1:
            out.append(Instance(f"draw {base + i}", ref.draw(rng)))
        else:
            out.append(Instance(f"mutated generate({base + i})", mutate(fam.generate(base + i), rng)))
    return out


@dataclass
class Result:
    tally: Tally = field(default_factory=Tally)
    disagreements: list[Disagreement] = field(default_factory=list)
    distinct: int = 0          # distinct instances (tally.instances counts instance x convention runs)


def run_family(fam, ref: Ref, count: int, seed: int = 0, every_combination: bool = True) -> Result:
    """Every instance under every convention combination (every_combination), or the combinations in turn
    (each combination still runs at least once): the CI count."""
    res = Result()
    combos = convention_combos(fam)
    insts = instances(fam, ref, count, seed)
    res.distinct = len(insts)
    used = set()
    for idx, inst in enumerate(insts):
        if inst.conventions is not None:
            runs = [{**combos[0], **inst.conventions}] if not every_combination else \
                [{**c, **inst.conventions} for c in combos if all(c.get(k) == v for k, v in inst.conventions.items())] \
                or [{**combos[0], **inst.conventions}]
        elif every_combination:
            runs = combos
        else:
            runs = [combos[idx % len(combos)]]
        for conv in runs:
            used.add(tuple(sorted(conv.items())))
            res.disagreements += check_instance(fam, ref, inst.params, conv, res.tally)
    for conv in combos:   # every combination at least once, on a generated instance
        if tuple(sorted(conv.items())) not in used:
            res.disagreements += check_instance(fam, ref, fam.generate(seed), conv, res.tally)
    return res
