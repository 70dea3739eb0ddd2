"""Adding a family touches only problems/ and tests/ (issue 12): the example family of problems/README.md,
dropped into a temporary copy of problems/, is picked up by the registry, solved on both paths, listed and
solved on the command line, served by the web form and the JSON API, built into an exam and read from its
own statement, with nothing else changed. Its answers are checked against the closed form 1 / (1 + e^-z)."""
from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _family_source() -> str:
    text = (ROOT / "problems" / "README.md").read_text(encoding="utf-8")
    (code,) = re.findall(r"```python\n(.*?)```", text, re.S)
    return code


CHECK = r'''
import json, sys
import solver
from solver import registry
from solver.reading import read

assert "toy_sigmoid" in registry.names(), registry.names()
fam = solver.family("toy_sigmoid")
out = {}
for path in ("exact", "numeric"):
    sol = fam.solve_example(path=path)
    out[path] = {n: a.value for n, a in sol.answers.items()}
out["statement"] = fam.solve_example().statement

from web import create_app
app = create_app({"TESTING": True})
c = app.test_client()
out["form"] = c.get("/f/toy_sigmoid").status_code
out["page"] = c.get("/f/toy_sigmoid/solve?p.z=0+1+-2").status_code
r = c.post("/api/solve", json={"family": "toy_sigmoid", "params": {"z": "0 1 -2"}})
out["api"] = [r.status_code, r.get_json()["answers"]["s"]["value"]]

from solver.exam import build, export, loads
exam = loads('title = "Toy"\nseed = 1\nvariants = 2\n[[problems]]\nfamily = "toy_sigmoid"\nmarks = 2\n')
files = export(build(exam), ["csv"])
out["exam"] = any("toy_sigmoid" in v.decode() for v in files.values())
out["read"] = read(out["statement"]).family
json.dump(out, sys.stdout)
'''


def test_a_new_family_needs_nothing_outside_problems(tmp_path):
    shutil.copytree(ROOT / "problems", tmp_path / "problems", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "problems" / "toy_sigmoid.py").write_text(_family_source(), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=f"{tmp_path}{os.pathsep}{ROOT}", STEPWISE_EXAM_DB=str(tmp_path / "exams.db"))
    run = subprocess.run([sys.executable, "-c", CHECK], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout)
    want = [1 / (1 + math.exp(-z)) for z in (0, 1, -2)]
    for path in ("exact", "numeric"):
        assert all(math.isclose(a, b, rel_tol=1e-12) for a, b in zip(out[path]["s"], want)), out[path]
        assert all(math.isclose(a, b * (1 - b), rel_tol=1e-12) for a, b in zip(out[path]["ds"], want))
    assert out["form"] == 200 and out["page"] == 200 and out["api"][0] == 200
    assert math.isclose(out["api"][1][1], want[1], rel_tol=1e-12)
    assert out["exam"] and out["read"] == "toy_sigmoid"
    assert "s(z) = 1/(1 + exp(-z)) at z = (0, 1, -2)" in out["statement"], out["statement"]

    cli = subprocess.run([sys.executable, "-m", "solver.cli", "list"], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=120)
    assert cli.returncode == 0 and re.search(r"^toy_sigmoid +Logistic sigmoid", cli.stdout, re.M), cli.stdout
    solved = subprocess.run([sys.executable, "-m", "solver.cli", "solve", "toy_sigmoid", "--example"], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=120)
    assert solved.returncode == 0 and "0.7311" in solved.stdout, solved.stdout + solved.stderr
