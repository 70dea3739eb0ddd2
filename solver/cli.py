"""The `stepwise` command: list, show and solve problems from a terminal.

    stepwise ask "QUESTION" | - | --file FILE [--family F] [-p name=value ...] [-c convention=choice ...]
                 [--format text|markdown|latex|json|html] [--dp N | --sf N]
    stepwise list
    stepwise show FAMILY
    stepwise solve FAMILY -p name=value ... [-c convention=choice ...] [--example] [--random SEED]
                   [--format text|markdown|latex|json|html] [--path auto|exact|numeric] [--dp N | --sf N]
    stepwise exam FILE [--variants N] [--seed S] [--solutions] --out DIR [--format pdf,moodle,...|all]
    stepwise user add NAME [--admin] | passwd NAME | list     instructors' accounts (password on a prompt or stdin)
    stepwise serve [--host H] [--port P] [--workers N]

Solves run in a forked worker process with hard time and memory limits (solver.sandbox), as in the server.

Exit status: 0 on success, 2 with a one-line message on invalid input (naming the field), 1 on an
internal error (a bug: the message says so). Each subcommand imports only what it needs. `ask` exits
2 when the question leaves required fields unread (it names them) or names no problem it knows.
"""
from __future__ import annotations

import argparse
import gc
import sys
from typing import Sequence


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2 (argparse's own convention)
        self.exit(2, f"stepwise: {message}\n")


def _pairs(items: Sequence[str] | None, what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise _Usage(f"{what} must be written name=value; got {item!r}")
        out[name.strip()] = value
    return out


class _Usage(Exception):
    pass


def _precision(args):
    """--dp N / --sf N as a Precision (None: the default, 4 decimal places), read by the one reader."""
    from .numbers import precision_from

    if args.dp is not None:
        return precision_from({"dp": args.dp}, "--dp")
    if args.sf is not None:
        return precision_from({"sig": args.sf}, "--sf")
    return None


def _add_precision(s) -> None:
    g = s.add_mutually_exclusive_group()
    g.add_argument("--dp", type=int, metavar="N", help="give every number to N decimal places; answers are checked "
                   "to half a unit in the last place (default: 4 decimal places)")
    g.add_argument("--sf", "--sig", dest="sf", type=int, metavar="N",
                   help="give every number to N significant figures instead")


def _cmd_list(args) -> int:
    from .catalog import summaries

    items = summaries()
    width = max((len(n) for n in items), default=0)
    for name, summary in items.items():
        print(f"{name.ljust(width)}  {summary}")
    return 0


def _cmd_show(args) -> int:
    from .registry import get

    fam = get(args.family)
    print(f"{fam.name}: {fam.title}")
    print()
    print(fam.description)
    print()
    print("Parameters:")
    for p in fam.params:
        default = "" if p.default is None else f" (default {p.spec.to_text(p.spec.parse(p.default))})"
        req = " (required)" if p.required else ""
        print(f"  {p.name}: {p.spec.describe()}{default}{req}")
        if p.help:
            print(f"      {p.help}")
    if fam.conventions:
        print()
        print("Conventions (-c name=choice):")
        for c in fam.conventions:
            print(f"  {c.name}: {c.title} (default {c.default}" + (f"; {c.why_default}" if c.why_default else "") + ")")
            for opt, desc in c.options.items():
                print(f"      {opt}: {desc}")
    ex = fam.example
    print()
    print(f"Worked example ({ex.source}):")
    args_ = " ".join(f"-p {k}={_quote(str(v))}" for k, v in ex.params.items())
    conv = " ".join(f"-c {k}={v}" for k, v in ex.conventions.items())
    print(f"  stepwise solve {fam.name} {args_} {conv}".rstrip())
    print(f"  (or: stepwise solve {fam.name} --example)")
    return 0


def _quote(s: str) -> str:
    import shlex

    return shlex.quote(s)


def _cmd_solve(args) -> int:
    from .registry import get
    from .render import render

    fam = get(args.family)
    params = _pairs(args.param, "-p")
    conventions = _pairs(args.convention, "-c")
    if args.example and args.random is not None:
        raise _Usage("use --example or --random, not both")
    if args.example:
        base = dict(fam.example.params)
        base.update(params)
        params = base
        merged = dict(fam.example.conventions)
        merged.update(conventions)
        conventions = merged
    elif args.random is not None:
        base = fam.generate(args.random)
        base.update(params)
        params = base
    from . import sandbox

    _imported()

    box = sandbox.Sandbox.direct() if sandbox.enabled_by_env() else None
    old = sandbox.install(box)  # the solve runs in a forked worker with hard limits, as in the server
    try:
        sol = fam.solve(params, conventions, path=args.path, precision=_precision(args))
    finally:
        sandbox.install(old)
        if box is not None:
            box.close()
    text = render(sol, args.format)
    sys.stdout.write(text)
    return 0


def _cmd_ask(args) -> int:
    from .reading import ask, reading_text
    from .render import render

    if args.file is not None:
        if args.question not in (None, "-"):
            raise _Usage("give the question as text, '-' (standard input) or --file FILE, not two of them")
        try:
            with open(args.file, "rb") as f:
                data = f.read(4 * 1024 * 1024 + 1)
        except OSError as e:
            raise _Usage(f"cannot read {args.file}: {e.strerror or e}") from None
        text = _decode(data)
    elif args.question in (None, "-"):
        text = _decode(sys.stdin.buffer.read(4 * 1024 * 1024 + 1))
    else:
        text = args.question
    precision = _precision(args)
    answered = ask(text, family=args.family, params=_pairs(args.param, "-p"),
                   conventions=_pairs(args.convention, "-c"), precision=precision)
    reading = answered.reading
    if args.format == "json":
        import json

        sys.stdout.write(json.dumps(answered.to_json(), indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(reading_text(reading, answered))
        for label, sol in zip(answered.labels, answered.solutions):
            sys.stdout.write("\n")
            if label:
                sys.stdout.write(f"Part: {label}\n\n")
            sys.stdout.write(render(sol, args.format))
    if not answered.solutions:
        if reading.family is None:
            print(f"stepwise: {reading.message}", file=sys.stderr)
        else:
            need = reading.missing + [k for k in reading.invalid if k not in reading.missing]
            print(f"stepwise: the question does not give {', '.join(need)}; add "
                  + " ".join(f"-p {k}=..." for k in need if k != "params")
                  + " (or correct the reading with -p name=value).", file=sys.stderr)
        return 2
    return 0


def _decode(data: bytes) -> str:
    if len(data) > 4 * 1024 * 1024:
        raise _Usage("the question is longer than 4 MB; paste one question")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise _Usage("the question is not UTF-8 text") from None


def _cmd_exam(args) -> int:
    from .exam.cli import run  # the exam code (and Typst) loads only here

    return run(args)


def _cmd_user(args) -> int:
    from .exam.cli import run_user

    return run_user(args)


def _cmd_serve(args) -> int:
    try:
        from web import serve
    except ImportError as e:  # pragma: no cover - depends on the install
        print(f"stepwise: the web UI is not available ({e}).", file=sys.stderr)
        return 1
    if args.workers is not None and args.workers < 1:
        raise _Usage("--workers must be 1 or more")
    return serve(host=args.host, port=args.port, workers=args.workers or 0)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="stepwise", description="Worked, step-by-step solutions to the mathematics of deep learning.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    s = sub.add_parser("ask", help="read a question as written and solve it (start here)",
                       description="Read an exam question as written: print what was read (the problem, each "
                                   "field with the words it came from, unread numbers, missing fields), then the "
                                   "worked solution.")
    s.add_argument("question", nargs="?", help="the question's text ('-' or nothing: read standard input)")
    s.add_argument("--file", metavar="FILE", help="read the question from a file")
    s.add_argument("--family", metavar="NAME", help="read it as this problem family instead of choosing one")
    s.add_argument("-p", "--param", action="append", metavar="NAME=VALUE", help="correct or add a field (repeatable)")
    s.add_argument("-c", "--convention", action="append", metavar="NAME=CHOICE", help="choose a convention (repeatable)")
    s.add_argument("--format", "-f", default="text", choices=("text", "markdown", "latex", "json", "html"))
    _add_precision(s)
    sub.add_parser("list", help="list the problem families, one line each")
    s = sub.add_parser("show", help="parameters, conventions and worked example of a family")
    s.add_argument("family")
    s = sub.add_parser("solve", help="solve a problem and print the worked solution")
    s.add_argument("family")
    s.add_argument("-p", "--param", action="append", metavar="NAME=VALUE", help="a parameter value (repeatable)")
    s.add_argument("-c", "--convention", action="append", metavar="NAME=CHOICE", help="a convention choice (repeatable)")
    s.add_argument("--example", action="store_true", help="start from the family's worked example from the notes")
    s.add_argument("--random", type=int, metavar="SEED", help="start from a random instance (reproducible by its seed)")
    s.add_argument("--format", "-f", default="text", choices=("text", "markdown", "latex", "json", "html"))
    s.add_argument("--path", default="auto", choices=("auto", "exact", "numeric"),
                   help="exact worked steps, the vectorised numeric path, or chosen by input size (default)")
    _add_precision(s)
    s = sub.add_parser("exam", help="build an exam file's variants: papers, answer keys, grader CSV, LMS imports")
    s.add_argument("file", help="the exam file (TOML; see examples/midterm.toml)")
    s.add_argument("--variants", "-n", type=int, metavar="N", help="number of variants (default: the file's, else 1)")
    s.add_argument("--seed", type=int, metavar="S", help="exam seed (default: the file's, else 0)")
    s.add_argument("--solutions", action="store_true", help="answer keys with full worked solutions")
    s.add_argument("--out", "-o", required=True, metavar="DIR", help="directory for the files (created if needed)")
    s.add_argument("--format", "-f", action="append", metavar="FORMAT",
                   help="pdf, markdown, latex, html, json, csv, moodle, qti, gift or all (repeatable or "
                        "comma-separated; default all)")
    s = sub.add_parser("user", help="instructors' accounts for saved exams in the web: add, passwd, list")
    users = s.add_subparsers(dest="action", required=True, parser_class=_Parser)
    for action, help_ in (("add", "add an account (the password is asked, or read from standard input)"),
                          ("passwd", "set an account's password"), ("list", "list the accounts")):
        u = users.add_parser(action, help=help_)
        if action != "list":
            u.add_argument("name")
        if action == "add":
            u.add_argument("--admin", action="store_true", help="an administrator: sees and manages every exam")
        u.add_argument("--db", metavar="LOCATION", help="the exam database: a SQLite file or a postgresql:// URL "
                       "(default: $STEPWISE_DATABASE_URL, else $STEPWISE_EXAM_DB, else the user's data directory)")
    s = sub.add_parser("serve", help="serve the web UI with a production WSGI server (waitress, or gunicorn with --workers)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--workers", "-w", type=int, metavar="N",
                   help="N worker processes under gunicorn (POSIX; a class: one or two per core). Default: one "
                        "process under waitress, which works everywhere")
    return p


_COLLECTOR_PAUSED = [False]


def _imported() -> None:
    """A command's modules are imported: the cyclic collector, paused while they loaded, runs again, with
    everything loaded so far frozen out of its passes (as the server's zygote does before forking)."""
    if _COLLECTOR_PAUSED[0]:
        _COLLECTOR_PAUSED[0] = False
        gc.freeze()
        gc.enable()


def main(argv: Sequence[str] | None = None) -> int:
    """The command line. Run as the program (no `argv`), a one-shot `solve` pauses the cyclic collector while
    it imports: SymPy and NumPy allocate a few hundred thousand objects that are never garbage, and the
    collector's passes over them (and its last pass at exit, which gc.freeze skips) are about a fifth of
    the command's time. Called with `argv` (tests, other programs) the collector is left alone."""
    program = argv is None
    args = build_parser().parse_args(argv)
    handler = {"ask": _cmd_ask, "list": _cmd_list, "show": _cmd_show, "solve": _cmd_solve, "exam": _cmd_exam,
               "serve": _cmd_serve, "user": _cmd_user}[args.command]
    if program and args.command == "solve" and gc.isenabled():
        gc.disable()
        _COLLECTOR_PAUSED[0] = True
    try:
        return _dispatch(handler, args)
    finally:
        _imported()  # (if the command failed before its imports ended)
        if program:
            gc.freeze()  # the process ends next: no last collection over every object it made


def _dispatch(handler, args) -> int:
    try:
        return handler(args)
    except _Usage as e:
        print(f"stepwise: {e}", file=sys.stderr)
        return 2
    except ValueError as e:
        from .params import InvalidInput

        if isinstance(e, InvalidInput):
            print(f"stepwise: {e.message}", file=sys.stderr)
            return 2
        return _internal(e)
    except BrokenPipeError:  # `stepwise solve ... | head`
        return 0
    except Exception as e:  # a bug: say so in one line; the traceback on request
        return _internal(e)


def _internal(e: Exception) -> int:
    import os

    if os.environ.get("STEPWISE_DEBUG"):
        raise e
    print(f"stepwise: internal error ({type(e).__name__}: {e}). This is a bug; "
          "STEPWISE_DEBUG=1 shows the traceback.", file=sys.stderr)
    return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
