"""web.settle: a server's warm objects stay out of the cyclic collector's passes (a full pass over SymPy's
caches and every family's formulas landed in a request now and then: 67 ms instead of 17 in bench_web)."""
from __future__ import annotations

import gc


def test_settle_freezes_what_is_alive_and_collects_the_garbage_first():
    from web import settle

    class Cycle:
        pass

    a = Cycle()
    a.me = a
    del a                 # garbage in a cycle: collected by settle, not frozen for the server's life
    before = gc.get_freeze_count()
    try:
        settle()
        assert gc.get_freeze_count() > before
        assert not any(type(o) is Cycle for o in gc.get_objects())
    finally:
        if before == 0:   # the test process collects as before
            gc.unfreeze()


def test_serve_settles_before_forking_its_solve_zygote():
    """Both servers (waitress and gunicorn's master) call settle() after warm() and before the sandbox forks."""
    import inspect

    import web

    for fn in (web.serve, web._serve_gunicorn):
        src = inspect.getsource(fn)
        assert src.index("warm()") < src.index("settle()") < src.index("_start_sandbox(")
