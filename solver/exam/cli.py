"""`stepwise exam FILE [--variants N] [--seed S] [--solutions] --out DIR [--format ...]` (see solver.cli)."""
from __future__ import annotations

import sys

from ..params import InvalidInput


def formats(values: list[str] | None) -> list[str]:
    """--format values (repeatable, comma-separated, "all"; default all) as an ordered list without repeats."""
    from . import FORMATS

    aliases = {"md": "markdown", "tex": "latex", "xml": "moodle", "canvas": "qti", "zip": "qti"}
    asked = [x.strip().lower() for v in (values or ["all"]) for x in v.split(",") if x.strip()]
    out: list[str] = []
    for f in asked:
        f = aliases.get(f, f)
        chosen = FORMATS if f == "all" else (f,)
        for c in chosen:
            if c not in FORMATS:
                raise InvalidInput("format", f"The format '{f}' is not one of: all, {', '.join(FORMATS)}.")
            if c not in out:
                out.append(c)
    return sorted(out, key=FORMATS.index)


def _progress(stream):
    """A progress display for long builds: one line rewritten in place on a terminal; elsewhere (a log) a
    line at each tenth of a build of 100 questions or more."""
    tty = hasattr(stream, "isatty") and stream.isatty()
    shown = [-1]

    def report(done: int, total: int) -> None:
        pct = 100 * done // max(1, total)
        if tty:
            if pct != shown[0] or done == total:
                stream.write(f"\rSolving question {done} of {total} ({pct}%)" + ("\n" if done == total else ""))
                stream.flush()
        elif total >= 100 and pct // 10 != shown[0] // 10:
            stream.write(f"Solving question {done} of {total} ({pct}%)\n")
            stream.flush()
        shown[0] = pct

    return report


def run(args) -> int:
    from . import build, export, load, write
    from .pdf import PdfUnavailable

    from .. import sandbox

    fmts = formats(args.format)
    box = sandbox.Sandbox.direct() if sandbox.enabled_by_env() else None
    old = sandbox.install(box)  # every solve in a worker process with hard limits, as in the server
    try:
        spec = load(args.file)
        b = build(spec, variants=args.variants, seed=args.seed, solutions=args.solutions, progress=_progress(sys.stderr))
    except InvalidInput as e:
        raise InvalidInput(e.field, f"{args.file}: {e.message} (field: {e.field})") from None
    finally:
        sandbox.install(old)
        if box is not None:
            box.close()
    paths = []
    try:
        for fmt in fmts:  # one format at a time: only one format's files are held in memory
            paths += write(export(b, [fmt]), args.out)
    except PdfUnavailable as e:
        print(f"stepwise: {e}", file=sys.stderr)
        return 1
    print(f"{spec.title}: {len(b.variants)} variant{'s' if len(b.variants) != 1 else ''}, exam seed {b.seed}, "
          f"{len(spec.problems)} questions, {spec.total_marks} marks" + (", with worked solutions" if b.solutions else ""))
    for v in b.variants:
        print(f"  variant {v.number}: seed {v.seed}")
    print(f"Wrote {len(paths)} files to {args.out} ({', '.join(fmts)}).")
    return 0
