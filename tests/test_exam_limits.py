"""Limits before parsing (issue 20, item 2): an exam file's size, nesting depth, dotted keys and key count are
checked on the raw text before tomllib (or json) runs, so the probe's inputs are refused at once, naming the
limit, in the library, on the command line (exit 2, one line) and in the web (HTTP 400: tests/test_web_auth.py).

The probe found: a dotted key of 50,000 parts (100 KB) took 60 s and 9.7 GB in the server and 17.5 s and
1.65 GB in `stepwise exam`; TOML nested 497+ levels (arrays, inline tables, inside params) raised
RecursionError. The CLI tests run each input in a child process and read its CPU time from the operating
system (resource.getrusage) and the peak of Python's allocations while it reads the file (tracemalloc).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from solver.exam import limits
from solver.exam.spec import loads
from solver.params import InvalidInput

ROOT = Path(__file__).resolve().parent.parent

HEAD = 'title = "Quiz"\n\n[[problems]]\nfamily = "entropy"\n'

HOSTILE = {
    # the probe's memory bomb: 50,000 parts in 100 KB
    "dotted_key_50000_parts": "a" + ".a" * 49_999 + " = 1\n",
    "dotted_table_header": "[" + ".".join(["t"] * 20_000) + "]\n",
    "quoted_dotted_key": ".".join(['"k"'] * 10_000) + " = 1\n",
    # RecursionError in tomllib: 497+ levels
    "arrays_nested_600": HEAD + "[problems.params]\np = " + "[" * 600 + "]" * 600 + "\n",
    "inline_tables_nested_600": HEAD + "params = " + "{a = " * 600 + "1" + "}" * 600 + "\n",
    "params_nested_497": HEAD + "[problems.params]\np = " + "[" * 497 + "1" + "]" * 497 + "\n",
    "many_keys": "".join(f"k{i} = {i}\n" for i in range(25_000)),
    "too_big": 'title = "x"\n# ' + "x" * (limits.MAX_BYTES + 10) + "\n",
}

EXPECTED = {
    "dotted_key_50000_parts": "dotted key of more than 8 parts",
    "dotted_table_header": "dotted key of more than 8 parts",
    "quoted_dotted_key": "dotted key of more than 8 parts",
    "arrays_nested_600": "nested too deeply",
    "inline_tables_nested_600": "nested too deeply",
    "params_nested_497": "nested too deeply",
    "many_keys": "more than 20,000 keys",
    "too_big": "524,288 bytes",
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_exam_files_are_refused_before_parsing(name):
    with pytest.raises(InvalidInput) as e:
        loads(HOSTILE[name])
    assert e.value.field == "file"
    assert EXPECTED[name] in e.value.message


def test_brackets_dots_and_equals_inside_strings_and_comments_do_not_count():
    deep = "[" * 100
    text = (f'title = "{deep} a.b.c.d.e.f.g.h.i.j = = ="\ncourse = \'{deep}\'\n# {deep} a.b.c.d.e.f.g.h.i.j\n'
            f'instructions = """\n{deep}\n"quoted" ""\\""" {deep}"""\n'
            f"date = '''{deep}''''\n"
            '[[problems]]\nfamily = "entropy"\n[problems.params]\np = "0.5 0.5" # [[[[[[[[[[[[[[[[[[[[[[[[[[[[\n')
    spec = loads(text)
    assert spec.title.startswith(deep) and spec.date == deep + "'"
    assert spec.instructions.endswith('"""' + " " + deep) or deep in spec.instructions


def test_a_string_that_closes_with_extra_quotes_cannot_hide_nesting():
    """TOML ends a multi-line string at the last three of up to five quotes: the scanner must too, or an
    array after it would pass as string content."""
    text = 'x = ["""a""""' + ", " + "[" * 600 + "]" * 600 + "]\n"
    with pytest.raises(InvalidInput, match="nested too deeply"):
        loads(text)
    text = "x = ['''a'''''" + ", " + "[" * 600 + "]" * 600 + "]\n"
    with pytest.raises(InvalidInput, match="nested too deeply"):
        loads(text)


def test_escaped_quote_does_not_end_a_basic_string():
    text = 'x = ["a\\"", ' + "[" * 600 + "]" * 600 + "]\n"
    with pytest.raises(InvalidInput, match="nested too deeply"):
        loads(text)


def test_the_examples_and_ordinary_values_pass():
    for path in sorted((ROOT / "examples").glob("*.toml")):
        limits.check_toml(path.read_text(encoding="utf-8"))
    limits.check_toml("x = 3.14159\ny = 1979-05-27T07:32:00.999999-07:00\nz = [[1, 2], [3, 4]]\n"
                      "[problems.params]\nw = { a.b.c = 1 }\n")


def test_json_limits():
    limits.check_json(json.dumps({"family": "entropy", "params": {"p": [[0.5, 0.5]]}}))
    with pytest.raises(InvalidInput, match="nested too deeply"):
        limits.check_json("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InvalidInput, match="nested too deeply"):
        limits.check_json('{"a": "[[[", "b": ' + "[" * 30 + "]" * 30 + "}")
    limits.check_json('{"a": "' + "[" * 1000 + '\\" ]]]"}')  # inside a string, escaped quote included


_CHILD = """
import resource, sys, time, tracemalloc
from solver.cli import main
import solver.exam, solver.exam.cli  # imported before measuring: what is measured is reading the file
tracemalloc.start()
code = main(["exam", sys.argv[1], "--out", sys.argv[2], "--format", "csv"])
peak = tracemalloc.get_traced_memory()[1]
r = resource.getrusage(resource.RUSAGE_SELF)
sys.stderr.write(f"\\nRUSAGE {r.ru_utime + r.ru_stime} {peak}\\n")
sys.exit(code)
"""


@pytest.mark.parametrize("name", ["dotted_key_50000_parts", "arrays_nested_600", "inline_tables_nested_600",
                                  "params_nested_497", "too_big"])
def test_cli_refuses_with_exit_2_and_one_line_in_bounded_time_and_memory(tmp_path, name):
    path = tmp_path / f"{name}.toml"
    path.write_text(HOSTILE[name], encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", _CHILD, str(path), str(tmp_path / "out")], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    message, _, usage = done.stderr.partition("\nRUSAGE ")
    assert done.returncode == 2, done.stderr
    assert message.count("\n") == 1 and message.startswith("stepwise: ") and EXPECTED[name] in message
    assert "field: file" in message and str(path) in message
    cpu, peak = usage.split()
    # CPU: the whole child, start-up and imports included; memory: Python's allocations while reading the file
    # (tracemalloc's peak). The probe's input took 17.5 s and 1.65 GB.
    assert float(cpu) < 10 and int(peak) < 16 * 1024 * 1024, usage
    assert not (tmp_path / "out").exists()
