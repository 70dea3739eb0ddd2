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


# ---- `stepwise user add|passwd|list`: instructors' accounts for the web's saved exams ----------------------

def _password(prompt: str) -> str:
    """The new password: typed twice at a terminal (not echoed), else the first line of standard input."""
    import getpass

    if sys.stdin is not None and sys.stdin.isatty():
        first = getpass.getpass(f"{prompt}: ")
        if getpass.getpass("The same password again: ") != first:
            raise InvalidInput("password", "The two passwords differ; nothing was changed.")
        return first
    line = sys.stdin.readline() if sys.stdin is not None else ""
    if not line:
        raise InvalidInput("password", "No password given: type it at the prompt, or send it as the first line of "
                                       "standard input.")
    return line.rstrip("\r\n")


def run_user(args) -> int:
    from .accounts import check_name
    from .store import ExamStore, StoreError

    try:
        store = ExamStore(args.db)
    except StoreError as e:
        print(f"stepwise: {e}", file=sys.stderr)
        return 1
    where = store.describe()
    if args.action == "list":
        users = store.users()
        for u in users:
            print(f"{u.name}{'  (admin)' if u.is_admin else ''}")
        if not users:
            print(f"No accounts yet in {where}; add one with: stepwise user add NAME --admin")
        return 0
    name = check_name(args.name)
    if args.action == "add":
        user, adopted = store.add_user(name, _password(f"Password for {name}"), admin=args.admin)
        print(f"Added {'the administrator' if user.is_admin else 'the account'} {user.name} to {where}.")
        if adopted:
            print(f"{adopted} saved exam{'s' if adopted != 1 else ''} that had no owner (saved before accounts existed) "
                  f"now belong{'s' if adopted == 1 else ''} to {user.name}.")
        return 0
    store.set_password(name, _password(f"New password for {name}"))
    print(f"Changed the password of {name} in {where}.")
    return 0
